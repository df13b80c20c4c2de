/**
 * Fleet rows of a few hosts, for live views that re-read what an event said changed
 * (`GET /api/live/hosts?ids=…`): the same fields as the fleet table's rows, so an island can
 * replace a row in place.
 *
 * @module
 */

import { hostView } from "../hosts/admin.ts";
import { getHost } from "../hosts/registry.ts";
import type { Services } from "../services.ts";
import type { FleetRow } from "../ui/fleet.ts";
import { openBreachCounts } from "../ui/host_history.ts";

/** Hosts one request may ask for (a fleet page). */
export const MAX_ROW_IDS = 50;

/**
 * The fleet rows of `hostIds` in `orgId`, in the order asked; ids of unknown hosts and of
 * other organizations' hosts are left out.
 *
 * @example
 * ```ts
 * const rows = await fleetRows(services, org.id, ["h_01J…", "h_01K…"]);
 * ```
 */
export async function fleetRows(
  services: Services,
  orgId: string,
  hostIds: readonly string[],
): Promise<FleetRow[]> {
  const ids = [...new Set(hostIds)].slice(0, MAX_ROW_IDS);
  const hosts = (await Promise.all(ids.map((id) => getHost(services.ledger, orgId, id))))
    .filter((h) => h !== null);
  const views = await Promise.all(hosts.map((h) => hostView(services, h)));
  const open = await openBreachCounts(services, orgId, hosts.map((h) => h.id));
  return views.map((view): FleetRow => ({
    id: view.host.id,
    name: view.host.name,
    slug: view.host.slug,
    group: view.host.group,
    tags: view.host.tags,
    score: view.posture.score,
    band: view.posture.band,
    heartbeat: view.heartbeat.state,
    heartbeatLabel: view.heartbeat.label,
    critical: view.latest?.signals.bySeverity.critical ?? 0,
    high: view.latest?.signals.bySeverity.high ?? 0,
    breaches: open.get(view.host.id) ?? 0,
    lastSnapshot: view.latest?.ts ?? view.host.lastSnapshotAt?.toISOString() ?? null,
    lastSeen: view.host.lastSeenAt?.toISOString() ?? null,
  }));
}
