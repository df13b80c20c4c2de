import assert from "node:assert/strict";
import { join } from "node:path";
import {
  AUDIT_HEAD_EXPORT_CRON,
  AUDIT_RETENTION_CRON,
  runAuditHeadExport,
  runAuditRetention,
} from "@/jobs/audit.ts";
import { readExportedHeads } from "@/lib/audit/heads.ts";
import { verifyAgainstExportedHeads, verifyChain } from "@/lib/audit/verify.ts";
import { loadConfig } from "@/lib/config.ts";
import { latestCronRuns } from "@/lib/db/ledger/cron_runs.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { createLogger } from "@/lib/log.ts";
import { forEachLedger } from "../support/ledgers.ts";
import { testClock } from "../support/test_services.ts";
import { buildChain } from "../support/audit_chains.ts";

function jobServices(ledger: Ledger, env: Record<string, string>) {
  const config = loadConfig({
    APP_ENV: "test",
    APP_SECRET: "test-secret-test-secret-test-secret-0123",
    ...env,
  });
  const lines: string[] = [];
  return {
    config,
    ledger,
    clock: testClock("2026-11-25T11:17:00.000Z"),
    log: createLogger("debug", (line) => lines.push(line)),
  };
}

forEachLedger(
  "[jobs] audit-head-export: appends heads to the file sink and records the run",
  async (ledger) => {
    const dir = await Deno.makeTempDir({ prefix: "job_heads_" });
    try {
      const path = join(dir, "heads.jsonl");
      const services = jobServices(ledger, { AUDIT_HEAD_SINK: `file:${path}` });
      await buildChain(ledger, "01A", 3);
      await buildChain(ledger, "01B", 1);
      const exported = await runAuditHeadExport(services);
      assert.deepEqual(exported.map((h) => [h.chain, h.seq]), [["01A", 3], ["01B", 1]]);
      await runAuditHeadExport(services); // re-running is harmless: one more set of lines
      const heads = await readExportedHeads(path);
      assert.equal(heads.length, 4);
      assert.deepEqual(await verifyAgainstExportedHeads(ledger, heads), {
        ok: true,
        checked: 2,
        skipped: 0,
      });
      const runs = await latestCronRuns(ledger, AUDIT_HEAD_EXPORT_CRON);
      assert.deepEqual(runs.map((r) => [r.status, r.detail]), [
        ["ok", "exported 2 chain heads"],
        ["ok", "exported 2 chain heads"],
      ]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

forEachLedger(
  "[jobs] audit-head-export: a refusing sink records a failed run and rethrows",
  async (ledger) => {
    await using server = Deno.serve(
      { port: 0, hostname: "127.0.0.1", onListen() {} },
      () => new Response("no", { status: 500 }),
    );
    const services = jobServices(ledger, {
      AUDIT_HEAD_SINK: `http://127.0.0.1:${server.addr.port}/h`,
    });
    await buildChain(ledger, "01A", 1);
    await assert.rejects(runAuditHeadExport(services), /answered 500/);
    const [run] = await latestCronRuns(ledger, AUDIT_HEAD_EXPORT_CRON);
    assert.equal(run.status, "failed");
    assert.match(run.detail ?? "", /answered 500/);
  },
);

forEachLedger(
  "[jobs] audit-retention: prunes past the configured days and records the run",
  async (ledger) => {
    const services = jobServices(ledger, { AUDIT_RETENTION_DAYS: "2" });
    const now = services.clock.now();
    await buildChain(ledger, "01OLD", 3, new Date(now.getTime() - 10 * 86_400_000));
    await buildChain(ledger, "01NEW", 3, new Date(now.getTime() - 60_000 * 10));
    const results = await runAuditRetention(services);
    assert.deepEqual(results, [{ chain: "01OLD", pruned: 3, upToSeq: 3 }]);
    assert.ok((await verifyChain(ledger, "01OLD")).ok);
    services.clock.advance(86_400_000);
    assert.deepEqual(await runAuditRetention(services), [], "the next day's run finds nothing");
    const runs = await latestCronRuns(ledger, AUDIT_RETENTION_CRON);
    assert.deepEqual(runs.map((r) => r.detail), [
      "pruned 0 entries in 0 chains",
      "pruned 3 entries in 1 chains",
    ]);
  },
);
