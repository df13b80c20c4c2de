/**
 * Foundation: `cron_runs`, one row per finished run of a scheduled job.
 *
 * @module
 */

import { sql } from "kysely";
import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** Creates `cron_runs` and its (name, started_at) index. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);
    await db.schema
      .createTable("cron_runs")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("started_at", t.timestamp, (c) => c.notNull())
      .addColumn("finished_at", t.timestamp, (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("detail", "text")
      .addCheckConstraint("cron_runs_status_check", sql`status in ('ok', 'failed')`)
      .execute();
    await db.schema
      .createIndex("cron_runs_name_started_at_idx")
      .on("cron_runs")
      .columns(["name", "started_at"])
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("cron_runs").execute();
  },
};
