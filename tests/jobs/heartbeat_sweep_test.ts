import assert from "node:assert/strict";
import { HEARTBEAT_SWEEP_CRON, runHeartbeatSweep } from "@/jobs/heartbeat_sweep.ts";
import { loadConfig } from "@/lib/config.ts";
import { latestCronRuns } from "@/lib/db/ledger/cron_runs.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { storeSnapshot } from "@/lib/ingest/store.ts";
import { createLogger } from "@/lib/log.ts";
import { forEachLedger } from "../support/ledgers.ts";
import { seedOrg } from "../support/operators.ts";
import { parsedSnapshot, seedHost, T0 } from "../support/hosts.ts";
import { testClock } from "../support/test_services.ts";

const MIN = 60_000;

async function sweepServices(ledger: Ledger, env: Record<string, string> = {}) {
  const kv = await Deno.openKv(":memory:");
  return {
    ledger,
    kv,
    config: loadConfig({ APP_ENV: "test", ...env }),
    clock: testClock(T0),
    log: createLogger("error", () => {}),
    [Symbol.asyncDispose]() {
      kv.close();
      return Promise.resolve();
    },
  };
}

async function heartbeatSignals(ledger: Ledger, hostId: string) {
  return (await ledger.db.selectFrom("signals").select(["code", "severity", "snapshot_id"])
    .where("host_id", "=", hostId).where("source", "=", "heartbeat")
    .orderBy("id").execute()).map((s) => `${s.code}:${s.severity}:${s.snapshot_id}`);
}

forEachLedger(
  "[jobs] heartbeat-sweep: stale then silent once, recovered on return, idempotent",
  async (ledger) => {
    await using services = await sweepServices(ledger);
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1");
    const never = await seedHost(ledger, org, "web-2");
    const push = async () => {
      const now = services.clock.now();
      await storeSnapshot(services, {
        host,
        parsed: parsedSnapshot({ ts: now.toISOString(), base: { at: now.toISOString() } }),
        signals: [],
        now,
      });
    };
    await push();
    let run = await runHeartbeatSweep(services);
    assert.equal(run.hosts, 2);
    assert.deepEqual(await heartbeatSignals(ledger, host.id), []);
    assert.deepEqual(await heartbeatSignals(ledger, never.id), [], "never seen: not silent");

    services.clock.advance(10 * MIN); // delayed: nothing
    await runHeartbeatSweep(services);
    services.clock.advance(10 * MIN); // stale
    await runHeartbeatSweep(services);
    assert.deepEqual(await heartbeatSignals(ledger, host.id), ["heartbeat_stale:medium:null"]);
    services.clock.advance(50 * MIN); // missing
    run = await runHeartbeatSweep(services);
    assert.deepEqual(run.transitions.map((t) => `${t.from}→${t.to}`), ["stale→missing"]);
    services.clock.advance(60 * MIN); // still missing: not raised again
    await runHeartbeatSweep(services);
    await runHeartbeatSweep(services);
    assert.deepEqual(await heartbeatSignals(ledger, host.id), [
      "heartbeat_stale:medium:null",
      "host_silent:high:null",
    ]);

    await push();
    services.clock.advance(MIN);
    run = await runHeartbeatSweep(services);
    assert.deepEqual(run.transitions.map((t) => t.signal), ["heartbeat_recovered"]);
    assert.equal((await heartbeatSignals(ledger, host.id)).at(-1), "heartbeat_recovered:info:null");
    run = await runHeartbeatSweep(services);
    assert.equal(run.transitions.length, 0, "nothing new on a re-run");

    // A second silence raises host_silent again (once per silence).
    services.clock.advance(120 * MIN);
    await runHeartbeatSweep(services);
    const codes = await heartbeatSignals(ledger, host.id);
    assert.equal(codes.filter((c) => c.startsWith("host_silent")).length, 2);

    const runs = await latestCronRuns(ledger, HEARTBEAT_SWEEP_CRON, 50);
    assert.ok(runs.length >= 9 && runs.every((r) => r.status === "ok"));
  },
);

forEachLedger(
  "[jobs] heartbeat-sweep: concurrent sweeps raise a transition once",
  async (ledger) => {
    await using services = await sweepServices(ledger);
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1");
    await storeSnapshot(services, {
      host,
      parsed: parsedSnapshot({ ts: T0.toISOString() }),
      signals: [],
      now: T0,
    });
    await runHeartbeatSweep(services);
    services.clock.advance(90 * MIN);
    await Promise.all([runHeartbeatSweep(services), runHeartbeatSweep(services)]);
    assert.deepEqual(await heartbeatSignals(ledger, host.id), ["host_silent:high:null"]);
  },
);

forEachLedger(
  "[jobs] heartbeat-sweep: a fleet going silent at once: one signal per host, counted once",
  async (ledger) => {
    await using services = await sweepServices(ledger);
    const org = await seedOrg(ledger, "acme");
    // More hosts than one claim group (10) and than fit evenly: groups of 10, 10 and 5.
    const hosts = [];
    for (let i = 0; i < 25; i++) hosts.push(await seedHost(ledger, org, `web-${i}`));
    for (const host of hosts) {
      await storeSnapshot(services, {
        host,
        parsed: parsedSnapshot({ ts: T0.toISOString(), base: { host: host.slug } }),
        signals: [],
        now: T0,
      });
    }
    await runHeartbeatSweep(services);
    services.clock.advance(90 * MIN);
    // Three sweeps racing over the same records: each transition is claimed by exactly one.
    const runs = await Promise.all([1, 2, 3].map(() => runHeartbeatSweep(services)));
    assert.equal(runs.flatMap((r) => r.transitions).length, 25);
    for (const host of hosts) {
      assert.deepEqual(await heartbeatSignals(ledger, host.id), ["host_silent:high:null"]);
    }
    const silentCount = await ledger.db.selectFrom("fleet_hourly").select("n")
      .where("org_id", "=", org.id).where("name", "=", "signals:high").execute();
    assert.equal(silentCount.reduce((sum, r) => sum + Number(r.n), 0), 25);
  },
);

forEachLedger(
  "[jobs] heartbeat-sweep: HEARTBEAT_* thresholds from the config are honoured",
  async (ledger) => {
    await using services = await sweepServices(ledger, {
      HEARTBEAT_EXPECTED_MINUTES: "10",
      HEARTBEAT_STALE_MULTIPLIER: "2",
      HEARTBEAT_MISSING_MULTIPLIER: "4",
    });
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1");
    await storeSnapshot(services, {
      host,
      parsed: parsedSnapshot({ ts: T0.toISOString() }),
      signals: [],
      now: T0,
    });
    const states: string[] = [];
    // E = 10: fresh ≤ 10, delayed ≤ 20, stale ≤ 40, missing after.
    for (const minutes of [8, 18, 35, 45]) {
      services.clock.set(new Date(T0.getTime() + minutes * MIN));
      const run = await runHeartbeatSweep(services);
      states.push(run.transitions.map((t) => t.to).join() || "-");
    }
    assert.deepEqual(states, ["fresh", "delayed", "stale", "missing"]);
    assert.deepEqual(await heartbeatSignals(ledger, host.id), [
      "heartbeat_stale:medium:null",
      "host_silent:high:null",
    ]);
  },
);
