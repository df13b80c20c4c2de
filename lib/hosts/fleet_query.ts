/**
 * One page of the fleet, read from `host_summaries` (joined to `hosts` per row) with keyset
 * paging in the order asked for, each order served by an index:
 *
 * | sort      | order                                  | index                                   |
 * | --------- | -------------------------------------- | --------------------------------------- |
 * | `name`    | slug                                   | `(org_id, slug)` / `(org_id, band, slug)` |
 * | `posture` | score desc, slug                       | `(org_id, [band,] score desc, slug)`    |
 * | `seen`    | last push desc (never seen last), slug | `(org_id, seen_at desc, slug)`          |
 *
 * The cursor is the last row's sort key (`slug`, `score~slug`, `ms~slug`), so a page never
 * repeats or skips a host that did not change meanwhile. Band and group filters use an index;
 * tag and name search are checked on the summary rows the index walk yields, before any join
 * (so a search that matches few hosts reads more of the index before the page is full; at
 * 10,000 hosts a search matching none reads them all).
 *
 * @module
 */

import { sql } from "kysely";
import type { Ledger } from "../db/ledger/mod.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";
import type { PostureBand } from "../signals/posture.ts";
import type { HeartbeatStateName } from "../signals/heartbeat.ts";
import { type Host, type HostRow, toHost } from "./host.ts";

/** Orders of the fleet page. */
export type FleetOrder = "name" | "posture" | "seen";

/** Filters and paging of {@link listFleet}. */
export interface FleetListOptions {
  sort: FleetOrder;
  band?: PostureBand;
  group?: string;
  tag?: string;
  /** Case-insensitive substring of the name or slug. */
  q?: string;
  /** `next` of the previous page. */
  after?: string;
  limit: number;
}

/** A host with its stored summary. */
export interface FleetListRow {
  host: Host;
  score: number;
  band: PostureBand;
  /** As of the summary's last refresh (the counters count this). */
  heartbeat: HeartbeatStateName;
  critical: number;
  high: number;
  snapshotTs: Date | null;
  /** The summary's copy of the last push (the epoch when never seen): the `seen` sort key. */
  seenAt: Date;
}

type Cursor = { slug: string; score?: number; seen?: number };

function parseCursor(sort: FleetOrder, text: string | undefined): Cursor | null {
  if (!text) return null;
  if (sort === "name") return { slug: text };
  const i = text.indexOf("~");
  if (i < 0) return null;
  const key = text.slice(0, i), slug = text.slice(i + 1);
  if (sort === "posture") {
    return /^\d{1,3}$/.test(key) ? { slug, score: Number(key) } : null;
  }
  return /^\d{1,15}$/.test(key) ? { slug, seen: Number(key) } : null;
}

/**
 * The cursor text of a row in `sort` order.
 *
 * @example
 * ```ts
 * fleetCursor("posture", { score: 90, host }); // "90~web-1"
 * ```
 */
export function fleetCursor(
  sort: FleetOrder,
  row: Pick<FleetListRow, "score" | "host" | "seenAt">,
): string {
  if (sort === "name") return row.host.slug;
  if (sort === "posture") return `${row.score}~${row.host.slug}`;
  return `${row.seenAt.getTime()}~${row.host.slug}`;
}

/** The enabled hosts of `orgId`, each joined to its summary: what every fleet read selects. */
function enabledFleet(ledger: Pick<Ledger, "db">, orgId: string) {
  return ledger.db.selectFrom("host_summaries as s")
    .innerJoin("hosts as h", "h.id", "s.host_id")
    .selectAll("h")
    .select(["s.score", "s.band", "s.heartbeat", "s.critical", "s.high", "s.snapshot_ts"])
    .select("s.seen_at")
    .where("s.org_id", "=", orgId).where("s.enabled", "=", 1);
}

type EnabledFleetRow = Awaited<ReturnType<ReturnType<typeof enabledFleet>["execute"]>>[number];

function toFleetListRow(r: EnabledFleetRow): FleetListRow {
  return {
    host: toHost(r as HostRow),
    score: Number(r.score),
    band: r.band,
    heartbeat: r.heartbeat,
    critical: Number(r.critical),
    high: Number(r.high),
    snapshotTs: toDateOrNull(r.snapshot_ts),
    seenAt: toDate(r.seen_at),
  };
}

function like(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * One page of the organization's enabled hosts (see the module documentation) and the cursor
 * of the next page, or null on the last.
 *
 * @example
 * ```ts
 * const { rows, next } = await listFleet(ledger, org.id, { sort: "posture", band: "critical", limit: 50 });
 * ```
 */
export async function listFleet(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  o: FleetListOptions,
): Promise<{ rows: FleetListRow[]; next: string | null }> {
  let query = enabledFleet(ledger, orgId);
  if (o.band) query = query.where("s.band", "=", o.band);
  if (o.group) query = query.where("s.group_name", "=", o.group);
  if (o.tag) {
    // Tags are a JSON array of `[a-z0-9._-]` strings, so `"tag"` marks a whole item.
    const pattern = like(JSON.stringify(o.tag.trim().toLowerCase()));
    query = query.where(sql<boolean>`s.tags like ${pattern} escape '\\'`);
  }
  const q = o.q?.trim().toLowerCase().slice(0, 100);
  if (q) query = query.where(sql<boolean>`s.search like ${like(q)} escape '\\'`);
  const c = parseCursor(o.sort, o.after);
  if (o.sort === "name") {
    if (c) query = query.where("s.slug", ">", c.slug);
    query = query.orderBy("s.slug");
  } else if (o.sort === "posture") {
    if (c) {
      query = query.where((eb) =>
        eb.or([
          eb("s.score", "<", c.score!),
          eb.and([eb("s.score", "=", c.score!), eb("s.slug", ">", c.slug)]),
        ])
      );
    }
    query = query.orderBy("s.score", "desc").orderBy("s.slug");
  } else {
    if (c) {
      const seen = new Date(c.seen!);
      query = query.where((eb) =>
        eb.or([
          eb("s.seen_at", "<", seen),
          eb.and([eb("s.seen_at", "=", seen), eb("s.slug", ">", c.slug)]),
        ])
      );
    }
    query = query.orderBy("s.seen_at", "desc").orderBy("s.slug");
  }
  const found = await query.limit(o.limit + 1).execute();
  const rows = found.slice(0, o.limit).map(toFleetListRow);
  const last = rows.at(-1);
  return { rows, next: found.length > o.limit && last ? fleetCursor(o.sort, last) : null };
}

/**
 * The summary rows of `hostIds` (at most a page of them) among the organization's enabled
 * hosts, in the order asked; unknown, disabled and other organizations' hosts are left out.
 * For live views that re-read the rows an event named.
 *
 * @example
 * ```ts
 * const rows = await fleetRowsByIds(ledger, org.id, ["h_01J…", "h_01K…"]);
 * ```
 */
export async function fleetRowsByIds(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  hostIds: readonly string[],
): Promise<FleetListRow[]> {
  if (hostIds.length === 0) return [];
  const found = await enabledFleet(ledger, orgId).where("s.host_id", "in", [...hostIds]).execute();
  const byId = new Map(found.map((r) => [r.id, toFleetListRow(r)]));
  return hostIds.flatMap((id) => byId.get(id) ?? []);
}
