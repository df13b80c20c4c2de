/**
 * The breach ledger: `breaches` (one row per host and finding fingerprint, whatever its state)
 * and `breach_events` (every state change with its actor and time), plus an index on `signals`
 * for the timeline's dedupe look-ups (identical signals of one host by code and time).
 *
 * `evidence` is JSON `text` on both dialects, like the other JSON members: written and read
 * whole, searched with `like`.
 *
 * @module
 */

import { sql } from "kysely";
import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** Creates `breaches`, `breach_events` and their indexes. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);

    await db.schema
      .createTable("breaches")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn("host_id", "text", (c) => c.notNull().references("hosts.id").onDelete("cascade"))
      .addColumn("fingerprint", "text", (c) => c.notNull())
      .addColumn("code", "text", (c) => c.notNull())
      .addColumn("severity", "text", (c) => c.notNull())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("detail", "text", (c) => c.notNull())
      .addColumn("evidence", "text")
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("opened_at", t.timestamp, (c) => c.notNull())
      .addColumn("last_seen_at", t.timestamp, (c) => c.notNull())
      // Collection time of the newest snapshot that decided this breach (present or absent):
      // an older, late snapshot never re-decides it.
      .addColumn("checked_at", t.timestamp)
      .addColumn("state_changed_at", t.timestamp, (c) => c.notNull())
      .addColumn("fixed_at", t.timestamp)
      .addColumn("ignored_until", t.timestamp)
      .addColumn("ignore_reason", "text")
      .addColumn("reopen_count", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_by", "text", (c) => c.notNull())
      .addCheckConstraint(
        "breaches_state_check",
        sql`state in ('open', 'mitigated', 'fixed', 'ignored')`,
      )
      .addCheckConstraint(
        "breaches_severity_check",
        sql`severity in ('info', 'low', 'medium', 'high', 'critical')`,
      )
      .execute();
    await db.schema.createIndex("breaches_host_id_fingerprint_idx").on("breaches")
      .columns(["host_id", "fingerprint"]).unique().execute();
    for (
      const [name, columns] of [
        ["breaches_org_id_state_severity_idx", ["org_id", "state", "severity"]],
        ["breaches_org_id_id_idx", ["org_id", "id"]],
        ["breaches_host_id_state_idx", ["host_id", "state"]],
        ["breaches_state_ignored_until_idx", ["state", "ignored_until"]],
      ] as const
    ) {
      await db.schema.createIndex(name).on("breaches").columns([...columns]).execute();
    }

    await db.schema
      .createTable("breach_events")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn(
        "breach_id",
        "text",
        (c) => c.notNull().references("breaches.id").onDelete("cascade"),
      )
      .addColumn("ts", t.timestamp, (c) => c.notNull())
      .addColumn("from_state", "text")
      .addColumn("to_state", "text", (c) => c.notNull())
      .addColumn("actor_type", "text", (c) => c.notNull())
      .addColumn("actor_id", "text", (c) => c.notNull())
      .addColumn("reason", "text")
      .addColumn("snapshot_id", "text")
      .execute();
    await db.schema.createIndex("breach_events_breach_id_ts_idx").on("breach_events")
      .columns(["breach_id", "ts"]).execute();

    await db.schema.createIndex("signals_host_id_code_ts_idx").on("signals")
      .columns(["host_id", "code", "ts"]).execute();
  },
  async down(db) {
    await db.schema.dropIndex("signals_host_id_code_ts_idx").execute();
    await db.schema.dropTable("breach_events").execute();
    await db.schema.dropTable("breaches").execute();
  },
};
