/**
 * Host posture (issue 4 item 5): a 0–100 risk score (higher = more risk) from signal weights ×
 * severity × recency plus the heartbeat penalty, a band, a containment stage and the top
 * contributors that explain it. The formula, bands and stages are documented in
 * `docs/posture.md`; the constants below are that document's tables.
 */
import { type Severity, severityRank, type Signal } from "./types.ts";
import { IOC_CODES } from "./catalog.ts";
import type { HeartbeatState } from "./heartbeat.ts";

export type PostureBand = "low" | "guarded" | "elevated" | "critical";
export type PostureStage = "observe" | "watch" | "contain" | "lockdown";

export interface PostureContributor {
  code: string;
  severity: Severity;
  /** Points this code added (after weight, recency and repetition), one decimal. */
  points: number;
  title: string;
}

export interface Posture {
  score: number;
  band: PostureBand;
  stage: PostureStage;
  /** At most 5, largest first. The heartbeat appears as `heartbeat_<state>` when it costs points. */
  contributors: PostureContributor[];
}

/** Base points of one fresh signal. Info adds nothing: it explains, it does not alarm. */
export const SEVERITY_POINTS: Readonly<Record<Severity, number>> = {
  critical: 50,
  high: 15,
  medium: 6,
  low: 2,
  info: 0,
};

/** Per-code weights; every other code weighs 1. */
export const CODE_WEIGHTS: ReadonlyMap<string, number> = new Map([
  // Compromise indicators.
  ["suspicious_process_ioc", 1.5],
  ["outbound_scan_ioc", 1.5],
  ["self_integrity_changed", 1.5],
  // Access and persistence drift.
  ["new_ssh_accept", 1.25],
  ["user_list_changed", 1.25],
  ["watched_files_changed", 1.25],
  ["firewall_changed", 1.25],
  ["cron_changed", 1.25],
  ["persistence_hit", 1.25],
  // Hygiene and operations: shown, but they should not dominate a security score.
  ["packages_changed", 0.5],
  ["cpu_hotspot", 0.5],
  ["cpu_pressure", 0.5],
  ["memory_pressure", 0.5],
  ["host_disk_warn", 0.5],
  ["host_disk_critical", 0.5],
  ["project_disk_growth_warn", 0.5],
  ["project_disk_growth_critical", 0.5],
  ["ingest_ts_invalid_or_missing", 0.5],
  ["ingest_clock_skew_high", 0.5],
  ["ingest_alerts_count_mismatch", 0.5],
  ["ingest_host_mismatch", 0.5],
  ["ingest_host_disabled", 0.5],
]);

/** A signal's points halve every this many minutes since it was last observed. */
export const HALF_LIFE_MINUTES = 120;
/** The n-th signal of one code counts `REPEAT_FACTOR^(n-1)`: 50 open ports are not 50× one. */
export const REPEAT_FACTOR = 0.5;
/** The signal part of the score cannot exceed this for the highest severity present. */
export const SEVERITY_CAPS: Readonly<Record<Severity, number>> = {
  info: 0,
  low: 14,
  medium: 39,
  high: 89,
  critical: 100,
};
/** Band lower bounds (inclusive). */
export const BAND_FLOORS = { guarded: 15, elevated: 40, critical: 70 } as const;
/** A critical IOC observed within this window forces band critical (score ≥ 70). */
export const IOC_FORCE_WINDOW_MINUTES = 24 * 60;

const HEARTBEAT_SEVERITY: Record<HeartbeatState["state"], Severity> = {
  fresh: "info",
  delayed: "low",
  stale: "medium",
  missing: "high",
};

/** Recency factor for a signal `ageMinutes` old (undefined, negative or NaN count as now). */
export function recencyFactor(ageMinutes: number | undefined): number {
  const age = typeof ageMinutes === "number" && ageMinutes > 0 ? ageMinutes : 0;
  return Math.pow(0.5, age / HALF_LIFE_MINUTES);
}

/** The band a score falls in. */
export function bandFor(score: number): PostureBand {
  if (score >= BAND_FLOORS.critical) return "critical";
  if (score >= BAND_FLOORS.elevated) return "elevated";
  if (score >= BAND_FLOORS.guarded) return "guarded";
  return "low";
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/**
 * Computes a host's posture from its current signals (those of the latest snapshot and still-open
 * findings; `ageMinutes` = minutes since each was last observed, default 0) and its heartbeat.
 *
 * @example
 * ```ts
 * const posture = computePosture(snapshotSignals(parsed), heartbeatState(lastSeenAt, now));
 * // { score: 90, band: "critical", stage: "contain", contributors: [{ code: "suspicious_process_ioc", … }] }
 * ```
 */
export function computePosture(
  signals: ReadonlyArray<Signal & { ageMinutes?: number }>,
  heartbeat: HeartbeatState,
): Posture {
  // Points per signal, grouped by code, largest first within the code.
  const byCode = new Map<string, { points: number; severity: Severity; title: string }[]>();
  let maxSeverity: Severity | null = null;
  const liveIocCodes = new Set<string>();
  for (const s of signals) {
    const points = SEVERITY_POINTS[s.severity] * (CODE_WEIGHTS.get(s.code) ?? 1) *
      recencyFactor(s.ageMinutes);
    const list = byCode.get(s.code) ?? [];
    list.push({ points, severity: s.severity, title: s.title });
    byCode.set(s.code, list);
    if (points > 0 && (!maxSeverity || severityRank(s.severity) > severityRank(maxSeverity))) {
      maxSeverity = s.severity;
    }
    if (
      s.severity === "critical" && IOC_CODES.has(s.code) &&
      !((s.ageMinutes ?? 0) > IOC_FORCE_WINDOW_MINUTES)
    ) liveIocCodes.add(s.code);
  }

  const contributors: PostureContributor[] = [];
  let raw = 0;
  for (const [code, list] of byCode) {
    list.sort((a, b) => b.points - a.points || severityRank(b.severity) - severityRank(a.severity));
    const points = list.reduce((sum, x, i) => sum + x.points * Math.pow(REPEAT_FACTOR, i), 0);
    raw += points;
    if (points <= 0) continue;
    const top = list.reduce((
      a,
      b,
    ) => (severityRank(b.severity) > severityRank(a.severity) ? b : a));
    contributors.push({
      code,
      severity: top.severity,
      points: round1(points),
      title: list.length > 1 ? `${list[0].title} (+${list.length - 1} more)` : list[0].title,
    });
  }
  const signalScore = Math.min(raw, maxSeverity ? SEVERITY_CAPS[maxSeverity] : 0);
  if (heartbeat.penalty > 0) {
    contributors.push({
      code: `heartbeat_${heartbeat.state}`,
      severity: HEARTBEAT_SEVERITY[heartbeat.state],
      points: heartbeat.penalty,
      title: `Heartbeat ${heartbeat.label}`,
    });
  }

  const forced = liveIocCodes.size > 0;
  let score = Math.round(Math.min(100, signalScore + heartbeat.penalty));
  if (forced) score = Math.max(score, BAND_FLOORS.critical);
  const band = bandFor(score);

  let stage: PostureStage = band === "critical" ? "contain" : band === "low" ? "observe" : "watch";
  // Lockdown: the host is attacking others, shows more than one kind of compromise, or went
  // silent after one (an intruder stopping the agent looks exactly like that).
  if (
    forced &&
    (liveIocCodes.has("outbound_scan_ioc") || liveIocCodes.size >= 2 ||
      heartbeat.state === "missing")
  ) stage = "lockdown";

  contributors.sort((a, b) =>
    b.points - a.points || severityRank(b.severity) - severityRank(a.severity) ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0)
  );
  return { score, band, stage, contributors: contributors.slice(0, 5) };
}
