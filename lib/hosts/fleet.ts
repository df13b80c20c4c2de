/** The fleet summary of one organization, paged through the registry (never one unbounded read). */
import type { Services } from "../services.ts";
import { listHosts } from "./registry.ts";
import { hostView } from "./admin.ts";
import { SEVERITIES, type Severity } from "../signals/types.ts";

const PAGE = 200;

/**
 * Hosts by heartbeat state and posture band, and latest signals by severity.
 *
 * @example
 * ```ts
 * const s = await fleetSummary(services, orgId); s.hosts.total;
 * ```
 */
export async function fleetSummary(services: Services, orgId: string) {
  const heartbeat = { fresh: 0, delayed: 0, stale: 0, missing: 0 };
  const posture = { low: 0, guarded: 0, elevated: 0, critical: 0 };
  const signals = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let total = 0;
  let after: string | undefined;
  while (true) {
    const page = await listHosts(services.ledger, orgId, { limit: PAGE, after });
    for (const view of await Promise.all(page.map((h) => hostView(services, h)))) {
      total++;
      heartbeat[view.heartbeat.state]++;
      posture[view.posture.band]++;
      for (const s of SEVERITIES) signals[s] += view.latest?.signals.bySeverity[s] ?? 0;
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.slug;
  }
  return {
    hosts: { total, heartbeat, posture },
    signals,
    generatedAt: services.clock.now().toISOString(),
  };
}
