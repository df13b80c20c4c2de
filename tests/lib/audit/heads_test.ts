import assert from "node:assert/strict";
import { join } from "node:path";
import {
  exportChainHeads,
  readExportedHeads,
  signHeadExport,
  sinkFilePath,
} from "@/lib/audit/heads.ts";
import { appendAudit } from "@/lib/audit/append.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { buildChain } from "../../support/audit_chains.ts";

const SECRET = "test-secret-test-secret-test-secret-0123";
const NOW = new Date("2026-11-25T11:17:00.000Z");

Deno.test("[audit] heads: sinkFilePath tells files from webhooks", () => {
  assert.equal(sinkFilePath("file:./data/heads.jsonl"), "./data/heads.jsonl");
  assert.equal(sinkFilePath("file:///var/lib/heads.jsonl"), "/var/lib/heads.jsonl");
  assert.equal(sinkFilePath("https://witness.example.com/heads"), null);
});

Deno.test("[audit] heads: the webhook signature is an HMAC under a key derived from the secret", () => {
  const signature = signHeadExport('{"a":1}', SECRET);
  assert.match(signature, /^sha256=[0-9a-f]{64}$/);
  assert.equal(signHeadExport('{"a":1}', SECRET), signature);
  assert.notEqual(signHeadExport('{"a":2}', SECRET), signature);
  assert.notEqual(signHeadExport('{"a":1}', SECRET + "x"), signature);
});

forEachLedger("[audit] heads: file sink appends one line per non-empty chain", async (ledger) => {
  const dir = await Deno.makeTempDir({ prefix: "heads_file_" });
  try {
    const path = join(dir, "nested", "heads.jsonl");
    const a = await buildChain(ledger, "01A", 2);
    const b = await buildChain(ledger, "01B", 1);
    const first = await exportChainHeads(ledger, {
      sink: `file:${path}`,
      secret: SECRET,
      now: NOW,
    });
    assert.deepEqual(first, [
      { chain: "01A", seq: 2, hash: a[1].hash, exportedAt: NOW.toISOString() },
      { chain: "01B", seq: 1, hash: b[0].hash, exportedAt: NOW.toISOString() },
    ]);
    const more = await appendAudit(ledger, {
      orgId: "01A",
      actor: { type: "system", id: "t" },
      action: "x.y",
      summary: "3",
    });
    const later = new Date(NOW.getTime() + 3_600_000);
    await exportChainHeads(ledger, { sink: `file:${path}`, secret: SECRET, now: later });
    const lines = await readExportedHeads(path);
    assert.equal(lines.length, 4, "appended, not overwritten");
    assert.deepEqual(lines[2], {
      chain: "01A",
      seq: 3,
      hash: more.hash,
      exportedAt: later.toISOString(),
    });
    assert.equal((await Deno.stat(path)).mode! & 0o077, 0, "not readable by others");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

forEachLedger("[audit] heads: nothing to export writes nothing", async (ledger) => {
  const dir = await Deno.makeTempDir({ prefix: "heads_empty_" });
  try {
    const path = join(dir, "heads.jsonl");
    assert.deepEqual(
      await exportChainHeads(ledger, { sink: `file:${path}`, secret: SECRET, now: NOW }),
      [],
    );
    await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("[audit] heads: readExportedHeads names a malformed line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "heads_bad_" });
  try {
    const path = join(dir, "heads.jsonl");
    const good = JSON.stringify({
      chain: "01A",
      seq: 1,
      hash: "a".repeat(64),
      exportedAt: NOW.toISOString(),
    });
    await Deno.writeTextFile(path, `${good}\n\n${good}\n{"chain":"01A","seq":0,"hash":"x"}\n`);
    await assert.rejects(readExportedHeads(path), new RegExp(`${path}:4: expected`));
    await Deno.writeTextFile(path, `${good}\nnot json\n`);
    await assert.rejects(readExportedHeads(path), /:2: not JSON/);
    await Deno.writeTextFile(path, `${good}\n\n`);
    assert.equal((await readExportedHeads(path)).length, 1);
    await assert.rejects(readExportedHeads(join(dir, "missing.jsonl")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

forEachLedger("[audit] heads: webhook sink POSTs the batch, signed", async (ledger) => {
  const a = await buildChain(ledger, "01A", 2);
  const received: { body: string; signature: string | null; type: string | null }[] = [];
  let status = 200;
  await using server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    async (request) => {
      received.push({
        body: await request.text(),
        signature: request.headers.get("x-sentry-signature"),
        type: request.headers.get("content-type"),
      });
      return new Response("ok", { status });
    },
  );
  const sink = `http://127.0.0.1:${server.addr.port}/heads`;
  const exported = await exportChainHeads(ledger, { sink, secret: SECRET, now: NOW });
  assert.deepEqual(exported.map((h) => [h.chain, h.seq, h.hash]), [["01A", 2, a[1].hash]]);
  assert.equal(received.length, 1);
  const [request] = received;
  assert.equal(request.type, "application/json");
  assert.equal(request.signature, signHeadExport(request.body, SECRET), "receiver can verify it");
  assert.deepEqual(JSON.parse(request.body), { exportedAt: NOW.toISOString(), heads: exported });

  status = 503;
  await assert.rejects(
    exportChainHeads(ledger, { sink, secret: SECRET, now: NOW }),
    /audit head sink http:\/\/127\.0\.0\.1:\d+ answered 503; check AUDIT_HEAD_SINK/,
  );
});

forEachLedger("[audit] heads: a webhook that hangs times out", async (ledger) => {
  await buildChain(ledger, "01A", 1);
  const release = Promise.withResolvers<void>();
  await using server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, async () => {
    await release.promise;
    return new Response("late");
  });
  try {
    await assert.rejects(
      exportChainHeads(ledger, {
        sink: `http://127.0.0.1:${server.addr.port}/`,
        secret: SECRET,
        now: NOW,
        timeoutMs: 50,
      }),
      (error: Error) => error.name === "TimeoutError",
    );
  } finally {
    release.resolve();
  }
});
