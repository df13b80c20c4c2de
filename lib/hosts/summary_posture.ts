/**
 * A host's posture from its latest snapshot's signal summary (`HostState.signals.items`), as
 * the console shows it, and when that posture or the heartbeat can next change with time alone.
 *
 * Posture depends on the clock: signal points halve every 120 minutes after the snapshot, a
 * critical IOC holds the score at 70 for 24 hours, and the heartbeat penalty grows as the host
 * stays silent. Between two heartbeat thresholds (and the end of the IOC window) nothing but
 * the decay moves, and the decay only lowers the score, so the first minute at which the band
 * changes or the score has dropped by {@link SCORE_STEP} can be found by bisection. The fleet
 * summary stores that minute as `refresh_at`; the heartbeat sweep recomputes due rows.
 *
 * @module
 */

import { computePosture, IOC_FORCE_WINDOW_MINUTES, type Posture } from "../signals/posture.ts";
import type { HeartbeatOptions, HeartbeatStateName } from "../signals/heartbeat.ts";
import type { Severity, Signal } from "../signals/types.ts";
import { IOC_CODES } from "../signals/catalog.ts";
import { hostHeartbeat, hostHeartbeatOptions } from "./host_heartbeat.ts";
import { codeTitle } from "../signals/catalog.ts";

/** One code and severity of a snapshot, with how many signals had it. */
export interface SummaryItem {
  code: string;
  severity: Severity;
  count: number;
}

/** A stored score is refreshed once time alone has lowered it by this many points. */
export const SCORE_STEP = 5;
/** Looking further ahead than this for a change is pointless: the next push will come first. */
const HORIZON_MINUTES = 7 * 24 * 60;
const MINUTE = 60_000;

/**
 * The posture of a host whose latest snapshot (collected at `snapshotTs`) had `items`,
 * given its heartbeat. Each item counts at most 20 times (as the host page does).
 *
 * @example
 * ```ts
 * postureOfItems([{ code: "suspicious_process_ioc", severity: "critical", count: 1 }],
 *   new Date(), heartbeatState(new Date(), new Date()), new Date()).band; // "critical"
 * ```
 */
export function postureOfItems(
  items: readonly SummaryItem[],
  snapshotTs: Date | null,
  heartbeat: ReturnType<typeof hostHeartbeat>,
  now: Date,
): Posture {
  const ageMinutes = snapshotTs ? (now.getTime() - snapshotTs.getTime()) / MINUTE : undefined;
  const ts = snapshotTs?.toISOString() ?? now.toISOString();
  const signals: Array<Signal & { ageMinutes?: number }> = items.flatMap((item) =>
    Array.from({ length: Math.min(item.count, 20) }, () => ({
      code: item.code,
      severity: item.severity,
      // The items keep codes only: the contributors say what each is in words.
      title: codeTitle(item.code),
      detail: "",
      ts,
      source: "ingest" as const,
      fingerprint: item.code,
      ageMinutes,
    }))
  );
  return computePosture(signals, heartbeat);
}

/** What a host's posture inputs are. */
export interface SummaryInput {
  items: readonly SummaryItem[];
  snapshotTs: Date | null;
  lastSeenAt: Date | null;
  heartbeatExpectedMinutes: number | null;
}

/** The stored part of a host's summary at some time. */
export interface SummaryValues {
  score: number;
  band: Posture["band"];
  heartbeat: HeartbeatStateName;
  /** When time alone may next change `band`, `heartbeat` or lower `score` by a step; or null. */
  refreshAt: Date | null;
}

/** The times after `now` at which the heartbeat state or the IOC floor changes. */
function boundaries(input: SummaryInput, now: Date, defaults: HeartbeatOptions): number[] {
  const out: number[] = [];
  if (input.lastSeenAt) {
    const o = hostHeartbeatOptions(input, defaults);
    const seen = input.lastSeenAt.getTime();
    for (const m of [1, o.staleMultiplier, Math.max(o.missingMultiplier, o.staleMultiplier + 1)]) {
      // Just past the inclusive threshold.
      out.push(seen + o.expectedMinutes * m * MINUTE + 1);
    }
  }
  const ioc = input.items.some((i) => i.severity === "critical" && IOC_CODES.has(i.code));
  if (ioc && input.snapshotTs) {
    out.push(input.snapshotTs.getTime() + IOC_FORCE_WINDOW_MINUTES * MINUTE + 1);
  }
  return out.filter((t) => t > now.getTime()).sort((a, b) => a - b);
}

/**
 * Score, band and heartbeat at `now`, and the next time they need recomputing (left out, null,
 * with `schedule: false`: one evaluation instead of a search).
 *
 * @example
 * ```ts
 * const v = summaryValues({ items, snapshotTs, lastSeenAt: now, heartbeatExpectedMinutes: null },
 *   now, config.heartbeat);
 * v.refreshAt; // e.g. 5 minutes later, when the heartbeat turns "delayed"
 * ```
 */
export function summaryValues(
  input: SummaryInput,
  now: Date,
  defaults: HeartbeatOptions,
  opts: { schedule?: boolean } = {},
): SummaryValues {
  const at = (t: number) => {
    const when = new Date(t);
    const heartbeat = hostHeartbeat(input, when, defaults);
    return { posture: postureOfItems(input.items, input.snapshotTs, heartbeat, when), heartbeat };
  };
  const current = at(now.getTime());
  const { score, band } = current.posture;
  if (opts.schedule === false) {
    return { score, band, heartbeat: current.heartbeat.state, refreshAt: null };
  }
  const next = boundaries(input, now, defaults)[0];
  const end = next ?? now.getTime() + HORIZON_MINUTES * MINUTE;
  const changed = (t: number) => {
    const p = at(t).posture;
    return p.band !== band || p.score <= score - SCORE_STEP;
  };
  let refreshAt: number | null = next ?? null;
  if (changed(end - 1)) {
    // Bisection to the minute: `changed` is monotonic between two boundaries.
    let lo = now.getTime(), hi = end - 1;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2);
      if (changed(mid)) hi = mid;
      else lo = mid;
    }
    // The change comes after `lo` and by `hi`: due just after `lo`, never late.
    refreshAt = lo + 1;
  }
  return {
    score,
    band,
    heartbeat: current.heartbeat.state,
    refreshAt: refreshAt === null ? null : new Date(refreshAt),
  };
}
