/**
 * The per-host heartbeat interval on both ledgers: stored by the registry (and range-checked by
 * the column itself), and honoured by the heartbeat sweep with the default multipliers — a host
 * with E = 60 is fresh at 30 min, delayed at 90, stale at 200 and only then raises
 * `heartbeat_stale`; no `host_silent` where the default host already went missing.
 */
import assert from "node:assert/strict";
import { sql } from "kysely";
import { runHeartbeatSweep } from "@/jobs/heartbeat_sweep.ts";
import { loadConfig } from "@/lib/config.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { getHost, updateHost } from "@/lib/hosts/registry.ts";
import { storeSnapshot } from "@/lib/ingest/store.ts";
import { createLogger } from "@/lib/log.ts";
import { forEachLedger } from "../support/ledgers.ts";
import { seedOrg } from "../support/operators.ts";
import { parsedSnapshot, seedHost, T0 } from "../support/hosts.ts";
import { testClock } from "../support/test_services.ts";

const MIN = 60_000;

forEachLedger(
  "[jobs] heartbeat-sweep: a host's own 60-minute interval replaces E for it alone",
  async (ledger: Ledger) => {
    const kv = await Deno.openKv(":memory:");
    const services = {
      ledger,
      kv,
      config: loadConfig({ APP_ENV: "test" }),
      clock: testClock(T0),
      log: createLogger("error", () => {}),
    };
    try {
      const org = await seedOrg(ledger, "acme");
      const hourly = await seedHost(ledger, org, "hourly", { heartbeatExpectedMinutes: 60 });
      const usual = await seedHost(ledger, org, "usual");
      assert.equal((await getHost(ledger, org.id, hourly.id))?.heartbeatExpectedMinutes, 60);
      assert.equal((await getHost(ledger, org.id, usual.id))?.heartbeatExpectedMinutes, null);
      await assert.rejects(
        sql`update hosts set heartbeat_expected_minutes = 0`.execute(ledger.db),
        "the column checks its range",
      );
      for (const host of [hourly, usual]) {
        await storeSnapshot(services, {
          host,
          parsed: parsedSnapshot({ ts: T0.toISOString() }),
          signals: [],
          now: T0,
        });
      }
      await runHeartbeatSweep(services);
      const states = async (minutes: number) => {
        services.clock.set(new Date(T0.getTime() + minutes * MIN));
        const run = await runHeartbeatSweep(services);
        return run.transitions.map((t) =>
          `${t.hostId === hourly.id ? "hourly" : "usual"}:${t.to}:${t.signal}`
        ).sort();
      };
      assert.deepEqual(await states(30), ["usual:stale:heartbeat_stale"]);
      assert.deepEqual(await states(90), [
        "hourly:delayed:null",
        "usual:missing:host_silent",
      ]);
      assert.deepEqual(await states(200), ["hourly:stale:heartbeat_stale"]);
      const hourlySignals = await ledger.db.selectFrom("signals").select("code")
        .where("host_id", "=", hourly.id).execute();
      assert.deepEqual(hourlySignals.map((s) => s.code), ["heartbeat_stale"]);

      // Cleared: the default applies again (200 min is missing for E = 5).
      const cleared = await updateHost(ledger, org.id, hourly.id, {
        heartbeatExpectedMinutes: null,
      });
      assert.equal(cleared.heartbeatExpectedMinutes, null);
      assert.deepEqual(await states(201), ["hourly:missing:host_silent"]);
    } finally {
      kv.close();
    }
  },
);
