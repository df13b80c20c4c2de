/**
 * The escalation sweep (`jobs/escalation_sweep.ts`) looks, every minute and across
 * organizations, for open incidents whose `next_escalation_at` passed without their timer
 * acting. The existing incident indexes all start with `org_id`, so that lookup would walk every
 * incident; `(state, next_escalation_at)` filters on the state and yields the rows oldest due
 * first, so a run reads only the (at most 200) rows it acts on.
 *
 * @module
 */

import type { LedgerMigration } from "../migration_kit.ts";

/** Adds the sweep's index. */
export const migration: LedgerMigration = {
  async up(db) {
    await db.schema.createIndex("incidents_state_next_escalation_at_idx").on("incidents")
      .columns(["state", "next_escalation_at"]).execute();
  },
  async down(db) {
    await db.schema.dropIndex("incidents_state_next_escalation_at_idx").execute();
  },
};
