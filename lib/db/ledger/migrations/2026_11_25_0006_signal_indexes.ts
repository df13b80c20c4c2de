/**
 * Signal indexes matched to the queries that exist: the host page reads a snapshot's signals by
 * `snapshot_id` (a full scan without this index), and nothing looks signals up by
 * `(host_id, fingerprint)` (breaches keep fingerprints in their own table), so that index only
 * slowed every ingest insert.
 *
 * @module
 */

import type { LedgerMigration } from "../migration_kit.ts";

/** Swaps the unused fingerprint index for a snapshot index. */
export const migration: LedgerMigration = {
  async up(db) {
    await db.schema.dropIndex("signals_host_id_fingerprint_idx").execute();
    await db.schema.createIndex("signals_snapshot_id_idx").on("signals").column("snapshot_id")
      .execute();
  },
  async down(db) {
    await db.schema.dropIndex("signals_snapshot_id_idx").execute();
    await db.schema.createIndex("signals_host_id_fingerprint_idx").on("signals")
      .columns(["host_id", "fingerprint"]).execute();
  },
};
