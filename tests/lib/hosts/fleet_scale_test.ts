/**
 * The fleet overview at scale, on a few hundred hosts and both ledgers: keyset paging in every
 * order is complete and stable (also while hosts change between pages), filters match a full
 * scan, and the maintained counters always equal a recount, through ingest, disable, delete
 * and the heartbeat sweep's refresh of stored postures.
 */
import assert from "node:assert/strict";
import { forEachLedger } from "../../support/ledgers.ts";
import { openTestServices, type TestServices } from "../../support/test_services.ts";
import { parsedSnapshot, signal } from "../../support/hosts.ts";
import { createOrg } from "@/lib/orgs/orgs.ts";
import {
  createHost,
  deleteHost,
  getHost,
  type Host,
  setHostDisabled,
} from "@/lib/hosts/registry.ts";
import { type FleetListOptions, type FleetListRow, listFleet } from "@/lib/hosts/fleet_query.ts";
import { fleetCounters, recountFleet } from "@/lib/hosts/fleet_counts.ts";
import { dueCountCorrection, refreshDueSummaries } from "@/lib/hosts/summary.ts";
import { fleetSummary } from "@/lib/hosts/fleet.ts";
import { SCORE_STEP } from "@/lib/hosts/summary_posture.ts";
import { hostView } from "@/lib/hosts/admin.ts";
import { inSnapshotTransaction } from "@/lib/ingest/ingest.ts";
import { storeSnapshot } from "@/lib/ingest/store.ts";
import { prng } from "@/lib/demo/fleet_gen.ts";
import type { Signal } from "@/lib/signals/types.ts";

const HOSTS = 240;

function signalsFor(r: () => number, ts: string): Signal[] {
  const roll = r();
  if (roll < 0.2) return [];
  if (roll < 0.45) return [signal({ ts, severity: "medium", code: "packages_changed" })];
  if (roll < 0.75) {
    return [signal({ ts, severity: "high", code: "unexpected_public_port", fingerprint: "p|1" })];
  }
  if (roll < 0.9) {
    return [
      signal({ ts, severity: "high", code: "firewall_changed", fingerprint: "fw" }),
      signal({ ts, severity: "low", code: "ssh_bruteforce_activity", fingerprint: "ssh" }),
    ];
  }
  return [signal({ ts, severity: "critical", code: "suspicious_process_ioc", fingerprint: "ioc" })];
}

async function push(s: TestServices, host: Host, signals: Signal[]) {
  const now = s.clock.now();
  const ts = now.toISOString();
  const parsed = parsedSnapshot({ ts, base: { host: host.name, ts, n: Math.random() } });
  const hook = inSnapshotTransaction(s, host, now);
  await storeSnapshot(s, {
    host,
    parsed,
    signals,
    now,
    afterInsert: hook(parsed, signals),
  });
}

/** A fleet: most hosts push (some long ago), some never do. */
async function seedFleet(s: TestServices): Promise<{ orgId: string; hosts: Host[] }> {
  const org = await createOrg(s.ledger, { name: "Scale", slug: "scale" });
  const other = await createOrg(s.ledger, { name: "Other", slug: "other" });
  await createHost(s.ledger, other.id, { name: "elsewhere" });
  const r = prng(7);
  const hosts: Host[] = [];
  for (let i = 0; i < HOSTS; i++) {
    hosts.push(
      await createHost(s.ledger, org.id, {
        name: `Host ${String(i).padStart(3, "0")}`,
        slug: `host-${String(i).padStart(3, "0")}`,
        group: ["web", "db", "cache"][i % 3],
        tags: i % 4 === 0 ? ["prod", "eu"] : ["staging"],
      }, { now: s.clock.now() }),
    );
  }
  // Three waves an hour apart: early pushers end up stale or missing, late ones fresh.
  for (let wave = 0; wave < 3; wave++) {
    for (const [i, host] of hosts.entries()) {
      if (i % 10 === 9 || (wave === 2 && i % 5 === 0)) continue;
      await push(s, host, signalsFor(r, s.clock.now().toISOString()));
    }
    s.clock.advance(3_600_000);
  }
  return { orgId: org.id, hosts };
}

async function allPages(s: TestServices, orgId: string, o: Omit<FleetListOptions, "limit">) {
  const rows: FleetListRow[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await listFleet(s.ledger, orgId, { ...o, after, limit: 37 });
    rows.push(...page.rows);
    if (!page.next) return rows;
    after = page.next;
  }
  throw new Error("paging did not end");
}

/** Every stored summary of the org, for comparisons (a full read: tests only). */
async function storedRows(s: TestServices, orgId: string) {
  return await s.ledger.db.selectFrom("host_summaries as s").innerJoin(
    "hosts as h",
    "h.id",
    "s.host_id",
  )
    .select(["s.slug", "s.score", "s.band", "h.group_name", "h.tags", "h.last_seen_at"])
    .where("s.org_id", "=", orgId).where("s.enabled", "=", 1).execute();
}

const nonZero = (m: Map<string, number>) =>
  Object.fromEntries([...m].filter(([, n]) => n !== 0).sort(([a], [b]) => a.localeCompare(b)));

async function assertCountsMatch(s: TestServices, orgId: string) {
  assert.deepEqual(
    nonZero(await fleetCounters(s.ledger, orgId)),
    nonZero(await recountFleet(s.ledger, orgId)),
  );
}

forEachLedger(
  "[fleet] keyset paging covers every host once, in order, for every sort and filter",
  async (_ledger, { url }) => {
    await using s = await openTestServices({ env: { DATABASE_URL: url } });
    const { orgId } = await seedFleet(s);
    await refreshDueSummaries(s, s.clock.now());
    const stored = await storedRows(s, orgId);
    const seen = (r: { last_seen_at: Date | string | null }) =>
      r.last_seen_at === null ? -1 : new Date(r.last_seen_at).getTime();
    const expected: Record<
      FleetListOptions["sort"],
      (a: typeof stored[0], b: typeof stored[0]) => number
    > = {
      name: (a, b) => a.slug.localeCompare(b.slug),
      posture: (a, b) => Number(b.score) - Number(a.score) || a.slug.localeCompare(b.slug),
      seen: (a, b) => seen(b) - seen(a) || a.slug.localeCompare(b.slug),
    };
    const bands = new Set(stored.map((r) => r.band));
    assert.ok(bands.size >= 3, `a varied fleet: ${[...bands]}`);
    for (const sort of ["name", "posture", "seen"] as const) {
      const got = await allPages(s, orgId, { sort });
      assert.deepEqual(
        got.map((r) => r.host.slug),
        [...stored].sort(expected[sort]).map((r) => r.slug),
        sort,
      );
      for (const band of bands) {
        const filtered = await allPages(s, orgId, { sort, band });
        const want = stored.filter((r) => r.band === band).sort(expected[sort]).map((r) => r.slug);
        assert.deepEqual(filtered.map((r) => r.host.slug), want, `${sort} band=${band}`);
      }
    }
    const pick = async (o: Omit<FleetListOptions, "limit" | "sort">) =>
      (await allPages(s, orgId, { sort: "name", ...o })).map((r) => r.host.slug);
    assert.deepEqual(
      await pick({ group: "db" }),
      stored.filter((r) => r.group_name === "db").map((r) => r.slug).sort(),
    );
    assert.deepEqual(
      await pick({ tag: "eu" }),
      stored.filter((r) => r.tags.includes('"eu"')).map((r) => r.slug).sort(),
    );
    assert.deepEqual(
      await pick({ q: "HOST 01" }),
      stored.filter((r) => r.slug.startsWith("host-01")).map((r) => r.slug).sort(),
    );
    assert.deepEqual(
      await pick({ q: "host 1", band: "critical" }),
      stored.filter((r) => r.slug.startsWith("host-1") && r.band === "critical").map((r) => r.slug)
        .sort(),
    );
    assert.deepEqual(await pick({ q: "100%_" }), [], "like wildcards are literal");
  },
);

forEachLedger(
  "[fleet] paging stays stable while hosts change between pages",
  async (_ledger, { url }) => {
    await using s = await openTestServices({ env: { DATABASE_URL: url } });
    const { orgId, hosts } = await seedFleet(s);
    for (const sort of ["name", "posture"] as const) {
      const first = await listFleet(s.ledger, orgId, { sort, limit: 60 });
      const shown = new Set(first.rows.map((r) => r.host.slug));
      // Between pages: a new host, a host already shown turns critical, one not shown yet leaves.
      const fresh = await createHost(s.ledger, orgId, { name: `new ${sort}`, slug: `aaa-${sort}` });
      const moved = hosts.find((h) => shown.has(h.slug))!;
      await push(s, moved, [
        signal({ severity: "critical", code: "suspicious_process_ioc", fingerprint: "x" }),
      ]);
      const gone = hosts.find((h) => !shown.has(h.slug) && h.slug !== moved.slug)!;
      await setHostDisabled(s.ledger, orgId, gone.id, true, s.clock.now());
      let after = first.next ?? undefined;
      const rest: string[] = [];
      while (after) {
        const page = await listFleet(s.ledger, orgId, { sort, after, limit: 60 });
        rest.push(...page.rows.map((r) => r.host.slug));
        after = page.next ?? undefined;
      }
      const unchanged = hosts.filter((h) => h.slug !== moved.slug && h.slug !== gone.slug)
        .map((h) => h.slug);
      const all = [...shown, ...rest];
      for (const slug of unchanged) {
        assert.equal(all.filter((x) => x === slug).length, 1, `${sort}: ${slug} exactly once`);
      }
      assert.ok(!rest.includes(gone.slug), "a host disabled meanwhile is not shown");
      assert.ok(!rest.includes(fresh.slug) || sort === "posture", "name: behind the cursor");
      await setHostDisabled(s.ledger, orgId, gone.id, false, s.clock.now());
    }
    await assertCountsMatch(s, orgId);
  },
);

forEachLedger(
  "[fleet] counters equal a recount and the host pages' own posture, through every change",
  async (_ledger, { url }) => {
    await using s = await openTestServices({ env: { DATABASE_URL: url } });
    const { orgId, hosts } = await seedFleet(s);
    await assertCountsMatch(s, orgId);
    await setHostDisabled(s.ledger, orgId, hosts[3].id, true, s.clock.now());
    await deleteHost(s.ledger, orgId, hosts[4].id);
    await push(s, hosts[5], [
      signal({ severity: "critical", code: "outbound_scan_ioc", fingerprint: "o" }),
    ]);
    await assertCountsMatch(s, orgId);
    const live = hosts.filter((_, i) => i !== 3 && i !== 4);
    for (const minutes of [0, 7, 45, 180, 26 * 60]) {
      s.clock.advance(minutes * 60_000);
      // Between sweeps, counters plus the due rows' correction are exact already (the pages use
      // at most DUE_CORRECTION_LIMIT rows; every row of this small fleet may be due here).
      const before = await fleetCounters(s.ledger, orgId);
      const fix = await dueCountCorrection(s, orgId, s.clock.now(), HOSTS);
      const n = (name: string) => (before.get(name) ?? 0) + (fix.get(name) ?? 0);
      const summary = {
        hosts: {
          posture: {
            low: n("band:low"),
            guarded: n("band:guarded"),
            elevated: n("band:elevated"),
            critical: n("band:critical"),
          },
          heartbeat: {
            fresh: n("heartbeat:fresh"),
            delayed: n("heartbeat:delayed"),
            stale: n("heartbeat:stale"),
            missing: n("heartbeat:missing"),
          },
        },
      };
      if (minutes === 7) {
        // The page's own reader, on a fleet with fewer due rows than its limit.
        assert.ok((await dueCountCorrection(s, orgId, s.clock.now())).size > 0);
        assert.deepEqual((await fleetSummary(s, orgId)).hosts, {
          total: n("hosts"),
          ...summary.hosts,
        });
      }
      await refreshDueSummaries(s, s.clock.now());
      await assertCountsMatch(s, orgId);
      const counts = await fleetCounters(s.ledger, orgId);
      assert.deepEqual(summary.hosts.posture, {
        low: counts.get("band:low") ?? 0,
        guarded: counts.get("band:guarded") ?? 0,
        elevated: counts.get("band:elevated") ?? 0,
        critical: counts.get("band:critical") ?? 0,
      }, `summary before the sweep at +${minutes} min`);
      assert.deepEqual(summary.hosts.heartbeat, {
        fresh: counts.get("heartbeat:fresh") ?? 0,
        delayed: counts.get("heartbeat:delayed") ?? 0,
        stale: counts.get("heartbeat:stale") ?? 0,
        missing: counts.get("heartbeat:missing") ?? 0,
      });
      const bands: Record<string, number> = {}, beats: Record<string, number> = {};
      let high = 0;
      const stored = new Map((await storedRows(s, orgId)).map((r) => [r.slug, r]));
      for (const host of live) {
        const view = await hostView(s, (await getHost(s.ledger, orgId, host.id))!);
        bands[view.posture.band] = (bands[view.posture.band] ?? 0) + 1;
        beats[view.heartbeat.state] = (beats[view.heartbeat.state] ?? 0) + 1;
        high += view.latest?.signals.bySeverity.high ?? 0;
        const row = stored.get(host.slug)!;
        assert.equal(row.band, view.posture.band, `${host.slug} at +${minutes} min`);
        assert.ok(Math.abs(Number(row.score) - view.posture.score) < SCORE_STEP, host.slug);
      }
      for (const [band, n] of Object.entries(bands)) {
        assert.equal(counts.get(`band:${band}`), n, band);
      }
      for (const [beat, n] of Object.entries(beats)) {
        assert.equal(counts.get(`heartbeat:${beat}`), n, beat);
      }
      assert.equal(counts.get("hosts"), live.length);
      assert.equal(counts.get("signals:high") ?? 0, high);
    }
  },
);
