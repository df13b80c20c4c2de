/**
 * The fleet page's data: the query it understands (search, group, tag, band, sort, cursor), one
 * row per host (posture, heartbeat, open critical/high signals, last snapshot) and paging.
 *
 * @module
 */
import type { Services } from "../services.ts";
import { type FleetListRow, listFleet } from "../hosts/fleet_query.ts";
import { hostHeartbeat } from "../hosts/host_heartbeat.ts";
import type { PostureBand } from "../signals/posture.ts";
import type { HeartbeatStateName } from "../signals/heartbeat.ts";
import { openBreachCounts } from "./host_history.ts";

export const BANDS: PostureBand[] = ["low", "guarded", "elevated", "critical"];
export const SORTS = ["name", "posture", "seen"] as const;
export type FleetSort = typeof SORTS[number];

/** Hosts per page of the fleet table. */
export const FLEET_PAGE = 50;

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

/**
 * One page of the fleet in the asked order (across the whole fleet, not within the page),
 * filtered, from the indexed per-host summaries (`lib/hosts/fleet_query.ts`): score and band
 * as last maintained by ingest and the heartbeat sweep, the heartbeat as of now, open breaches
 * counted for the page's hosts only.
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
  const page = await listFleet(services.ledger, orgId, {
    sort: query.sort,
    band: query.band || undefined,
    group: query.group || undefined,
    tag: query.tag || undefined,
    q: query.q || undefined,
    after: query.after || undefined,
    limit,
  });
  return { rows: await fleetRowsOf(services, orgId, page.rows), next: page.next };
}

/**
 * The fleet table's rows of summary rows (`lib/hosts/fleet_query.ts`), in their order: the
 * heartbeat as of now, open breaches counted for these hosts only. The fleet page and the live
 * row updates (`lib/live/rows.ts`) both build rows here, so a live row replaces a row in place.
 *
 * @example
 * ```ts
 * const rows = await fleetRowsOf(services, org.id, (await listFleet(ledger, org.id, opts)).rows);
 * ```
 */
export async function fleetRowsOf(
  services: Services,
  orgId: string,
  listed: readonly FleetListRow[],
): Promise<FleetRow[]> {
  const now = services.clock.now();
  const open = await openBreachCounts(services, orgId, listed.map((r) => r.host.id));
  return listed.map(({ host, ...s }): FleetRow => {
    const heartbeat = hostHeartbeat(host, now, services.config.heartbeat);
    return {
      id: host.id,
      name: host.name,
      slug: host.slug,
      group: host.group,
      tags: host.tags,
      score: s.score,
      band: s.band,
      heartbeat: heartbeat.state,
      heartbeatLabel: heartbeat.label,
      critical: s.critical,
      high: s.high,
      breaches: open.get(host.id) ?? 0,
      lastSnapshot: (s.snapshotTs ?? host.lastSnapshotAt)?.toISOString() ?? null,
      lastSeen: host.lastSeenAt?.toISOString() ?? null,
    };
  });
}
