/**
 * Host names for fleet-wide lists (timeline, breach ledger): the organization's hosts for a
 * filter select and a name per host id for the rows shown.
 *
 * @module
 */
import type { Services } from "../services.ts";
import { listHosts } from "../hosts/registry.ts";

/** A host as a list row names it. */
export interface HostName {
  id: string;
  name: string;
  slug: string;
}

/**
 * Names of the hosts with these ids in the organization (ids of other organizations are left
 * out).
 *
 * @example
 * ```ts
 * const names = await hostNames(services, org.id, rows.map((r) => r.hostId));
 * names.get(row.hostId)?.name ?? row.hostId
 * ```
 */
export async function hostNames(
  services: Services,
  orgId: string,
  hostIds: string[],
): Promise<Map<string, HostName>> {
  const ids = [...new Set(hostIds)];
  if (ids.length === 0) return new Map();
  // By primary key; with `org_id` in the where clause SQLite walked the organization's slug
  // index (every host) instead. The org is checked on the rows.
  const rows = await services.ledger.db.selectFrom("hosts").select(["id", "org_id", "name", "slug"])
    .where("id", "in", ids).execute();
  return new Map(
    rows.filter((r) => r.org_id === orgId).map((
      r,
    ) => [r.id, { id: r.id, name: r.name, slug: r.slug }]),
  );
}

/**
 * The organization's hosts (first 200 by slug, disabled ones included) as filter options.
 *
 * @example
 * ```ts
 * <SelectField name="host" options={[["", "Any"], ...await hostOptions(services, org.id)]} />
 * ```
 */
export async function hostOptions(services: Services, orgId: string): Promise<[string, string][]> {
  const hosts = await listHosts(services.ledger, orgId, { limit: 200, includeDisabled: true });
  return hosts.map((h): [string, string] => [h.id, h.name]);
}
