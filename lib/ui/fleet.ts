/**
 * The fleet page's data: the query it understands (search, group, tag, band, sort, cursor), one
 * row per host (posture, heartbeat, open critical/high signals, last snapshot) and paging.
 *
 * @module
 */
import type { Services } from "../services.ts";
import { listHosts } from "../hosts/registry.ts";
import { hostView } from "../hosts/admin.ts";
import type { PostureBand } from "../signals/posture.ts";
import type { HeartbeatStateName } from "../signals/heartbeat.ts";
import { openBreachCounts } from "./host_history.ts";

export const BANDS: PostureBand[] = ["low", "guarded", "elevated", "critical"];
export const SORTS = ["name", "posture", "seen"] as const;
export type FleetSort = typeof SORTS[number];

/** Hosts per page of the fleet table. */
export const FLEET_PAGE = 50;
/** Registry pages read at most to fill one band-filtered page. */
const MAX_SCANS = 10;

/** The fleet page's query, cleaned (unknown values dropped, lengths capped). */
export interface FleetQuery {
  q: string;
  group: string;
  tag: string;
  band: PostureBand | "";
  sort: FleetSort;
  after: string;
}

/**
 * Reads the fleet page's query string.
 *
 * @example
 * ```ts
 * fleetQuery(new URL("http://x/hosts?band=critical&sort=posture")).band // "critical"
 * ```
 */
export function fleetQuery(url: URL): FleetQuery {
  const p = url.searchParams;
  const text = (name: string, max: number) => (p.get(name) ?? "").trim().slice(0, max);
  const band = text("band", 10) as PostureBand;
  const sort = text("sort", 10) as FleetSort;
  return {
    q: text("q", 80),
    group: text("group", 40),
    tag: text("tag", 32).toLowerCase(),
    band: BANDS.includes(band) ? band : "",
    sort: SORTS.includes(sort) ? sort : "name",
    after: text("after", 200),
  };
}

/** One host as the fleet table shows it. */
export interface FleetRow {
  id: string;
  name: string;
  slug: string;
  group: string | null;
  tags: string[];
  score: number;
  band: PostureBand;
  heartbeat: HeartbeatStateName;
  heartbeatLabel: string;
  critical: number;
  high: number;
  /** Breaches still open. */
  breaches: number;
  /** Collection time of the latest snapshot (ISO), or null before the first push. */
  lastSnapshot: string | null;
  /** Receive time of the last accepted push (ISO), or null. */
  lastSeen: string | null;
}

function compareRows(sort: FleetSort) {
  return (a: FleetRow, b: FleetRow): number => {
    if (sort === "posture") return b.score - a.score || a.slug.localeCompare(b.slug);
    if (sort === "seen") {
      return (b.lastSeen ?? "").localeCompare(a.lastSeen ?? "") || a.slug.localeCompare(b.slug);
    }
    return a.name.localeCompare(b.name) || a.slug.localeCompare(b.slug);
  };
}

/**
 * One page of the fleet: hosts by slug from the cursor on, filtered (the band after computing
 * posture, reading further registry pages to fill the page), then sorted within the page.
 *
 * @example
 * ```ts
 * const { rows, next } = await fleetPage(services, org.id, fleetQuery(ctx.url));
 * ```
 */
export async function fleetPage(
  services: Services,
  orgId: string,
  query: FleetQuery,
  limit = FLEET_PAGE,
): Promise<{ rows: FleetRow[]; next: string | null }> {
  const rows: FleetRow[] = [];
  let after = query.after || undefined;
  let next: string | null = null;
  for (let scan = 0; scan < MAX_SCANS && rows.length < limit; scan++) {
    const hosts = await listHosts(services.ledger, orgId, {
      limit,
      after,
      search: query.q || undefined,
      group: query.group || undefined,
      tag: query.tag || undefined,
    });
    for (const view of await Promise.all(hosts.map((h) => hostView(services, h)))) {
      after = view.host.slug;
      if (query.band && view.posture.band !== query.band) continue;
      rows.push({
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
        breaches: 0,
        lastSnapshot: view.latest?.ts ?? view.host.lastSnapshotAt?.toISOString() ?? null,
        lastSeen: view.host.lastSeenAt?.toISOString() ?? null,
      });
      if (rows.length >= limit) break;
    }
    next = hosts.length === limit || rows.length >= limit ? after ?? null : null;
    if (hosts.length < limit) break;
  }
  const open = await openBreachCounts(services, orgId, rows.map((r) => r.id));
  for (const row of rows) row.breaches = open.get(row.id) ?? 0;
  rows.sort(compareRows(query.sort));
  return { rows, next };
}
