import assert from "node:assert/strict";
import { sql } from "kysely";
import { prepared, preparedInsert, preparedList } from "@/lib/db/ledger/prepared.ts";
import { writeTransaction } from "@/lib/db/ledger/transaction.ts";
import { forEachLedger } from "../../../support/ledgers.ts";

const T0 = new Date("2026-11-25T10:00:00.000Z");

/** Rows of `orgs` as plain objects (SQLite rows are null-prototype). */
const orgRow = (id: string, slug: string) => ({
  id,
  name: `Org ${slug}`,
  slug,
  created_at: T0,
});

const insertOrgs = preparedInsert("orgs", ["id", "name", "slug", "created_at"], 2);
const orgBySlug = prepared<{ slug: string }, { id: string; name: string }>((db, p) =>
  db.selectFrom("orgs").select(["id", "name"]).where("slug", "=", p("slug"))
);
const renameOrg = prepared<{ id: string; name: string }, never>((db, p) =>
  db.updateTable("orgs").set({ name: p("name") }).where("id", "=", p("id"))
);
const orgsAmong = preparedList<{ prefix: string }, { id: string }>(
  2,
  (db, p, ids) =>
    db.selectFrom("orgs").select("id").where("id", "in", ids)
      .where("name", "like", sql<string>`${p("prefix")} || '%'`),
);

forEachLedger("[ledger] prepared statements run with new parameters", async (ledger) => {
  // Five rows through a two-row statement: chunks of 2, 2 and 1 (three compiled shapes).
  await insertOrgs(ledger, ["a", "b", "c", "d", "e"].map((s) => orgRow(`o_${s}`, s)));
  for (const slug of ["a", "e"]) {
    const { rows } = await orgBySlug(ledger, { slug });
    assert.deepEqual(rows.map((r) => ({ ...r })), [{ id: `o_${slug}`, name: `Org ${slug}` }]);
  }
  assert.deepEqual((await orgBySlug(ledger, { slug: "zz" })).rows, []);

  // Inside a transaction (another Kysely instance over the same dialect), and the row count.
  const updated = await writeTransaction(
    ledger,
    async (tx) => (await renameOrg(tx, { id: "o_b", name: "Renamed" })).numAffectedRows,
  );
  assert.equal(Number(updated), 1);
  assert.equal((await orgBySlug(ledger, { slug: "b" })).rows[0].name, "Renamed");

  // Lists longer than the chunk size run in chunks; the other arguments go to every chunk.
  const found = await orgsAmong(ledger, { prefix: "Org" }, ["o_a", "o_b", "o_c", "o_x", "o_e"]);
  assert.deepEqual(found.map((r) => r.id).sort(), ["o_a", "o_c", "o_e"]);
});

forEachLedger("[ledger] a placeholder the builder does not bind is refused", async (ledger) => {
  const inlined = prepared<{ column: string }, never>((db, p) =>
    db.selectFrom("orgs").select(sql.ref(p("column")).as("x"))
  );
  await assert.rejects(inlined(ledger, { column: "id" }), /inlined a placeholder/);
});
