/**
 * The job channel's own liveness (agent-protocol Part 5): `hosts.last_poll_at`, the time of the
 * host runner's latest job poll, kept apart from `last_seen_at` (a poll is not a heartbeat). The
 * channel is "connected" while the latest poll is at most 60 s old. Null until the first poll.
 *
 * @module
 */

import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** Adds `hosts.last_poll_at`. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);
    await db.schema.alterTable("hosts").addColumn("last_poll_at", t.timestamp).execute();
  },
  async down(db) {
    await db.schema.alterTable("hosts").dropColumn("last_poll_at").execute();
  },
};
