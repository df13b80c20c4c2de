import assert from "node:assert/strict";
import { join } from "node:path";
import { sql } from "kysely";
import { openLedger } from "@/lib/db/ledger/mod.ts";
import { writeTransaction } from "@/lib/db/ledger/transaction.ts";

Deno.test("[db] ledger: background checkpoints copy the WAL off the commit path", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "ledger_checkpoint_" });
  const path = join(tmp, "ledger.db");
  const ledger = await openLedger(`file:${path}`, { backgroundCheckpoints: true });
  try {
    const setting = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`
      .execute(ledger.db);
    assert.equal(setting.rows[0].wal_autocheckpoint, 8000, "the writer keeps only a backstop");
    await sql`create table t (id integer primary key, v text not null)`.execute(ledger.db);
    const before = (await Deno.stat(path)).size;
    for (let i = 0; i < 20; i++) {
      await writeTransaction(ledger, async (tx) => {
        await sql`insert into t (v) values (${"x".repeat(4000)})`.execute(tx.db);
      });
    }
    // Far below the backstop, so only the worker can have copied pages into the database file.
    let size = before;
    for (let waited = 0; waited < 5000 && size <= before + 20 * 4000; waited += 25) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      size = (await Deno.stat(path)).size;
    }
    assert.ok(size > before + 20 * 4000, `database file ${before} → ${size} bytes`);
    const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(ledger.db);
    assert.equal(Number(rows[0].n), 20);
  } finally {
    await ledger.close(); // stops the worker; the test's sanitizers see no leak
    await Deno.remove(tmp, { recursive: true });
  }
});
