/**
 * Scheduled fleet reports (issue 6 point 8): `report_settings`, one row per organization with
 * its schedule and recipients, and `report_sends`, one row per organization and scheduled
 * period. The unique `(org_id, period_key)` index is what makes a period go out once, however
 * often the hourly cron runs and however many instances run it.
 *
 * @module
 */

import { sql } from "kysely";
import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** Creates `report_settings` and `report_sends`. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);
    await db.schema
      .createTable("report_settings")
      .addColumn("org_id", "text", (c) => c.primaryKey().references("orgs.id").onDelete("cascade"))
      .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("frequency", "text", (c) => c.notNull())
      .addColumn("weekday", "integer", (c) => c.notNull())
      .addColumn("hour_utc", "integer", (c) => c.notNull())
      // JSON array of e-mail addresses (lower-cased).
      .addColumn("emails", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("via_endpoints", "integer", (c) => c.notNull().defaultTo(0))
      // When the schedule was last switched on or changed: earlier slots are never sent.
      .addColumn("schedule_since", t.timestamp)
      .addColumn("updated_by", "text")
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addCheckConstraint("report_settings_frequency_check", sql`frequency in ('daily', 'weekly')`)
      .addCheckConstraint("report_settings_weekday_check", sql`weekday between 0 and 6`)
      .addCheckConstraint("report_settings_hour_check", sql`hour_utc between 0 and 23`)
      .execute();
    await db.schema.createIndex("report_settings_enabled_idx").on("report_settings")
      .columns(["enabled", "org_id"]).execute();

    await db.schema
      .createTable("report_sends")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
      .addColumn("period_key", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("claimed_at", t.timestamp, (c) => c.notNull())
      .addColumn("finished_at", t.timestamp)
      .addColumn("detail", "text")
      .addCheckConstraint("report_sends_state_check", sql`state in ('sending', 'sent', 'failed')`)
      .execute();
    await db.schema.createIndex("report_sends_org_id_period_key_idx").on("report_sends")
      .columns(["org_id", "period_key"]).unique().execute();
  },
  async down(db) {
    await db.schema.dropTable("report_sends").execute();
    await db.schema.dropTable("report_settings").execute();
  },
};
