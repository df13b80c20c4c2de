/**
 * The escalation sweep's index: after the migration the sweep's lookup ("open incidents whose
 * escalation is overdue, oldest first, across organizations") is served by
 * `(state, next_escalation_at)` on SQLite instead of a walk over every incident; down() drops it
 * on both dialects.
 */
import assert from "node:assert/strict";
import { type Kysely, sql } from "kysely";
import { ledgerMigrations } from "@/lib/db/ledger/migrations/index.ts";
import { forEachLedger } from "../../../support/ledgers.ts";
import { tableIndexes } from "../../../support/ledger_indexes.ts";

const NAME = "2026_11_26_0016_escalation_sweep_index";
const INDEX = "incidents_state_next_escalation_at_idx";

forEachLedger(
  "[db] escalation sweep index migration: the sweep's lookup is served by it, down()",
  async (ledger) => {
    assert.ok((await tableIndexes(ledger, "incidents")).includes(INDEX));
    if (ledger.dialect === "sqlite") {
      const plan = await sql<{ detail: string }>`explain query plan
      select id, escalation_step, next_escalation_at from incidents where state = 'open'
      and next_escalation_at is not null and next_escalation_at < ${"2026-11-25T10:00:00.000Z"}
      order by next_escalation_at limit 200`.execute(ledger.db);
      const detail = plan.rows.map((r) => r.detail).join("\n");
      assert.match(detail, new RegExp(INDEX));
      assert.doesNotMatch(detail, /TEMP B-TREE/, "ordered by the index, no sort");
    }
    await ledgerMigrations[NAME].down!(ledger.db as unknown as Kysely<unknown>, ledger.dialect);
    assert.ok(!(await tableIndexes(ledger, "incidents")).includes(INDEX));
  },
);
