import assert from "node:assert/strict";
import { appendAudit } from "@/lib/audit/append.ts";
import { GLOBAL_CHAIN } from "@/lib/audit/entry.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { applyAuditRetention, pruneAudit } from "@/lib/audit/retention.ts";
import { verifyAgainstExportedHeads, verifyChain } from "@/lib/audit/verify.ts";
import { setOrgAuditRetention } from "@/lib/orgs/orgs.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { buildChain } from "../../support/audit_chains.ts";
import { seedOrg } from "../../support/operators.ts";

const DAY = 86_400_000;
const T0 = new Date("2026-01-01T00:00:00.000Z");
const day = (n: number) => new Date(T0.getTime() + n * DAY);

/** `count` entries, one per day from T0. */
async function dailyChain(ledger: Parameters<typeof buildChain>[0], chain: string, count: number) {
  const entries = [];
  for (let i = 0; i < count; i++) entries.push(...await buildChain(ledger, chain, 1, day(i)));
  return entries;
}

forEachLedger(
  "[audit] retention: pruning records the point and the chain still verifies",
  async (ledger) => {
    const entries = await dailyChain(ledger, "01P", 10);
    const result = await pruneAudit(ledger, { chain: "01P", before: day(5), now: day(20) });
    assert.deepEqual(result, { chain: "01P", pruned: 5, upToSeq: 5 });

    const prunes = await ledger.db.selectFrom("audit_prunes").selectAll().execute();
    assert.equal(prunes.length, 1);
    assert.deepEqual(
      [
        prunes[0].chain,
        Number(prunes[0].up_to_seq),
        prunes[0].hash_at_prune,
        Number(prunes[0].count),
      ],
      ["01P", 5, entries[4].hash, 5],
    );
    const left = await ledger.db.selectFrom("audit_entries").select("seq").where(
      "chain",
      "=",
      "01P",
    )
      .orderBy("seq").execute();
    assert.deepEqual(left.map((r) => Number(r.seq)), [6, 7, 8, 9, 10, 11]);
    const { entries: [note] } = await queryAudit(ledger, "01P", { limit: 1 });
    assert.deepEqual([note.seq, note.action, note.actor], [11, "audit.prune", {
      type: "system",
      id: "audit-retention",
    }]);
    assert.deepEqual(note.details, {
      before: day(5).toISOString(),
      hashAtPrune: entries[4].hash,
      pruned: 5,
      upToSeq: 5,
    });

    const verified = await verifyChain(ledger, "01P");
    assert.deepEqual([verified.ok, verified.checked, verified.startedAfter], [true, 6, 5]);

    // Nothing older left: a second run with the same cut-off does nothing.
    assert.deepEqual(await pruneAudit(ledger, { chain: "01P", before: day(5), now: day(21) }), {
      chain: "01P",
      pruned: 0,
      upToSeq: null,
    });
    const again = await pruneAudit(ledger, { chain: "01P", before: day(8), now: day(22) });
    assert.deepEqual(again, { chain: "01P", pruned: 3, upToSeq: 8 });
    assert.equal((await verifyChain(ledger, "01P")).startedAfter, 8);
    assert.ok((await verifyChain(ledger, "01P")).ok);
  },
);

forEachLedger(
  "[audit] retention: a fully expired chain keeps its prune note as head; tampering is still found",
  async (ledger) => {
    const entries = await dailyChain(ledger, "01H", 4);
    const result = await pruneAudit(ledger, { chain: "01H", before: day(100), now: day(100) });
    assert.deepEqual(result, { chain: "01H", pruned: 4, upToSeq: 4 });
    const rows = await ledger.db.selectFrom("audit_entries").select(["seq", "action"]).where(
      "chain",
      "=",
      "01H",
    )
      .orderBy("seq").execute();
    assert.deepEqual(
      rows.map((r) => [Number(r.seq), r.action]),
      [[5, "audit.prune"]],
      "never empty",
    );
    const verified = await verifyChain(ledger, "01H");
    assert.deepEqual([verified.ok, verified.checked, verified.startedAfter], [true, 1, 4]);
    assert.equal(verified.head?.seq, 5);

    const more = await buildChain(ledger, "01H", 2, day(101));
    await ledger.db.updateTable("audit_entries").set({ summary: "edited" })
      .where("chain", "=", "01H").where("seq", "=", 6).execute();
    assert.deepEqual((await verifyChain(ledger, "01H")).firstBroken, {
      seq: 6,
      id: more[0].id,
      reason: "hash mismatch (entry edited)",
    });
    await ledger.db.updateTable("audit_entries").set({ summary: more[0].summary })
      .where("chain", "=", "01H").where("seq", "=", 6).execute();
    assert.ok((await verifyChain(ledger, "01H")).ok);

    // The first entry after the pruning point must link to the recorded hash.
    await ledger.db.updateTable("audit_prunes").set({ hash_at_prune: "f".repeat(64) }).where(
      "chain",
      "=",
      "01H",
    )
      .execute();
    assert.deepEqual(
      (await verifyChain(ledger, "01H")).firstBroken?.reason,
      "prev_hash does not match the pruning point at seq 4 (entry deleted or reordered)",
    );
    await ledger.db.updateTable("audit_prunes").set({ hash_at_prune: entries[3].hash }).where(
      "chain",
      "=",
      "01H",
    )
      .execute();
    // Hiding the pruning point does not help: verification then expects the chain from seq 1.
    await ledger.db.deleteFrom("audit_prunes").where("chain", "=", "01H").execute();
    assert.deepEqual(
      (await verifyChain(ledger, "01H")).firstBroken?.reason,
      "seq gap after 0: entries 1-4 are missing (entry deleted)",
    );
  },
);

forEachLedger(
  "[audit] retention: unknown chains and chains with nothing old are left alone",
  async (ledger) => {
    assert.deepEqual(await pruneAudit(ledger, { chain: "01NONE", before: day(1), now: day(1) }), {
      chain: "01NONE",
      pruned: 0,
      upToSeq: null,
    });
    assert.equal(
      (await ledger.db.selectFrom("audit_heads").selectAll().execute()).length,
      0,
      "no head row invented",
    );
    await dailyChain(ledger, "01ONE", 1);
    assert.equal(
      (await pruneAudit(ledger, { chain: "01ONE", before: day(0), now: day(50) })).pruned,
      0,
    );
  },
);

forEachLedger(
  "[audit] retention: exported heads before a pruning point are skipped, at it compared",
  async (ledger) => {
    const entries = await dailyChain(ledger, "01X", 6);
    await pruneAudit(ledger, { chain: "01X", before: day(3), now: day(30) });
    const skipped = await verifyAgainstExportedHeads(ledger, [{
      chain: "01X",
      seq: 2,
      hash: entries[1].hash,
    }]);
    assert.deepEqual(skipped, { ok: true, checked: 0, skipped: 1 });
    const atPoint = await verifyAgainstExportedHeads(ledger, [{
      chain: "01X",
      seq: 3,
      hash: entries[2].hash,
    }]);
    assert.deepEqual(atPoint, { ok: true, checked: 1, skipped: 0 });
    const wrong = await verifyAgainstExportedHeads(ledger, [{
      chain: "01X",
      seq: 3,
      hash: "f".repeat(64),
    }]);
    assert.match(wrong.firstMismatch?.reason ?? "", /pruning point hash differs/);
  },
);

forEachLedger(
  "[audit] retention: pruning while appends run keeps the chain contiguous",
  async (ledger) => {
    await dailyChain(ledger, "01C", 5);
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      work.push(
        appendAudit(ledger, {
          orgId: "01C",
          actor: { type: "system", id: "t" },
          action: "x.y",
          summary: `${i}`,
          ts: day(40),
        }),
      );
      if (i === 10) work.push(pruneAudit(ledger, { chain: "01C", before: day(10), now: day(40) }));
    }
    await Promise.all(work);
    const result = await verifyChain(ledger, "01C");
    assert.equal(result.ok, true, JSON.stringify(result.firstBroken));
    assert.equal(result.startedAfter, 5);
    assert.equal(result.checked, 21, "20 appends and the prune note");
  },
);

forEachLedger(
  "[audit] retention: applyAuditRetention uses each org's days or the default",
  async (ledger) => {
    const short = await seedOrg(ledger, "short");
    const plain = await seedOrg(ledger, "plain");
    await setOrgAuditRetention(ledger, short.id, 3);
    await dailyChain(ledger, short.id, 10); // days 0-9
    await dailyChain(ledger, plain.id, 10);
    await dailyChain(ledger, GLOBAL_CHAIN, 10);
    await dailyChain(ledger, "01DELETEDORG", 10);

    const now = day(12);
    const results = await applyAuditRetention(ledger, { defaultDays: 5, now });
    const byChain = Object.fromEntries(results.map((r) => [r.chain, r.pruned]));
    // short: keep >= day 9 → prune days 0-8 (9); default 5 days: keep >= day 7 → prune 7.
    assert.deepEqual(byChain, {
      [short.id]: 9,
      [plain.id]: 7,
      [GLOBAL_CHAIN]: 7,
      "01DELETEDORG": 7,
    });
    for (const chain of [short.id, plain.id, GLOBAL_CHAIN, "01DELETEDORG"]) {
      assert.ok((await verifyChain(ledger, chain)).ok, chain);
    }
    assert.deepEqual(await applyAuditRetention(ledger, { defaultDays: 5, now }), [], "idempotent");
    await assert.rejects(applyAuditRetention(ledger, { defaultDays: 0, now }), /defaultDays/);
  },
);
