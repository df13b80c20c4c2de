/** The fleet summary of one organization, from its maintained counters (no host is read). */
import type { Services } from "../services.ts";
import { fleetCounters } from "./fleet_counts.ts";
import { dueCountCorrection } from "./summary_refresh.ts";
import { SEVERITIES, type Severity } from "../signals/types.ts";

/**
 * Hosts by heartbeat state and posture band, and latest signals by severity, from
 * `fleet_counts` (maintained with every `host_summaries` change; see `lib/hosts/summary.ts`)
 * plus what the rows due for a time-driven refresh would change, so the counts are exact now.
 *
 * @example
 * ```ts
 * const s = await fleetSummary(services, orgId); s.hosts.total;
 * ```
 */
export async function fleetSummary(services: Services, orgId: string) {
  const now = services.clock.now();
  const [counts, due] = await Promise.all([
    fleetCounters(services.ledger, orgId),
    dueCountCorrection(services, orgId, now),
  ]);
  const n = (name: string) => (counts.get(name) ?? 0) + (due.get(name) ?? 0);
  const heartbeat = {
    fresh: n("heartbeat:fresh"),
    delayed: n("heartbeat:delayed"),
    stale: n("heartbeat:stale"),
    missing: n("heartbeat:missing"),
  };
  const posture = {
    low: n("band:low"),
    guarded: n("band:guarded"),
    elevated: n("band:elevated"),
    critical: n("band:critical"),
  };
  const signals = Object.fromEntries(SEVERITIES.map((s) => [s, n(`signals:${s}`)])) as Record<
    Severity,
    number
  >;
  return {
    hosts: { total: n("hosts"), heartbeat, posture },
    signals,
    generatedAt: now.toISOString(),
  };
}
