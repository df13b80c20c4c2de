/**
 * Per-host heartbeat interval (agent-protocol Part 5: "the interval … can be set per deployment
 * and per host"): `hosts.heartbeat_expected_minutes`, the host's own `E` in minutes (1-1440),
 * or null for the deployment's `HEARTBEAT_EXPECTED_MINUTES`. The stale and missing multipliers
 * apply to it unchanged.
 *
 * The range check is a column constraint, which both dialects accept in `add column` (and
 * SQLite's `drop column` allows, since the constraint belongs to the dropped column).
 *
 * @module
 */

import { sql } from "kysely";
import type { LedgerMigration } from "../migration_kit.ts";

/** Adds the nullable override column with its range check. */
export const migration: LedgerMigration = {
  async up(db) {
    await db.schema.alterTable("hosts").addColumn(
      "heartbeat_expected_minutes",
      "integer",
      (c) => c.check(sql`heartbeat_expected_minutes between 1 and 1440`),
    ).execute();
  },
  async down(db) {
    await db.schema.alterTable("hosts").dropColumn("heartbeat_expected_minutes").execute();
  },
};
