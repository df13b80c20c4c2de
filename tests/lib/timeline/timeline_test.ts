import assert from "node:assert/strict";
import { listTimeline } from "@/lib/timeline/timeline.ts";
import { storeSnapshot } from "@/lib/ingest/store.ts";
import type { Signal } from "@/lib/signals/types.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { at, parsedSnapshot, seedTwoOrgFleet, signal, storeServices } from "../../support/hosts.ts";

const MIN = 60;

forEachLedger(
  "[timeline] dedupe within the window, stable paging, filters and search",
  async (ledger) => {
    await using services = await storeServices(ledger);
    const { org, other, web, db, foreign } = await seedTwoOrgFleet(ledger);
    const port = (s: number): Signal =>
      signal({ ts: at(s).toISOString(), severity: "high", title: "Port 6379 open" });
    const pkg = (s: number): Signal =>
      signal({
        code: "packages_changed",
        fingerprint: "packages_changed",
        title: "Packages changed",
        detail: "+ libjemalloc2 5.3",
        ts: at(s).toISOString(),
      });
    const push = async (host: typeof web, s: number, signals: Signal[]) => {
      await storeSnapshot(services, {
        host,
        parsed: parsedSnapshot({ ts: at(s).toISOString(), base: { s, h: host.id } }),
        signals,
        now: at(s),
      });
    };
    // web: the port every 5 min for 25 min (one run), gone 1 h, back twice (second run).
    for (const m of [0, 5, 10, 15, 20, 25]) await push(web, m * MIN, [port(m * MIN)]);
    for (const m of [90, 95]) await push(web, m * MIN, [port(m * MIN), pkg(m * MIN)]);
    await push(db, 30 * MIN, [port(30 * MIN)]);
    await push(foreign, 30 * MIN, [port(30 * MIN)]);

    const all = await listTimeline(ledger, org.id, {});
    assert.deepEqual(
      all.entries.map((e) => [e.hostId === web.id ? "web" : "db", e.code, e.count]),
      [
        // Same snapshot: the later-written signal (higher id) first.
        ["web", "packages_changed", 2],
        ["web", "public_ports_changed", 2],
        ["db", "public_ports_changed", 1],
        ["web", "public_ports_changed", 6],
      ],
    );
    assert.equal(all.entries[3].firstTs.toISOString(), at(0).toISOString());
    assert.equal(all.entries[3].lastTs.toISOString(), at(25 * MIN).toISOString());
    assert.equal(all.nextCursor, null);

    // Paging: one row at a time gives the same rows in the same order.
    const paged: string[] = [];
    let before: string | undefined;
    do {
      const page = await listTimeline(ledger, org.id, { limit: 1, before });
      paged.push(...page.entries.map((e) => `${e.id}:${e.count}`));
      before = page.nextCursor ?? undefined;
    } while (before);
    assert.deepEqual(paged, all.entries.map((e) => `${e.id}:${e.count}`));

    const host = await listTimeline(ledger, org.id, { hostId: db.id });
    assert.equal(host.entries.length, 1);
    const found = await listTimeline(ledger, org.id, { q: "JEMALLOC" });
    assert.deepEqual(found.entries.map((e) => e.code), ["packages_changed"]);
    const high = await listTimeline(ledger, org.id, { severity: "high", hostId: web.id });
    assert.deepEqual(high.entries.map((e) => e.count), [2, 6]);
    const window = await listTimeline(ledger, org.id, {
      hostId: web.id,
      from: at(10 * MIN),
      to: at(20 * MIN),
    });
    assert.deepEqual(window.entries.map((e) => e.count), [3], "from/to bound the run too");
    const narrow = await listTimeline(ledger, org.id, { hostId: web.id, windowMs: 4 * 60_000 });
    assert.equal(narrow.entries.filter((e) => e.code === "public_ports_changed").length, 8);
    assert.equal((await listTimeline(ledger, other.id, {})).entries.length, 1);
    await assert.rejects(listTimeline(ledger, org.id, { before: "nope" }), /before/);
    await assert.rejects(listTimeline(ledger, org.id, { limit: 0 }), /limit/);
  },
);
