/**
 * Fleet rows of a few hosts, for live views that re-read what an event said changed
 * (`GET /api/live/hosts?ids=…`): built by the fleet page's own row builder from the same
 * summaries, so an island can replace a row in place with what a reload would show.
 *
 * @module
 */

import { fleetRowsByIds } from "../hosts/fleet_query.ts";
import type { Services } from "../services.ts";
import { type FleetRow, fleetRowsOf } from "../ui/fleet.ts";

/** Hosts one request may ask for (a fleet page). */
export const MAX_ROW_IDS = 50;

/**
 * The fleet rows of `hostIds` in `orgId`, in the order asked; ids of unknown or disabled hosts
 * and of other organizations' hosts are left out (the fleet page does not list them either).
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
  return await fleetRowsOf(services, orgId, await fleetRowsByIds(services.ledger, orgId, ids));
}
