/**
 * The host page's history: the host's open breaches and its recent timeline (signals deduped
 * into runs), both read through `lib/breaches` and `lib/timeline`.
 *
 * @module
 */
import type { Services } from "../services.ts";
import { listBreaches } from "../breaches/query.ts";
import { listTimeline } from "../timeline/timeline.ts";
import type { Severity } from "../signals/types.ts";

/** Rows of each list the host page shows. */
export const HISTORY_ROWS = 15;

export interface BreachRow {
  id: string;
  code: string;
  severity: Severity;
  title: string;
  state: string;
  openedAt: string;
  lastSeenAt: string;
  reopenCount: number;
}

export interface TimelineRow {
  id: string;
  code: string;
  severity: Severity;
  title: string;
  firstTs: string;
  lastTs: string;
  count: number;
}

/**
 * Open breaches (newest first) and the latest timeline runs of one host.
 *
 * @example
 * ```ts
 * const { breaches, timeline } = await hostHistory(services, org.id, host.id);
 * ```
 */
export async function hostHistory(services: Services, orgId: string, hostId: string) {
  const [breaches, timeline] = await Promise.all([
    listBreaches(services.ledger, orgId, { hostId, state: "open", limit: HISTORY_ROWS + 1 }),
    listTimeline(services.ledger, orgId, { hostId, limit: HISTORY_ROWS }),
  ]);
  return {
    breaches: breaches.slice(0, HISTORY_ROWS).map((b): BreachRow => ({
      id: b.id,
      code: b.code,
      severity: b.severity,
      title: b.title,
      state: b.state,
      openedAt: b.openedAt.toISOString(),
      lastSeenAt: b.lastSeenAt.toISOString(),
      reopenCount: b.reopenCount,
    })),
    moreBreaches: breaches.length > HISTORY_ROWS,
    timeline: timeline.entries.map((e): TimelineRow => ({
      id: e.id,
      code: e.code,
      severity: e.severity,
      title: e.title,
      firstTs: e.firstTs.toISOString(),
      lastTs: e.lastTs.toISOString(),
      count: e.count,
    })),
    moreTimeline: timeline.nextCursor !== null,
  };
}

/**
 * Open breaches per host, for the hosts given (one grouped query).
 *
 * @example
 * ```ts
 * (await openBreachCounts(services, org.id, ["h_1"])).get("h_1") ?? 0
 * ```
 */
export async function openBreachCounts(
  services: Services,
  orgId: string,
  hostIds: string[],
): Promise<Map<string, number>> {
  if (hostIds.length === 0) return new Map();
  // By host (index `breaches (host_id, state)`); with `org_id` in the where clause SQLite
  // walked every open breach of the organization instead. The org is checked on the rows.
  const rows = await services.ledger.db.selectFrom("breaches")
    .select((eb) => ["host_id", "org_id", eb.fn.countAll<number | string>().as("n")])
    .where("host_id", "in", hostIds).where("state", "=", "open")
    .groupBy(["host_id", "org_id"]).execute();
  return new Map(rows.filter((r) => r.org_id === orgId).map((r) => [r.host_id, Number(r.n)]));
}
