/**
 * Table types of the ledger, shared by both dialects. A column whose stored form differs by
 * dialect (a `timestamptz` on Postgres comes back as a `Date`, the same column on SQLite as ISO
 * text) is typed with both; repository functions convert rows to one domain shape.
 *
 * @module
 */

import type { ColumnType } from "kysely";

/** A point in time: written as a `Date`, read as a `Date` (Postgres) or ISO text (SQLite). */
export type Timestamp = ColumnType<Date | string, Date, Date>;

/** `cron_runs`: one row per finished run of a scheduled job. */
export interface CronRunsTable {
  id: string;
  name: string;
  started_at: Timestamp;
  finished_at: Timestamp;
  status: "ok" | "failed";
  detail: string | null;
}

/** Every ledger table, by name. */
export interface LedgerSchema {
  cron_runs: CronRunsTable;
}
