import assert from "node:assert/strict";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { deleteHost, getHost } from "@/lib/hosts/registry.ts";
import {
  deleteHostState,
  getSnapshot,
  type HostState,
  hostStateOf,
  latestHostState,
  latestHostStates,
  listSnapshots,
  MAX_HOST_STATE_BYTES,
  pruneSnapshots,
  storeSnapshot,
} from "@/lib/ingest/store.ts";
import { setOrgSnapshotRetention } from "@/lib/ingest/snapshots.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { rejection, seedOrg } from "../../support/operators.ts";
import { at, parsedSnapshot, seedHost, signal, storeServices, T0 } from "../../support/hosts.ts";

async function countRows(ledger: Ledger, table: "snapshots" | "signals", hostId: string) {
  return (await ledger.db.selectFrom(table).select("id").where("host_id", "=", hostId).execute())
    .length;
}

forEachLedger(
  "[ingest] storeSnapshot writes the snapshot, its signals, host and KV state",
  async (ledger) => {
    await using services = await storeServices(ledger);
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1");
    const parsed = parsedSnapshot({
      ts: "2026-11-25T09:59:30.123Z",
      receivedAt: at(0).toISOString(),
      warnings: ["ingest_host_mismatch:web-9"],
      alertsCount: 2,
      agentVersion: "1.0.0",
    });
    parsed.last = { baseline_initialized: true };
    parsed.diff = {};
    const signals = [
      signal({
        severity: "critical",
        code: "suspicious_process_ioc",
        evidence: { pid: 4242 },
        mitre: ["T1059"],
      }),
      signal(),
      signal({ title: "NUL\0in title" }), // Postgres text cannot hold NUL: stored as U+FFFD
    ];
    const stored = await storeSnapshot(services, { host, parsed, signals, now: at(0) });
    assert.deepEqual(
      { ...stored, snapshotId: typeof stored.snapshotId },
      { snapshotId: "string", persisted: true, deduped: false, latest: true },
    );
    const id = stored.snapshotId!;

    const snapshot = await getSnapshot(ledger, org.id, id);
    assert.deepEqual(snapshot, {
      id,
      orgId: org.id,
      hostId: host.id,
      ts: new Date("2026-11-25T09:59:30.123Z"),
      receivedAt: at(0),
      payloadHash: parsed.payloadHash,
      payloadBytes: parsed.payloadBytes,
      ok: true,
      warnings: ["ingest_host_mismatch:web-9"],
      alertsCount: 2,
      publicPortsCount: 1,
      base: parsed.base,
      last: { baseline_initialized: true },
      diff: {},
    });
    const rows = await ledger.db.selectFrom("signals").selectAll().where("snapshot_id", "=", id)
      .orderBy("id").execute();
    assert.deepEqual(rows.map((r) => [r.code, r.severity, r.org_id, r.host_id]), [
      ["suspicious_process_ioc", "critical", org.id, host.id],
      ["public_ports_changed", "medium", org.id, host.id],
      ["public_ports_changed", "medium", org.id, host.id],
    ]);
    assert.deepEqual([JSON.parse(rows[0].evidence!), JSON.parse(rows[0].mitre!)], [
      { pid: 4242 },
      ["T1059"],
    ]);
    assert.equal(rows[1].evidence, null);
    assert.equal(rows[2].title, "NUL\uFFFDin title");

    const after = await getHost(ledger, org.id, host.id);
    assert.deepEqual(
      [after?.lastSeenAt, after?.lastSnapshotAt, after?.agentVersion],
      [at(0), new Date("2026-11-25T09:59:30.123Z"), "1.0.0"],
    );
    const state = await latestHostState(services.kv, org.id, host.id);
    assert.deepEqual(
      state,
      {
        hostId: host.id,
        snapshotId: id,
        ts: parsed.ts,
        receivedAt: parsed.receivedAt,
        okFlag: true,
        agentVersion: "1.0.0",
        counts: parsed.counts,
        signals: {
          total: 3,
          bySeverity: { info: 0, low: 0, medium: 2, high: 0, critical: 1 },
          items: [
            { code: "suspicious_process_ioc", severity: "critical", count: 1 },
            { code: "public_ports_changed", severity: "medium", count: 2 },
          ],
          truncated: false,
        },
        warnings: ["ingest_host_mismatch:web-9"],
      } satisfies HostState,
    );
    assert.deepEqual(
      [...(await latestHostStates(services.kv, org.id, [host.id, "h_none"])).keys()],
      [
        host.id,
      ],
    );
    await deleteHostState(services.kv, org.id, host.id);
    assert.equal(await latestHostState(services.kv, org.id, host.id), null);
  },
);

forEachLedger(
  "[ingest] an identical payload and ts is deduped: only lastSeenAt moves",
  async (ledger) => {
    await using services = await storeServices(ledger);
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1");
    const parsed = parsedSnapshot({ ts: T0.toISOString() });
    const first = await storeSnapshot(services, { host, parsed, signals: [signal()], now: at(0) });
    const again = await storeSnapshot(services, {
      host,
      parsed,
      signals: [signal()],
      now: at(300),
    });
    assert.deepEqual(again, {
      snapshotId: first.snapshotId,
      persisted: false,
      deduped: true,
      latest: false,
    });
    assert.deepEqual([
      await countRows(ledger, "snapshots", host.id),
      await countRows(ledger, "signals", host.id),
    ], [1, 1]);
    assert.deepEqual((await getHost(ledger, org.id, host.id))?.lastSeenAt, at(300));
    assert.equal(
      (await latestHostState(services.kv, org.id, host.id))?.receivedAt,
      parsed.receivedAt,
    );

    // Same bytes, another ts: stored. Then the first payload again: not the newest any more, stored.
    const sameBytes = { ...parsed, ts: at(60).toISOString() };
    assert.equal(
      (await storeSnapshot(services, { host, parsed: sameBytes, signals: [], now: at(360) }))
        .persisted,
      true,
    );
    assert.equal(
      (await storeSnapshot(services, { host, parsed, signals: [], now: at(420) })).persisted,
      true,
    );
    assert.equal(await countRows(ledger, "snapshots", host.id), 3);

    // Concurrent identical pushes store one snapshot.
    const burst = parsedSnapshot({ ts: at(900).toISOString(), base: { host: "web-1", n: 1 } });
    const results = await Promise.all(
      Array.from(
        { length: 8 },
        () => storeSnapshot(services, { host, parsed: burst, signals: [], now: at(901) }),
      ),
    );
    assert.equal(
      results.filter((r) => r.persisted).length,
      1,
    );
    assert.equal(results.filter((r) => r.deduped).length, 7);
    assert.equal(await countRows(ledger, "snapshots", host.id), 4);
  },
);

forEachLedger(
  "[ingest] an older snapshot joins the history but does not replace the latest",
  async (ledger) => {
    await using services = await storeServices(ledger);
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1");
    const newer = parsedSnapshot({ ts: at(600).toISOString(), agentVersion: "1.1.0" });
    const older = parsedSnapshot({
      ts: at(0).toISOString(),
      agentVersion: "1.0.0",
      base: { old: true },
    });
    const n = await storeSnapshot(services, { host, parsed: newer, signals: [], now: at(610) });
    const o = await storeSnapshot(services, {
      host,
      parsed: older,
      signals: [signal()],
      now: at(620),
    });
    assert.deepEqual([n.latest, o.persisted, o.latest], [true, true, false]);
    assert.equal((await latestHostState(services.kv, org.id, host.id))?.snapshotId, n.snapshotId);
    const after = await getHost(ledger, org.id, host.id);
    assert.deepEqual(
      [after?.lastSeenAt, after?.lastSnapshotAt, after?.agentVersion],
      [at(620), at(600), "1.1.0"],
      "a replayed old push moves the heartbeat but not the version or last snapshot",
    );
    assert.equal(await countRows(ledger, "signals", host.id), 1, "its signals are history too");
  },
);

forEachLedger(
  "[ingest] 50 concurrent pushes for one host: latest = highest ts, 50 stored",
  async (ledger) => {
    await using services = await storeServices(ledger);
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1");
    const pushes = Array.from({ length: 50 }, (_, i) =>
      parsedSnapshot({
        ts: at(i * 300).toISOString(),
        base: { host: "web-1", n: i },
        alertsCount: i,
      }));
    // Shuffled, so commit order and ts order differ.
    const order = pushes.map((p, i) => ({ p, k: (i * 37) % 50 })).sort((a, b) => a.k - b.k);
    const results = await Promise.all(
      order.map(({ p }, i) =>
        storeSnapshot(services, {
          host,
          parsed: p,
          signals: [signal({ ts: p.ts })],
          now: at(20_000 + i),
        })
      ),
    );
    assert.ok(results.every((r) => r.persisted && !r.deduped));
    assert.equal(await countRows(ledger, "snapshots", host.id), 50);
    assert.equal(await countRows(ledger, "signals", host.id), 50);
    const state = await latestHostState(services.kv, org.id, host.id);
    const highest = pushes[49];
    assert.equal(state?.ts, highest.ts);
    assert.equal(state?.counts.alertsCount, 49);
    const winner = results[order.findIndex(({ p }) => p === highest)];
    assert.equal(state?.snapshotId, winner.snapshotId);
    assert.ok(results.some((r) => r.latest));
    assert.deepEqual(services.logLines, [], "no KV write gave up");
    const after = await getHost(ledger, org.id, host.id);
    assert.deepEqual([after?.lastSnapshotAt?.toISOString(), after?.lastSeenAt], [
      highest.ts,
      at(20_049),
    ]);

    // Re-sending the newest stored snapshot (by receive time) stores nothing new.
    const [newest] = await listSnapshots(ledger, org.id, host.id, { limit: 1 });
    const resend = pushes.find((p) => p.payloadHash === newest.payloadHash)!;
    const dup = await storeSnapshot(services, {
      host,
      parsed: resend,
      signals: [signal()],
      now: at(30_000),
    });
    assert.deepEqual([dup.deduped, dup.persisted, dup.snapshotId], [true, false, newest.id]);
    assert.equal(await countRows(ledger, "snapshots", host.id), 50);
    assert.equal(await countRows(ledger, "signals", host.id), 50);
    assert.equal((await latestHostState(services.kv, org.id, host.id))?.ts, highest.ts);
  },
);

forEachLedger(
  "[ingest] history: newest first, cursor paging, payload on request, org scoped",
  async (ledger) => {
    await using services = await storeServices(ledger);
    const org = await seedOrg(ledger, "acme");
    const intruder = await seedOrg(ledger, "intruder");
    const host = await seedHost(ledger, org, "web-1");
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const parsed = parsedSnapshot({ ts: at(i * 60).toISOString(), base: { n: i } });
      ids.push(
        (await storeSnapshot(services, { host, parsed, signals: [], now: at(i * 60) })).snapshotId!,
      );
    }
    const page1 = await listSnapshots(ledger, org.id, host.id, { limit: 2 });
    assert.deepEqual(page1.map((s) => s.id), [ids[4], ids[3]]);
    assert.ok(!("base" in page1[0]), "no payload unless asked");
    const page2 = await listSnapshots(ledger, org.id, host.id, { limit: 2, before: page1[1] });
    assert.deepEqual(page2.map((s) => s.id), [ids[2], ids[1]]);
    const page3 = await listSnapshots(ledger, org.id, host.id, {
      limit: 2,
      before: page2[1],
      includePayload: true,
    });
    assert.deepEqual(page3.map((s) => [s.id, s.base]), [[ids[0], { n: 0 }]]);
    assert.deepEqual(await listSnapshots(ledger, intruder.id, host.id), []);
    assert.equal(await getSnapshot(ledger, intruder.id, ids[0]), null);
    const bad = await rejection(listSnapshots(ledger, org.id, host.id, { limit: 0 }));
    assert.equal(bad.code, "invalid_input");
  },
);

forEachLedger(
  "[ingest] pruneSnapshots: old raw snapshots go, signals and each host's newest stay",
  async (ledger) => {
    await using services = await storeServices(ledger);
    const org = await seedOrg(ledger, "acme");
    const otherOrg = await seedOrg(ledger, "other");
    const busy = await seedHost(ledger, org, "busy");
    const silent = await seedHost(ledger, org, "silent");
    const foreign = await seedHost(ledger, otherOrg, "foreign");
    const day = 86_400;
    for (
      const [host, days] of [[busy, [0, 10, 35, 40]], [silent, [0, 1]], [foreign, [0, 1]]] as const
    ) {
      for (const d of days) {
        const parsed = parsedSnapshot({ ts: at(d * day).toISOString(), base: { d } });
        await storeSnapshot(services, { host, parsed, signals: [signal()], now: at(d * day) });
      }
    }
    const cutoff = at(38 * day);
    assert.equal(await pruneSnapshots(ledger, { orgId: org.id, before: cutoff }), 4);
    const left = async (hostId: string) =>
      (await listSnapshots(ledger, org.id, hostId, { includePayload: true })).map((s) => s.base.d);
    assert.deepEqual(await left(busy.id), [40]);
    assert.deepEqual(await left(silent.id), [1], "a silent host keeps its newest snapshot");
    assert.equal(await countRows(ledger, "snapshots", foreign.id), 2, "other orgs untouched");
    assert.equal(await countRows(ledger, "signals", busy.id), 4, "signals are kept");
    assert.equal(await pruneSnapshots(ledger, { orgId: org.id, before: cutoff }), 0, "idempotent");

    await setOrgSnapshotRetention(ledger, org.id, 90);
    const row = await ledger.db.selectFrom("orgs").select("snapshot_retention_days").where(
      "id",
      "=",
      org.id,
    )
      .executeTakeFirstOrThrow();
    assert.equal(row.snapshot_retention_days, 90);
    const bad = await rejection(setOrgSnapshotRetention(ledger, org.id, 0));
    assert.deepEqual([bad.status, bad.code], [400, "invalid_retention"]);
    assert.equal((await rejection(setOrgSnapshotRetention(ledger, "nope", 5))).status, 404);
  },
);

forEachLedger(
  "[ingest] a host deleted meanwhile is 404; its KV state can be dropped",
  async (ledger) => {
    await using services = await storeServices(ledger);
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1");
    await deleteHost(ledger, org.id, host.id);
    const gone = await rejection(
      storeSnapshot(services, {
        host,
        parsed: parsedSnapshot({ ts: T0.toISOString() }),
        signals: [],
        now: T0,
      }),
    );
    assert.deepEqual([gone.status, gone.code], [404, "host_not_found"]);
  },
);

Deno.test("[ingest] the KV state stays under 60 KiB whatever the signals", async () => {
  const parsed = parsedSnapshot({
    ts: T0.toISOString(),
    warnings: Array.from({ length: 500 }, (_, i) => `w${i}:${"x".repeat(500)}`),
  });
  parsed.counts.expectedPublicPorts = Array.from({ length: 5000 }, (_, i) => `tcp:${i}`);
  const signals = Array.from(
    { length: 3000 },
    (_, i) =>
      signal({ code: `${"c".repeat(90)}_${i}`, severity: i % 7 === 0 ? "critical" : "low" }),
  );
  const state = hostStateOf("h_1", "s_1", parsed, signals);
  const bytes = new TextEncoder().encode(JSON.stringify(state)).length;
  assert.ok(bytes <= MAX_HOST_STATE_BYTES, `${bytes} bytes`);
  assert.equal(state.signals.total, 3000);
  assert.equal(state.signals.truncated, true);
  assert.equal(state.signals.items[0].severity, "critical", "the most severe are kept");
  assert.equal(state.signals.bySeverity.critical, 429);
  assert.equal(state.warnings.length, 50);
  const kv = await Deno.openKv(":memory:");
  try {
    await kv.set(["t"], state); // fits KV's 64 KiB value limit
  } finally {
    kv.close();
  }
});
