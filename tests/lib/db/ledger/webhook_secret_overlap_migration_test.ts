/**
 * The webhook secret overlap columns: `notify_endpoints.previous_secret_sealed` and
 * `previous_secret_until` exist, are null on existing rows and accept a timestamp on both
 * dialects; down() drops them, up() adds them back.
 */
import assert from "node:assert/strict";
import { type Kysely, sql } from "kysely";
import { ledgerMigrations } from "@/lib/db/ledger/migrations/index.ts";
import { toDateOrNull } from "@/lib/db/ledger/values.ts";
import { forEachLedger } from "../../../support/ledgers.ts";

const NAME = "2026_11_26_0017_webhook_secret_overlap";
const NOW = new Date("2026-11-25T10:00:00.000Z");

forEachLedger(
  "[db] webhook secret overlap migration: columns on both dialects, down() and up()",
  async (ledger) => {
    await ledger.db.insertInto("orgs").values({
      id: "o1",
      slug: "acme",
      name: "A",
      created_at: NOW,
    })
      .execute();
    await ledger.db.insertInto("notify_endpoints").values({
      id: "ne_1",
      org_id: "o1",
      name: "Hook",
      kind: "webhook",
      enabled: 1,
      url_sealed: null,
      url_display: null,
      emails: null,
      secret_sealed: "sealed-current",
      min_severity: "medium",
      event_types: "[]",
      created_by: null,
      created_at: NOW,
      updated_at: NOW,
    }).execute();
    const fresh = await ledger.db.selectFrom("notify_endpoints")
      .select(["previous_secret_sealed", "previous_secret_until"]).executeTakeFirstOrThrow();
    assert.deepEqual({ ...fresh }, { previous_secret_sealed: null, previous_secret_until: null });
    const until = new Date(NOW.getTime() + 86_400_000);
    await ledger.db.updateTable("notify_endpoints")
      .set({ previous_secret_sealed: "sealed-old", previous_secret_until: until }).execute();
    const due = await ledger.db.selectFrom("notify_endpoints").select("previous_secret_until")
      .where("previous_secret_until", ">", NOW).executeTakeFirstOrThrow();
    assert.equal(toDateOrNull(due.previous_secret_until)?.getTime(), until.getTime());

    const untyped = ledger.db as unknown as Kysely<unknown>;
    await ledgerMigrations[NAME].down!(untyped, ledger.dialect);
    await assert.rejects(
      sql`select previous_secret_until from notify_endpoints`.execute(ledger.db),
    );
    await assert.rejects(
      sql`select previous_secret_sealed from notify_endpoints`.execute(ledger.db),
    );
    await ledgerMigrations[NAME].up(untyped, ledger.dialect);
    const back = await ledger.db.selectFrom("notify_endpoints")
      .select(["secret_sealed", "previous_secret_sealed"]).executeTakeFirstOrThrow();
    assert.deepEqual({ ...back }, {
      secret_sealed: "sealed-current",
      previous_secret_sealed: null,
    });
  },
);
