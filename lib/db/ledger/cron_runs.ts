/**
 * `cron_runs`: one row per finished run of a scheduled job, newest first per job name.
 *
 * @module
 */

import { ulid } from "ulid";
import type { Ledger } from "./mod.ts";

/** How a run ended. */
export type CronRunStatus = "ok" | "failed";

/** A stored run, the same shape on SQLite and Postgres. */
export interface CronRun {
  id: string;
  name: string;
  startedAt: Date;
  finishedAt: Date;
  status: CronRunStatus;
  detail: string | null;
}

/** A run to record; `id` defaults to a new ULID, `detail` to null. */
export interface NewCronRun {
  id?: string;
  name: string;
  startedAt: Date;
  finishedAt: Date;
  status: CronRunStatus;
  detail?: string | null;
}

/** Position after which {@link latestCronRuns} continues (the last run of the previous page). */
export interface CronRunCursor {
  startedAt: Date;
  id: string;
}

/** Anything holding the ledger's query builder: a `Ledger`, or `{ db: trx }` in a transaction. */
export type LedgerDb = Pick<Ledger, "db">;

/** Longest page {@link latestCronRuns} returns. */
export const MAX_CRON_RUNS_PAGE = 500;

/**
 * Appends a run. Recording the same `id` twice keeps the first row (so a retried job that
 * reuses its run id does not duplicate it).
 *
 * @example
 * ```ts
 * await recordCronRun(ledger, {
 *   name: "scheduler-heartbeat",
 *   startedAt, finishedAt: new Date(),
 *   status: "ok",
 * });
 * ```
 */
export async function recordCronRun(ledger: LedgerDb, run: NewCronRun): Promise<CronRun> {
  const stored: CronRun = {
    id: run.id ?? ulid(run.startedAt.getTime()),
    name: run.name,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    status: run.status,
    detail: run.detail ?? null,
  };
  await ledger.db
    .insertInto("cron_runs")
    .values({
      id: stored.id,
      name: stored.name,
      started_at: stored.startedAt,
      finished_at: stored.finishedAt,
      status: stored.status,
      detail: stored.detail,
    })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  return stored;
}

/**
 * The newest runs of the job `name`, newest first (ties broken by id). Pass the last run of a
 * page as `after` to get the next, older page.
 *
 * @example
 * ```ts
 * const page1 = await latestCronRuns(ledger, "scheduler-heartbeat", 20);
 * const last = page1.at(-1);
 * const page2 = last ? await latestCronRuns(ledger, "scheduler-heartbeat", 20, last) : [];
 * ```
 */
export async function latestCronRuns(
  ledger: LedgerDb,
  name: string,
  limit = 20,
  after?: CronRunCursor,
): Promise<CronRun[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CRON_RUNS_PAGE) {
    throw new RangeError(`limit must be an integer 1-${MAX_CRON_RUNS_PAGE}, got ${limit}`);
  }
  let query = ledger.db.selectFrom("cron_runs").selectAll().where("name", "=", name);
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb("started_at", "<", after.startedAt),
        eb.and([eb("started_at", "=", after.startedAt), eb("id", "<", after.id)]),
      ])
    );
  }
  const rows = await query
    .orderBy("started_at", "desc")
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    startedAt: toDate(row.started_at),
    finishedAt: toDate(row.finished_at),
    status: row.status,
    detail: row.detail,
  }));
}

/** Postgres returns `timestamptz` as a `Date`; SQLite stores ISO text. */
function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}
