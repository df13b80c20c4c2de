/**
 * Chart aggregates on seeded ledgers, both dialects: snapshots stored through the real ingest
 * store (which writes the per-snapshot summary and the hourly counters), then exact bucket
 * values for 24 h (hourly) and 7 d (six-hourly) windows, other hosts and organizations left
 * out, gaps as null, and the counters' upsert.
 */
import assert from "node:assert/strict";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import type { Host } from "@/lib/hosts/host.ts";
import { storeSnapshot } from "@/lib/ingest/store.ts";
import type { Signal } from "@/lib/signals/types.ts";
import { fleetHourly, hostSeverities, hostVitals } from "@/lib/charts/aggregates.ts";
import { chartWindow } from "@/lib/charts/period.ts";
import { hourlyIncrements, noteHourly } from "@/lib/charts/fleet_hourly.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { seedOrg } from "../../support/operators.ts";
import { parsedSnapshot, seedHost, signal, storeServices, T0 } from "../../support/hosts.ts";

type Services = Awaited<ReturnType<typeof storeServices>>;

/** Stores one snapshot collected at `ts` (received 30 s later) with these vitals and signals. */
async function push(
  services: Services,
  host: Host,
  ts: string,
  vitals: { cpu?: number; mem?: number; disk?: number },
  signals: Partial<Signal>[] = [],
) {
  const base: Record<string, unknown> = {
    host: host.slug,
    ts,
    vitals: {
      ...(vitals.cpu === undefined ? {} : { cpu: { used_percent: vitals.cpu } }),
      ...(vitals.mem === undefined ? {} : { memory: { used_percent: vitals.mem } }),
    },
    ...(vitals.disk === undefined
      ? {}
      : { project_storage: { host_filesystem: { used_bytes: vitals.disk, total_bytes: 100 } } }),
  };
  await storeSnapshot(services, {
    host,
    parsed: parsedSnapshot({ ts, base }),
    signals: signals.map((s) => signal({ ts, ...s })),
    now: new Date(new Date(ts).getTime() + 30_000),
  });
}

const IOC = { code: "suspicious_process_ioc", severity: "critical" as const, fingerprint: "ioc|1" };
const HIGH = { code: "firewall_changed", severity: "high" as const, fingerprint: "fw" };
const MEDIUM = { severity: "medium" as const };

async function seedFleet(ledger: Ledger, services: Services) {
  const org = await seedOrg(ledger, "acme");
  const other = await seedOrg(ledger, "beta");
  const web = await seedHost(ledger, org, "web-1");
  const db = await seedHost(ledger, org, "db-1");
  const foreign = await seedHost(ledger, other, "x-1");
  // In the 24 h window (2026-11-24T11:00 .. 2026-11-25T11:00): hours 07 and 09 of the 25th.
  await push(services, web, "2026-11-25T09:10:00.000Z", { cpu: 20, mem: 40, disk: 50 }, [
    HIGH,
    { ...MEDIUM, fingerprint: "m1" },
    { ...MEDIUM, fingerprint: "m2" },
  ]);
  await push(services, web, "2026-11-25T09:40:00.000Z", { cpu: 40, mem: 60 }, [IOC]);
  await push(services, web, "2026-11-25T07:05:00.000Z", { cpu: 10 });
  // Before the 24 h window, inside the 7 d one.
  await push(services, web, "2026-11-24T10:30:00.000Z", { cpu: 90, mem: 90 }, [HIGH]);
  // Another host of the organization, and another organization's host.
  await push(services, db, "2026-11-25T09:20:00.000Z", { cpu: 99 }, [{ ...MEDIUM }]);
  await push(services, foreign, "2026-11-25T09:20:00.000Z", { cpu: 99 }, [IOC, IOC]);
  return { org, web, db };
}

/** The indexes of the non-zero (or non-null) values, with the values. */
const nonEmpty = <T>(values: readonly (T | null)[]) =>
  Object.fromEntries(
    values.flatMap((v, i) => (v === null || v === 0 ? [] : [[i, v]])),
  );

forEachLedger("[charts] host vitals and posture per hour and per six hours", async (ledger) => {
  await using services = await storeServices(ledger);
  const { web, db } = await seedFleet(ledger, services);

  const day = chartWindow("24h", T0);
  assert.equal(day.starts[22], "2026-11-25T09:00:00.000Z");
  const v = await hostVitals(ledger, web, day);
  assert.equal(v.cpu.length, 24);
  assert.deepEqual(nonEmpty(v.cpu), { 20: 10, 22: 30 });
  assert.deepEqual(nonEmpty(v.memory), { 22: 50 });
  assert.deepEqual(nonEmpty(v.disk), { 22: 50 });
  assert.deepEqual(nonEmpty(v.snapshots), { 20: 1, 22: 2 });
  // The worst score of the hour: the critical IOC (50 × 1.5 = 75); hour 07 had no signal.
  assert.equal(v.posture[22], 75);
  assert.equal(v.posture[20], 0);
  assert.equal(v.posture[21], null, "no snapshot: a gap, not zero");
  assert.equal(v.truncated, false);

  const week = chartWindow("7d", T0);
  assert.equal(week.starts.length, 28);
  assert.equal(week.starts[27], "2026-11-25T06:00:00.000Z");
  const w = await hostVitals(ledger, web, week);
  assert.deepEqual(nonEmpty(w.cpu), { 23: 90, 27: 23.3 });
  assert.deepEqual(nonEmpty(w.snapshots), { 23: 1, 27: 3 });
  // firewall_changed alone: 15 × 1.25 = 18.75, rounded.
  assert.deepEqual(nonEmpty(w.posture), { 23: 19, 27: 75 });

  const other = await hostVitals(ledger, db, day);
  assert.deepEqual(nonEmpty(other.cpu), { 22: 99 });
  // Another organization's id for the same host finds nothing.
  const none = await hostVitals(ledger, { id: web.id, orgId: db.orgId + "x" }, day);
  assert.deepEqual(nonEmpty(none.snapshots), {});
});

forEachLedger("[charts] signals per severity: host rows and fleet counters", async (ledger) => {
  await using services = await storeServices(ledger);
  const { org, web } = await seedFleet(ledger, services);
  const day = chartWindow("24h", T0);

  const host = await hostSeverities(ledger, web, day);
  assert.deepEqual(nonEmpty(host.critical), { 22: 1 });
  assert.deepEqual(nonEmpty(host.high), { 22: 1 });
  assert.deepEqual(nonEmpty(host.medium), { 22: 2 });
  assert.deepEqual(nonEmpty(host.low), {});
  assert.equal(host.truncated, false);

  const fleet = await fleetHourly(ledger, org.id, day);
  assert.deepEqual(nonEmpty(fleet.severities.critical), { 22: 1 }, "not the other org's two");
  assert.deepEqual(nonEmpty(fleet.severities.high), { 22: 1 });
  assert.deepEqual(nonEmpty(fleet.severities.medium), { 22: 3 }, "both hosts");
  assert.deepEqual(nonEmpty(fleet.snapshots), { 20: 1, 22: 3 });

  const week = await fleetHourly(ledger, org.id, chartWindow("7d", T0));
  assert.deepEqual(nonEmpty(week.severities.high), { 23: 1, 27: 1 });
  assert.deepEqual(nonEmpty(week.snapshots), { 23: 1, 27: 4 });
});

forEachLedger("[charts] host aggregates read at most maxRows, newest first", async (ledger) => {
  await using services = await storeServices(ledger);
  const { web } = await seedFleet(ledger, services);
  const week = chartWindow("7d", T0);
  const v = await hostVitals(ledger, web, week, 2);
  assert.equal(v.truncated, true);
  assert.deepEqual(nonEmpty(v.snapshots), { 27: 2 }, "the two newest: 09:40 and 09:10");
  assert.deepEqual(nonEmpty(v.cpu), { 27: 30 });
  const s = await hostSeverities(ledger, web, week, 3);
  assert.equal(s.truncated, true);
  assert.deepEqual(nonEmpty(s.critical), { 27: 1 });
  assert.equal(s.high[23] + s.high[27] + s.medium[27], 2);
  assert.equal((await hostSeverities(ledger, web, week, 100)).truncated, false);
});

forEachLedger("[charts] a host without data: nulls and zeros, not errors", async (ledger) => {
  const org = await seedOrg(ledger, "acme");
  const host = await seedHost(ledger, org, "quiet-1");
  const day = chartWindow("24h", T0);
  const v = await hostVitals(ledger, host, day);
  assert.ok(v.cpu.every((x) => x === null) && v.posture.every((x) => x === null));
  assert.ok(v.snapshots.every((x) => x === 0));
  const s = await hostSeverities(ledger, host, day);
  assert.ok(s.critical.every((x) => x === 0));
  const f = await fleetHourly(ledger, org.id, day);
  assert.ok(f.snapshots.every((x) => x === 0));
});

forEachLedger("[charts] hourly counters add up across writes", async (ledger) => {
  const org = await seedOrg(ledger, "acme");
  const at = new Date("2026-11-25T09:59:59.999Z");
  await noteHourly(ledger, org.id, { receivedAt: at, signals: [{ ts: at, severity: "low" }] });
  await noteHourly(ledger, org.id, {
    receivedAt: new Date("2026-11-25T10:00:00.000Z"),
    signals: [{ ts: at.toISOString(), severity: "low" }, { ts: "not a time", severity: "low" }],
  });
  // One write spanning 20 hours: more counter rows than one statement carries (16).
  const spread = Array.from({ length: 20 }, (_, i) => ({
    ts: new Date(at.getTime() - i * 3_600_000),
    severity: "high" as const,
  }));
  await noteHourly(ledger, org.id, { signals: [...spread, ...spread] });
  const f = await fleetHourly(ledger, org.id, chartWindow("24h", T0));
  assert.deepEqual(nonEmpty(f.severities.low), { 22: 2 });
  assert.deepEqual(nonEmpty(f.snapshots), { 22: 1, 23: 1 });
  assert.deepEqual(
    nonEmpty(f.severities.high),
    Object.fromEntries(Array.from({ length: 20 }, (_, i) => [22 - i, 2])),
  );
});

Deno.test("[charts] hourlyIncrements: one row per hour and counter, in a fixed order", () => {
  const t = new Date("2026-11-25T10:42:00.000Z");
  assert.deepEqual(
    hourlyIncrements({
      receivedAt: t,
      signals: [
        { ts: t, severity: "medium" },
        { ts: "2026-11-25T09:00:00.000Z", severity: "critical" },
        { ts: t, severity: "medium" },
      ],
    }).map((r) => [r.bucket.toISOString(), r.name, r.n]),
    [
      ["2026-11-25T09:00:00.000Z", "signals:critical", 1],
      ["2026-11-25T10:00:00.000Z", "signals:medium", 2],
      ["2026-11-25T10:00:00.000Z", "snapshots", 1],
    ],
  );
});
