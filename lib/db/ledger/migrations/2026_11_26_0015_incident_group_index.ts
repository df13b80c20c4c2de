/**
 * The incident grouping lookup on the ingest path ("the host's latest incidents of a group",
 * `lib/incidents/auto_open.ts`) ordered by `id`: with `(host_id, group_key, state)` the SQLite
 * planner preferred `incidents_org_id_id_idx` for the `order by id desc limit 5` and walked
 * every incident of the organization (0.24 ms per push at a few thousand incidents). An index
 * on `(host_id, group_key, id)` filters and orders in one; it replaces the old one (the `state`
 * list is checked on the few rows it yields).
 *
 * @module
 */

import type { LedgerMigration } from "../migration_kit.ts";

/** Swaps the grouping index. */
export const migration: LedgerMigration = {
  async up(db) {
    await db.schema.createIndex("incidents_host_id_group_key_id_idx").on("incidents")
      .columns(["host_id", "group_key", "id"]).execute();
    await db.schema.dropIndex("incidents_host_id_group_key_idx").execute();
  },
  async down(db) {
    await db.schema.createIndex("incidents_host_id_group_key_idx").on("incidents")
      .columns(["host_id", "group_key", "state"]).execute();
    await db.schema.dropIndex("incidents_host_id_group_key_id_idx").execute();
  },
};
