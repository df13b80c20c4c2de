import assert from "node:assert/strict";
import { join } from "node:path";
import {
  appendAudit,
  type AuditInput,
  AuditInputError,
  MAX_DETAILS_BYTES,
} from "@/lib/audit/append.ts";
import { canonicalJson, entryHash, GENESIS_HASH } from "@/lib/audit/canonical.ts";
import { GLOBAL_CHAIN } from "@/lib/audit/entry.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { verifyChain } from "@/lib/audit/verify.ts";
import { writeTransaction } from "@/lib/db/ledger/transaction.ts";
import { migrateToLatest, openLedger } from "@/lib/db/ledger/mod.ts";
import { forEachLedger } from "../../support/ledgers.ts";

const TS = new Date("2026-11-25T10:00:00.123Z");

function input(extra: Partial<AuditInput> = {}): AuditInput {
  return {
    orgId: "01ORGAAAAAAAAAAAAAAAAAAAAA",
    actor: { type: "user", id: "01USER", label: "ops@example.com" },
    action: "org.member.add",
    target: { type: "user", id: "01TARGET" },
    requestId: "req-1",
    ip: "203.0.113.9",
    userAgent: "Mozilla/5.0",
    summary: "ops@example.com added new@example.com as ops",
    details: { role: "ops", nested: { b: 2, a: 1 } },
    ts: TS,
    ...extra,
  };
}

forEachLedger("[audit] append: entries link by hash and read back identically", async (ledger) => {
  const first = await appendAudit(ledger, input());
  assert.equal(first.seq, 1);
  assert.equal(first.chain, "01ORGAAAAAAAAAAAAAAAAAAAAA");
  assert.equal(first.orgId, "01ORGAAAAAAAAAAAAAAAAAAAAA");
  assert.equal(first.prevHash, GENESIS_HASH);
  assert.deepEqual(first.ts, TS);
  assert.deepEqual(first.details, { nested: { a: 1, b: 2 }, role: "ops" });
  assert.equal(
    first.hash,
    entryHash({
      chain: first.chain,
      seq: 1,
      id: first.id,
      ts: "2026-11-25T10:00:00.123Z",
      actorType: "user",
      actorId: "01USER",
      actorLabel: "ops@example.com",
      action: "org.member.add",
      targetType: "user",
      targetId: "01TARGET",
      requestId: "req-1",
      ip: "203.0.113.9",
      userAgent: "Mozilla/5.0",
      summary: first.summary,
      details: canonicalJson(first.details),
      prevHash: GENESIS_HASH,
    }),
  );
  const second = await appendAudit(
    ledger,
    input({ target: null, details: undefined, requestId: undefined, ip: null, userAgent: "" }),
  );
  assert.equal(second.seq, 2);
  assert.equal(second.prevHash, first.hash);
  assert.deepEqual([second.target, second.details, second.requestId, second.ip, second.userAgent], [
    null,
    null,
    null,
    null,
    null,
  ]);

  const { entries } = await queryAudit(ledger, first.chain);
  assert.deepEqual(entries, [second, first], "what appendAudit returned is what is stored");
  const raw = await ledger.db.selectFrom("audit_heads").selectAll().executeTakeFirstOrThrow();
  assert.deepEqual([raw.chain, Number(raw.seq), raw.hash], [first.chain, 2, second.hash]);
  assert.deepEqual(await verifyChain(ledger, first.chain), {
    chain: first.chain,
    ok: true,
    checked: 2,
    startedAfter: 0,
    head: { seq: 2, hash: second.hash },
  });
});

forEachLedger("[audit] append: entries without an org go to the _global chain", async (ledger) => {
  const global = await appendAudit(
    ledger,
    input({ orgId: null, actor: { type: "anonymous", id: "" }, action: "auth.sign_in.failed" }),
  );
  const org = await appendAudit(ledger, input());
  assert.deepEqual([global.chain, global.orgId, global.seq], [GLOBAL_CHAIN, null, 1]);
  assert.equal(org.seq, 1, "each chain counts on its own");
  assert.deepEqual(global.actor, { type: "anonymous", id: "" });
  assert.ok((await verifyChain(ledger, GLOBAL_CHAIN)).ok);
});

forEachLedger(
  "[audit] append: bad actions and actors are refused; long fields are cut",
  async (ledger) => {
    for (
      const action of [
        "Org.member.add",
        "org",
        "org.",
        "org..add",
        "org.add.",
        "org member.add",
        "org.add.denied.x.",
        "",
      ]
    ) {
      await assert.rejects(appendAudit(ledger, input({ action })), AuditInputError, action);
    }
    await assert.rejects(
      appendAudit(ledger, input({ actor: { type: "robot" as "user", id: "x" } })),
      /actor.type/,
    );
    await assert.rejects(appendAudit(ledger, input({ orgId: "" })), /orgId/);
    await assert.rejects(appendAudit(ledger, input({ orgId: GLOBAL_CHAIN })), /orgId/);
    await assert.rejects(appendAudit(ledger, input({ ts: new Date("nope") })), /invalid Date/);
    for (
      const action of ["auth.sign_in", "auth.sign_in.failed", "org.member.add.denied", "a1.b_2.c3"]
    ) {
      await appendAudit(ledger, input({ action }));
    }

    const long = await appendAudit(
      ledger,
      input({
        summary: "s".repeat(600),
        userAgent: "u".repeat(1000),
        details: { blob: "x".repeat(20_000), more: "y" },
      }),
    );
    assert.equal(long.summary.length, 500);
    assert.ok(long.summary.endsWith("…"));
    assert.equal(long.userAgent?.length, 512);
    assert.equal(long.details?._truncated, true);
    assert.ok(Number(long.details?._originalBytes) > MAX_DETAILS_BYTES);
    assert.ok(new TextEncoder().encode(canonicalJson(long.details)).length <= MAX_DETAILS_BYTES);
    // Even pathological escaping (control characters expand 6x in JSON) stays under the cap.
    const escaped = await appendAudit(
      ledger,
      input({ details: { blob: "\u0001".repeat(40_000) } }),
    );
    assert.ok(new TextEncoder().encode(canonicalJson(escaped.details)).length <= MAX_DETAILS_BYTES);
    assert.ok((await verifyChain(ledger, long.chain)).ok);
  },
);

forEachLedger(
  "[audit] append: 50 concurrent appends to one chain are contiguous and verify",
  async (ledger) => {
    const chain = "01ORGAAAAAAAAAAAAAAAAAAAAA";
    const appended = await Promise.all(
      Array.from({ length: 50 }, (_, i) => appendAudit(ledger, input({ summary: `entry ${i}` }))),
    );
    assert.deepEqual(
      appended.map((e) => e.seq).sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    const rows = await ledger.db.selectFrom("audit_entries").select("seq").where(
      "chain",
      "=",
      chain,
    )
      .orderBy("seq").execute();
    assert.deepEqual(rows.map((r) => Number(r.seq)), Array.from({ length: 50 }, (_, i) => i + 1));
    const result = await verifyChain(ledger, chain);
    assert.equal(result.ok, true, JSON.stringify(result.firstBroken));
    assert.equal(result.checked, 50);
  },
);

forEachLedger(
  "[audit] append: concurrent appends to several chains stay independent",
  async (ledger) => {
    const chains = ["01ORGA", "01ORGB", "01ORGC"];
    await Promise.all(
      Array.from(
        { length: 30 },
        (_, i) => appendAudit(ledger, input({ orgId: chains[i % 3], summary: `#${i}` })),
      ),
    );
    for (const chain of chains) {
      const result = await verifyChain(ledger, chain);
      assert.deepEqual([result.ok, result.checked], [true, 10], chain);
    }
  },
);

forEachLedger(
  "[audit] append: joins a caller's transaction and rolls back with it",
  async (ledger) => {
    await appendAudit(ledger, input());
    await assert.rejects(
      writeTransaction(ledger, async (tx) => {
        const entry = await appendAudit(tx, input({ summary: "inside" }));
        assert.equal(entry.seq, 2);
        throw new Error("abort");
      }),
      /abort/,
    );
    const next = await appendAudit(ledger, input({ summary: "after" }));
    assert.equal(next.seq, 2, "the rolled-back entry left no gap");
    assert.ok((await verifyChain(ledger, next.chain)).ok);
  },
);

Deno.test("[audit] append: two processes appending to one SQLite file stay contiguous", async () => {
  const dir = await Deno.makeTempDir({ prefix: "audit_procs_" });
  const url = `file:${join(dir, "ledger.db")}`;
  const ledger = await openLedger(url);
  try {
    await migrateToLatest(ledger);
    const appendModule = new URL("../../../lib/audit/append.ts", import.meta.url).href;
    const ledgerModule = new URL("../../../lib/db/ledger/mod.ts", import.meta.url).href;
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `import { appendAudit } from "${appendModule}";
         import { openLedger } from "${ledgerModule}";
         const ledger = await openLedger(${JSON.stringify(url)});
         console.log("ready");
         for (let i = 0; i < 60; i++) {
           await appendAudit(ledger, { orgId: "01PROC", actor: { type: "system", id: "child" },
             action: "test.append", summary: "child " + i });
         }
         await ledger.close();`,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    // Start appending once the child is about to, so the two really contend for the lock.
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal((await reader.read()).value?.trim(), "ready");
    let parentAppends = 0;
    let childDone = false;
    const status = child.status.then((s) => {
      childDone = true;
      return s;
    });
    while (!childDone || parentAppends < 10) {
      await appendAudit(ledger, {
        orgId: "01PROC",
        actor: { type: "system", id: "parent" },
        action: "test.append",
        summary: `parent ${parentAppends++}`,
      });
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const { code } = await status;
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    const stderr = await new Response(child.stderr).text();
    assert.equal(code, 0, stderr);
    const result = await verifyChain(ledger, "01PROC");
    assert.deepEqual(
      [result.ok, result.checked],
      [true, 60 + parentAppends],
      JSON.stringify(result.firstBroken),
    );
  } finally {
    await ledger.close();
    await Deno.remove(dir, { recursive: true });
  }
});
