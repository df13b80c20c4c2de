/**
 * Signed ingest (agent-protocol Part 2): runner keys on `host_keys` (RFC 7638 `key_id`, the
 * public JWK, what the runner said about itself at enrollment), the host's last accepted
 * sequence number (`hosts.last_seq`) and each signed snapshot's `seq`, unique per host.
 *
 * Unique constraints are separate indexes: SQLite cannot `add column … unique`. Both dialects
 * treat NULLs as distinct in unique indexes, so bearer snapshots (no `seq`) and token keys (no
 * `key_id`) never collide.
 *
 * @module
 */

import type { LedgerMigration } from "../migration_kit.ts";

/** Adds the runner-key and sequence columns with their unique indexes. */
export const migration: LedgerMigration = {
  async up(db) {
    for (const column of ["key_id", "public_jwk", "runner_version", "runner_hostname"]) {
      await db.schema.alterTable("host_keys").addColumn(column, "text").execute();
    }
    await db.schema.createIndex("host_keys_key_id_idx").on("host_keys").column("key_id")
      .unique().execute();
    await db.schema.alterTable("hosts").addColumn("last_seq", "bigint").execute();
    await db.schema.alterTable("snapshots").addColumn("seq", "bigint").execute();
    await db.schema.createIndex("snapshots_host_id_seq_idx").on("snapshots")
      .columns(["host_id", "seq"]).unique().execute();
  },
  async down(db) {
    await db.schema.dropIndex("snapshots_host_id_seq_idx").execute();
    await db.schema.alterTable("snapshots").dropColumn("seq").execute();
    await db.schema.alterTable("hosts").dropColumn("last_seq").execute();
    await db.schema.dropIndex("host_keys_key_id_idx").execute();
    for (const column of ["runner_hostname", "runner_version", "public_jwk", "key_id"]) {
      await db.schema.alterTable("host_keys").dropColumn(column).execute();
    }
  },
};
