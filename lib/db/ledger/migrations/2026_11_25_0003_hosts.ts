/**
 * Hosts: the registry (`hosts`), their bearer keys (`host_keys`, only SHA-256 of tokens), raw
 * status snapshots (`snapshots`, pruned by retention) and the signals derived from them
 * (`signals`, kept longer), plus each organization's snapshot retention
 * (`orgs.snapshot_retention_days`).
 *
 * JSON members (`tags`, `scopes`, `warnings`, `base`, …) are `text` on both dialects: they are
 * written and read whole, and text keeps the exact bytes. Booleans are integers 0/1 on both.
 *
 * @module
 */

import { sql } from "kysely";
import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** Creates the host tables with their indexes. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);

    await db.schema.alterTable("orgs").addColumn("snapshot_retention_days", "integer").execute();

    await db.schema
      .createTable("hosts")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("slug", "text", (c) => c.notNull())
      .addColumn("group_name", "text")
      .addColumn("tags", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("scopes", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("rollout_priority", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("paused", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("disabled_at", t.timestamp)
      .addColumn("ingest_mode", "text", (c) => c.notNull().defaultTo("bearer"))
      .addColumn("agent_version", "text")
      .addColumn("last_seen_at", t.timestamp)
      .addColumn("last_snapshot_at", t.timestamp)
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addCheckConstraint(
        "hosts_rollout_priority_check",
        sql`rollout_priority between -100 and 100`,
      )
      .addCheckConstraint("hosts_ingest_mode_check", sql`ingest_mode in ('bearer', 'signed')`)
      .execute();
    await db.schema.createIndex("hosts_org_id_slug_idx").on("hosts").columns(["org_id", "slug"])
      .unique().execute();
    await db.schema.createIndex("hosts_org_id_last_seen_at_idx").on("hosts")
      .columns(["org_id", "last_seen_at"]).execute();

    await db.schema
      .createTable("host_keys")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn("host_id", "text", (c) => c.notNull().references("hosts.id").onDelete("cascade"))
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("prefix", "text", (c) => c.notNull())
      // Null for `runner` keys, which authenticate by signature instead.
      .addColumn("token_hash", "text", (c) => c.unique())
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("label", "text")
      .addColumn("scopes", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("expires_at", t.timestamp)
      .addColumn("grace_until", t.timestamp)
      .addColumn("revoked_at", t.timestamp)
      .addColumn("revoked_reason", "text")
      .addColumn("rotated_from_key_id", "text")
      .addColumn("last_used_at", t.timestamp)
      .addColumn("last_used_ip", "text")
      .addCheckConstraint("host_keys_kind_check", sql`kind in ('api', 'enroll', 'runner')`)
      .execute();
    await db.schema.createIndex("host_keys_host_id_idx").on("host_keys").column("host_id")
      .execute();

    await db.schema
      .createTable("snapshots")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn("host_id", "text", (c) => c.notNull().references("hosts.id").onDelete("cascade"))
      .addColumn("ts", t.timestamp, (c) => c.notNull())
      .addColumn("received_at", t.timestamp, (c) => c.notNull())
      .addColumn("payload_hash", "text", (c) => c.notNull())
      .addColumn("payload_bytes", "integer", (c) => c.notNull())
      .addColumn("ok", "integer", (c) => c.notNull())
      .addColumn("warnings", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("base", "text", (c) => c.notNull())
      .addColumn("last", "text")
      .addColumn("diff", "text")
      .addColumn("alerts_count", "integer", (c) => c.notNull())
      .addColumn("public_ports_count", "integer", (c) => c.notNull())
      .execute();
    for (
      const [name, columns] of [
        ["snapshots_host_id_received_at_idx", ["host_id", "received_at"]],
        ["snapshots_org_id_received_at_idx", ["org_id", "received_at"]],
        ["snapshots_host_id_payload_hash_idx", ["host_id", "payload_hash"]],
      ] as const
    ) {
      await db.schema.createIndex(name).on("snapshots").columns([...columns]).execute();
    }

    // No foreign key to snapshots: retention deletes raw snapshots and keeps their signals.
    await db.schema
      .createTable("signals")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn("host_id", "text", (c) => c.notNull().references("hosts.id").onDelete("cascade"))
      // Null for signals no snapshot carried (heartbeat sweeps).
      .addColumn("snapshot_id", "text")
      .addColumn("code", "text", (c) => c.notNull())
      .addColumn("severity", "text", (c) => c.notNull())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("detail", "text", (c) => c.notNull())
      .addColumn("ts", t.timestamp, (c) => c.notNull())
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("fingerprint", "text", (c) => c.notNull())
      .addColumn("evidence", "text")
      .addColumn("mitre", "text")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addCheckConstraint(
        "signals_severity_check",
        sql`severity in ('info', 'low', 'medium', 'high', 'critical')`,
      )
      .execute();
    for (
      const [name, columns] of [
        ["signals_org_id_ts_idx", ["org_id", "ts"]],
        ["signals_host_id_ts_idx", ["host_id", "ts"]],
        ["signals_org_id_code_idx", ["org_id", "code"]],
        ["signals_host_id_fingerprint_idx", ["host_id", "fingerprint"]],
      ] as const
    ) {
      await db.schema.createIndex(name).on("signals").columns([...columns]).execute();
    }
  },
  async down(db) {
    for (const table of ["signals", "snapshots", "host_keys", "hosts"]) {
      await db.schema.dropTable(table).execute();
    }
    await db.schema.alterTable("orgs").dropColumn("snapshot_retention_days").execute();
  },
};
