/**
 * Reading the breach ledger: a filtered, searchable, cursor-paged list per organization (or
 * host), and one breach with its full state history.
 *
 * @module
 */

import { sql } from "kysely";
import type { Ledger } from "../db/ledger/mod.ts";
import { pageLimit } from "../db/ledger/values.ts";
import type { Severity } from "../signals/types.ts";
import {
  type Breach,
  type BreachEvent,
  type BreachState,
  toBreach,
  toBreachEvent,
} from "./model.ts";

/** Longest page of {@link listBreaches}. */
export const MAX_BREACHES_PAGE = 200;

/** Filters and paging of {@link listBreaches}. */
export interface ListBreachesOptions {
  hostId?: string;
  state?: BreachState;
  severity?: Severity;
  /** Case-insensitive substring of the title, detail, code or evidence (JSON text). */
  q?: string;
  /** Page size, 1-200 (default 50). */
  limit?: number;
  /** The id of the last breach of the previous page. */
  after?: string;
}

/**
 * `like` over fixed columns (never input) with `%`, `_` and `\` escaped; `lower()` on both
 * sides so it is case-insensitive on SQLite and Postgres alike.
 *
 * @example
 * ```ts
 * query.where(containsAny(["title", "detail"], "redis"));
 * ```
 */
export function containsAny(columns: readonly string[], text: string) {
  const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const parts = columns.map((c) =>
    sql`lower(coalesce(${sql.ref(c)}, '')) like ${pattern} escape '\\'`
  );
  return sql<boolean>`(${sql.join(parts, sql` or `)})`;
}

/**
 * The organization's breaches, newest first (by id, i.e. creation). Pass the last id as
 * `after` for the next page. A host of another organization has none here.
 *
 * @example
 * ```ts
 * const page = await listBreaches(ledger, org.id, { state: "open", q: "redis", limit: 20 });
 * const next = await listBreaches(ledger, org.id, { state: "open", after: page.at(-1)?.id });
 * ```
 */
export async function listBreaches(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  options: ListBreachesOptions = {},
): Promise<Breach[]> {
  const limit = pageLimit(options.limit, MAX_BREACHES_PAGE, 50);
  // One host's breaches by `(host_id, state, id)`, checked against the organization on the rows
  // (a host belongs to one organization): with `org_id` in the where clause SQLite walked the
  // whole organization's `(org_id, state, id)` range instead.
  let query = options.hostId !== undefined
    ? ledger.db.selectFrom("breaches").selectAll().where("host_id", "=", options.hostId)
    : ledger.db.selectFrom("breaches").selectAll().where("org_id", "=", orgId);
  if (options.state !== undefined) query = query.where("state", "=", options.state);
  if (options.severity !== undefined) query = query.where("severity", "=", options.severity);
  if (options.after !== undefined) query = query.where("id", "<", options.after);
  const q = options.q?.trim().slice(0, 200);
  if (q) query = query.where(containsAny(["title", "detail", "code", "evidence"], q));
  const rows = await query.orderBy("id", "desc").limit(limit).execute();
  return rows.filter((r) => r.org_id === orgId).map(toBreach);
}

/**
 * One breach of the organization with its events (oldest first), or null.
 *
 * @example
 * ```ts
 * const found = await getBreach(ledger, org.id, breachId);
 * found?.events.map((e) => `${e.fromState} → ${e.toState}`);
 * ```
 */
export async function getBreach(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  breachId: string,
): Promise<{ breach: Breach; events: BreachEvent[] } | null> {
  const row = await ledger.db.selectFrom("breaches").selectAll()
    .where("id", "=", breachId).where("org_id", "=", orgId).executeTakeFirst();
  if (!row) return null;
  const events = await ledger.db.selectFrom("breach_events").selectAll()
    .where("breach_id", "=", breachId).orderBy("ts").orderBy("id").limit(1000).execute();
  return { breach: toBreach(row), events: events.map(toBreachEvent) };
}
