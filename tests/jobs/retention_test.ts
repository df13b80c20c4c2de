import assert from "node:assert/strict";
import { runSnapshotRetention, SNAPSHOT_RETENTION_CRON } from "@/jobs/retention.ts";
import { latestCronRuns } from "@/lib/db/ledger/cron_runs.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { setOrgSnapshotRetention } from "@/lib/ingest/snapshots.ts";
import { storeSnapshot } from "@/lib/ingest/store.ts";
import { createLogger } from "@/lib/log.ts";
import { forEachLedger } from "../support/ledgers.ts";
import { seedOrg } from "../support/operators.ts";
import { at, parsedSnapshot, seedHost, signal, storeServices } from "../support/hosts.ts";
import { testClock } from "../support/test_services.ts";

const DAY = 86_400;

function jobServices(ledger: Ledger, now: Date) {
  const lines: string[] = [];
  return {
    ledger,
    clock: testClock(now),
    log: createLogger("debug", (line) => lines.push(line)),
    lines,
  };
}

forEachLedger(
  "[jobs] snapshot-retention: 30 days by default, per-org overrides, signals kept",
  async (ledger) => {
    await using services = await storeServices(ledger);
    const byDefault = await seedOrg(ledger, "default-org");
    const longer = await seedOrg(ledger, "long-org");
    await setOrgSnapshotRetention(ledger, longer.id, 90);
    const hosts = [
      await seedHost(ledger, byDefault, "web-1"),
      await seedHost(ledger, longer, "web-1"),
    ];
    for (const host of hosts) {
      for (const d of [0, 20, 50, 95]) {
        await storeSnapshot(services, {
          host,
          parsed: parsedSnapshot({ ts: at(d * DAY).toISOString(), base: { d } }),
          signals: [signal()],
          now: at(d * DAY),
        });
      }
    }
    const job = jobServices(ledger, at(100 * DAY));
    const results = await runSnapshotRetention(job);
    const byOrg = new Map(results.map((r) => [r.orgId, r]));
    // Default org: cutoff day 70, so days 0, 20, 50 go. 90-day org: cutoff day 10, day 0 goes.
    assert.deepEqual(byOrg.get(byDefault.id), { orgId: byDefault.id, days: 30, pruned: 3 });
    assert.deepEqual(byOrg.get(longer.id), { orgId: longer.id, days: 90, pruned: 1 });
    const signals = await ledger.db.selectFrom("signals").select("id").execute();
    assert.equal(signals.length, 8, "signals outlive their snapshots");

    job.clock.advance(60_000);
    assert.deepEqual((await runSnapshotRetention(job)).map((r) => r.pruned), [0, 0], "idempotent");
    const runs = await latestCronRuns(ledger, SNAPSHOT_RETENTION_CRON);
    assert.deepEqual(runs.map((r) => [r.status, r.detail]), [
      ["ok", "pruned 0 snapshots in 2 organizations"],
      ["ok", "pruned 4 snapshots in 2 organizations"],
    ]);
  },
);

forEachLedger("[jobs] snapshot-retention: a failure is recorded and rethrown", async (ledger) => {
  const job = jobServices(ledger, at(0));
  await seedOrg(ledger, "acme");
  await ledger.db.schema.dropTable("snapshots").execute();
  await assert.rejects(runSnapshotRetention(job));
  const [run] = await latestCronRuns(ledger, SNAPSHOT_RETENTION_CRON);
  assert.equal(run.status, "failed");
  assert.match(run.detail ?? "", /snapshots/);
});
