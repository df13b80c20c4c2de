/**
 * A parsed snapshot → its signals (issue 4 item 4). Each source has its own module
 * (`from_threat`, `from_alerts`, `from_auth`, `from_ports`, `from_vitals`, `from_ingest`); this
 * one decides precedence between them, merges duplicates and fixes the order.
 */
import type { ParsedSnapshot } from "../ingest/types.ts";
import { severityRank, type Signal } from "./types.ts";
import { indicatorSignals, threatHitSignals } from "./from_threat.ts";
import { alertSignals } from "./from_alerts.ts";
import { authSignals } from "./from_auth.ts";
import { portSignals } from "./from_ports.ts";
import { vitalsSignals } from "./from_vitals.ts";
import { ingestSignals } from "./from_ingest.ts";

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The canonical signal order: severity (critical first), then code, then fingerprint.
 *
 * @example
 * ```ts
 * signals.sort(compareSignals)
 * ```
 */
export function compareSignals(a: Signal, b: Signal): number {
  return severityRank(b.severity) - severityRank(a.severity) || cmp(a.code, b.code) ||
    cmp(a.fingerprint, b.fingerprint);
}

/**
 * One signal per fingerprint: the first in canonical order wins; the others are counted in its
 * evidence (`occurrences`, and `pids` when they name processes), so two hits of the same program
 * stay one finding.
 */
function mergeByFingerprint(sorted: Signal[]): Signal[] {
  const byFingerprint = new Map<string, { signal: Signal; rest: Signal[] }>();
  for (const s of sorted) {
    const entry = byFingerprint.get(s.fingerprint);
    if (entry) entry.rest.push(s);
    else byFingerprint.set(s.fingerprint, { signal: s, rest: [] });
  }
  return [...byFingerprint.values()].map(({ signal, rest }) => {
    if (rest.length === 0) return signal;
    const evidence: Record<string, unknown> = { ...signal.evidence, occurrences: rest.length + 1 };
    const pids = [signal, ...rest].map((s) => s.evidence?.pid).filter((p) => typeof p === "number");
    if (pids.length > 1) evidence.pids = [...new Set(pids)];
    return { ...signal, evidence };
  });
}

/**
 * Normalizes a snapshot into signals, in canonical order, one per fingerprint.
 *
 * Precedence: `threat` hits carry the IOC evidence, so an IOC alert of the same code adds nothing
 * (without hits, the alert detail is parsed instead); an indicator counts only when neither
 * produced its code; auth counters add `ssh_bruteforce_activity` / `new_ssh_accept` only when
 * the agent did not alert on them.
 *
 * @example
 * ```ts
 * const parsed = await parseStatusPush(bytes, { receivedAt, host });
 * snapshotSignals(parsed)[0]; // { code: "suspicious_process_ioc", severity: "critical", … }
 * ```
 */
export function snapshotSignals(parsed: ParsedSnapshot): Signal[] {
  const { base, ts } = parsed;
  const hits = threatHitSignals(base, ts);
  const alerts = alertSignals(base, ts, new Set(hits.map((s) => s.code)));
  const alertCodes = new Set(alerts.map((s) => s.code));
  const all = [
    ...hits,
    ...alerts,
    ...indicatorSignals(base, ts, new Set([...hits.map((s) => s.code), ...alertCodes])),
    ...authSignals(base, parsed.last, ts, alertCodes),
    ...portSignals(base, ts),
    ...vitalsSignals(base, ts),
    ...ingestSignals(parsed.warnings, ts),
  ];
  return mergeByFingerprint(all.sort(compareSignals));
}
