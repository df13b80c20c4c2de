import assert from "node:assert/strict";
import { exportChainHeads, readExportedHeads } from "@/lib/audit/heads.ts";
import { verifyAgainstExportedHeads, verifyChain } from "@/lib/audit/verify.ts";
import { join } from "node:path";
import { forEachLedger } from "../../support/ledgers.ts";
import { buildChain, rewriteChainHashes, swapSeq } from "../../support/audit_chains.ts";

forEachLedger("[audit] verify: an untouched chain verifies; an empty one too", async (ledger) => {
  const entries = await buildChain(ledger, "01CLEAN", 6);
  assert.deepEqual(await verifyChain(ledger, "01CLEAN"), {
    chain: "01CLEAN",
    ok: true,
    checked: 6,
    startedAfter: 0,
    head: { seq: 6, hash: entries[5].hash },
  });
  assert.deepEqual(await verifyChain(ledger, "01NOTHING"), {
    chain: "01NOTHING",
    ok: true,
    checked: 0,
    startedAfter: 0,
  });
});

forEachLedger(
  "[audit] verify: tampering is named (edit, delete, reorder, truncate)",
  async (ledger, { t }) => {
    await t.step("an edited summary: hash mismatch at that entry", async () => {
      const entries = await buildChain(ledger, "01EDIT", 6);
      await ledger.db.updateTable("audit_entries").set({ summary: "nothing to see" })
        .where("chain", "=", "01EDIT").where("seq", "=", 3).execute();
      const result = await verifyChain(ledger, "01EDIT");
      assert.equal(result.ok, false);
      assert.equal(result.checked, 2);
      assert.deepEqual(result.firstBroken, {
        seq: 3,
        id: entries[2].id,
        reason: "hash mismatch (entry edited)",
      });
    });

    await t.step("edited details, actor or timestamp: hash mismatch", async () => {
      const entries = await buildChain(ledger, "01EDIT2", 4);
      await ledger.db.updateTable("audit_entries").set({ details: '{"n":99}' })
        .where("chain", "=", "01EDIT2").where("seq", "=", 2).execute();
      assert.deepEqual((await verifyChain(ledger, "01EDIT2")).firstBroken?.seq, 2);
      await buildChain(ledger, "01EDIT3", 4);
      await ledger.db.updateTable("audit_entries").set({ actor_id: "01SOMEONE_ELSE" })
        .where("chain", "=", "01EDIT3").where("seq", "=", 4).execute();
      assert.deepEqual((await verifyChain(ledger, "01EDIT3")).firstBroken?.seq, 4);
      await buildChain(ledger, "01EDIT4", 4);
      await ledger.db.updateTable("audit_entries").set({ ts: new Date("2020-01-01T00:00:00.000Z") })
        .where("chain", "=", "01EDIT4").where("seq", "=", 1).execute();
      const ts = await verifyChain(ledger, "01EDIT4");
      assert.deepEqual([ts.firstBroken?.seq, ts.firstBroken?.reason], [
        1,
        "hash mismatch (entry edited)",
      ]);
      assert.ok(entries.length === 4);
    });

    await t.step("a deleted middle entry: seq gap named at the next entry", async () => {
      const entries = await buildChain(ledger, "01DEL", 6);
      await ledger.db.deleteFrom("audit_entries").where("chain", "=", "01DEL").where("seq", "=", 3)
        .execute();
      const result = await verifyChain(ledger, "01DEL");
      assert.deepEqual(result.firstBroken, {
        seq: 4,
        id: entries[3].id,
        reason: "seq gap after 2: entry 3 is missing (entry deleted)",
      });
    });

    await t.step(
      "a deleted middle entry with later entries renumbered: prev link broken",
      async () => {
        const entries = await buildChain(ledger, "01RENUM", 5);
        await ledger.db.deleteFrom("audit_entries").where("chain", "=", "01RENUM").where(
          "seq",
          "=",
          2,
        )
          .execute();
        for (const seq of [3, 4, 5]) {
          await ledger.db.updateTable("audit_entries").set({ seq: seq - 1 })
            .where("chain", "=", "01RENUM").where("seq", "=", seq).execute();
        }
        const result = await verifyChain(ledger, "01RENUM");
        assert.deepEqual(result.firstBroken, {
          seq: 2,
          id: entries[2].id,
          reason: "prev_hash does not match entry 1 (entry deleted or reordered)",
        });
      },
    );

    await t.step("the first entry deleted", async () => {
      const entries = await buildChain(ledger, "01FIRST", 3);
      await ledger.db.deleteFrom("audit_entries").where("chain", "=", "01FIRST").where(
        "seq",
        "=",
        1,
      )
        .execute();
      assert.deepEqual((await verifyChain(ledger, "01FIRST")).firstBroken, {
        seq: 2,
        id: entries[1].id,
        reason: "seq gap after 0: entry 1 is missing (entry deleted)",
      });
    });

    await t.step(
      "two entries' seq swapped: prev link broken at the first swapped position",
      async () => {
        const entries = await buildChain(ledger, "01SWAP", 6);
        await swapSeq(ledger, "01SWAP", 2, 4);
        const result = await verifyChain(ledger, "01SWAP");
        assert.deepEqual(result.firstBroken, {
          seq: 2,
          id: entries[3].id,
          reason: "prev_hash does not match entry 1 (entry deleted or reordered)",
        });
      },
    );

    await t.step("the last entry deleted: the head row no longer matches", async () => {
      await buildChain(ledger, "01TAIL", 4);
      await ledger.db.deleteFrom("audit_entries").where("chain", "=", "01TAIL").where("seq", "=", 4)
        .execute();
      const result = await verifyChain(ledger, "01TAIL");
      assert.equal(result.ok, false);
      assert.equal(result.checked, 3);
      assert.equal(result.firstBroken?.seq, 4);
      assert.equal(result.firstBroken?.id, null);
      assert.match(
        result.firstBroken?.reason ?? "",
        /^head row \(seq 4, [0-9a-f]{12}\) does not match last entry \(seq 3\)/,
      );
    });

    await t.step("the head row deleted while entries remain", async () => {
      await buildChain(ledger, "01NOHEAD", 2);
      await ledger.db.deleteFrom("audit_heads").where("chain", "=", "01NOHEAD").execute();
      assert.match(
        (await verifyChain(ledger, "01NOHEAD")).firstBroken?.reason ?? "",
        /head row missing/,
      );
    });

    await t.step("chains do not affect each other", async () => {
      assert.ok((await verifyChain(ledger, "01NEIGHBOUR")).ok);
      await buildChain(ledger, "01NEIGHBOUR", 3);
      assert.ok((await verifyChain(ledger, "01NEIGHBOUR")).ok);
    });
  },
);

forEachLedger(
  "[audit] verify: walks in pages; breaks across a page boundary are found",
  async (ledger) => {
    const entries = await buildChain(ledger, "01PAGED", 7);
    const clean = await verifyChain(ledger, "01PAGED", { pageSize: 2 });
    assert.deepEqual([clean.ok, clean.checked, clean.head?.hash], [true, 7, entries[6].hash]);
    await ledger.db.deleteFrom("audit_entries").where("chain", "=", "01PAGED").where("seq", "=", 5)
      .execute();
    const broken = await verifyChain(ledger, "01PAGED", { pageSize: 2 });
    assert.deepEqual(broken.firstBroken, {
      seq: 6,
      id: entries[5].id,
      reason: "seq gap after 4: entry 5 is missing (entry deleted)",
    });
    await swapSeq(ledger, "01PAGED", 2, 3);
    assert.equal((await verifyChain(ledger, "01PAGED", { pageSize: 2 })).firstBroken?.seq, 2);
  },
);

forEachLedger(
  "[audit] verify: a whole-chain rewrite passes the walk but not the exported heads",
  async (ledger) => {
    const dir = await Deno.makeTempDir({ prefix: "audit_heads_" });
    try {
      const sink = `file:${join(dir, "heads.jsonl")}`;
      const entries = await buildChain(ledger, "01REWRITE", 5);
      await buildChain(ledger, "01OTHER", 2);
      await exportChainHeads(ledger, { sink, secret: "s".repeat(32), now: new Date() });
      const heads = await readExportedHeads(join(dir, "heads.jsonl"));
      assert.deepEqual(await verifyAgainstExportedHeads(ledger, heads), {
        ok: true,
        checked: 2,
        skipped: 0,
      });

      await ledger.db.updateTable("audit_entries").set({ summary: "rewritten history" })
        .where("chain", "=", "01REWRITE").where("seq", "=", 2).execute();
      await rewriteChainHashes(ledger, "01REWRITE");
      assert.ok((await verifyChain(ledger, "01REWRITE")).ok, "the chain alone cannot tell");

      const result = await verifyAgainstExportedHeads(ledger, heads);
      assert.equal(result.ok, false);
      assert.equal(result.firstMismatch?.chain, "01REWRITE");
      assert.equal(result.firstMismatch?.seq, 5);
      assert.equal(result.firstMismatch?.id, entries[4].id);
      assert.match(
        result.firstMismatch?.reason ?? "",
        /differs from the exported head .*\(chain rewritten\)/,
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

forEachLedger(
  "[audit] verify: a chain cut short (head row fixed up) fails against exported heads",
  async (ledger) => {
    const entries = await buildChain(ledger, "01CUT", 5);
    const heads = [{ chain: "01CUT", seq: 4, hash: entries[3].hash }, {
      chain: "01CUT",
      seq: 5,
      hash: entries[4].hash,
    }];
    await ledger.db.deleteFrom("audit_entries").where("chain", "=", "01CUT").where("seq", ">=", 4)
      .execute();
    await ledger.db.updateTable("audit_heads").set({ seq: 3, hash: entries[2].hash }).where(
      "chain",
      "=",
      "01CUT",
    )
      .execute();
    assert.ok((await verifyChain(ledger, "01CUT")).ok);
    const result = await verifyAgainstExportedHeads(ledger, heads);
    assert.deepEqual(result.firstMismatch, {
      chain: "01CUT",
      seq: 5,
      id: null,
      reason: "entry missing: the chain no longer reaches the exported head (entries deleted)",
    });
    assert.deepEqual(await verifyAgainstExportedHeads(ledger, []), {
      ok: true,
      checked: 0,
      skipped: 0,
    });
  },
);
