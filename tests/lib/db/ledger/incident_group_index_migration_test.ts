/**
 * The incident grouping index: after the migration the ingest path's lookup ("the host's latest
 * incidents of a group") is served by `(host_id, group_key, id)` on SQLite instead of a walk over
 * the organization's incidents; down() restores the old index on both dialects.
 */
import assert from "node:assert/strict";
import { type Kysely, sql } from "kysely";
import { ledgerMigrations } from "@/lib/db/ledger/migrations/index.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { forEachLedger } from "../../../support/ledgers.ts";
import { tableIndexes } from "../../../support/ledger_indexes.ts";

const NAME = "2026_11_26_0015_incident_group_index";

const incidentIndexes = (ledger: Ledger) => tableIndexes(ledger, "incidents");

forEachLedger(
  "[db] incident group index migration: lookup served by it, down()",
  async (ledger) => {
    const names = await incidentIndexes(ledger);
    assert.ok(names.includes("incidents_host_id_group_key_id_idx"));
    assert.ok(!names.includes("incidents_host_id_group_key_idx"));
    if (ledger.dialect === "sqlite") {
      const plan = await sql<{ detail: string }>`explain query plan
      select * from incidents where org_id = ${"o"} and host_id = ${"h"} and group_key = ${"ioc"}
      and state in ('open', 'acknowledged', 'resolved') order by id desc limit 5`
        .execute(ledger.db);
      assert.match(plan.rows.map((r) => r.detail).join("\n"), /incidents_host_id_group_key_id_idx/);
    }
    await ledgerMigrations[NAME].down!(ledger.db as unknown as Kysely<unknown>, ledger.dialect);
    const after = await incidentIndexes(ledger);
    assert.ok(after.includes("incidents_host_id_group_key_idx"));
    assert.ok(!after.includes("incidents_host_id_group_key_id_idx"));
  },
);
