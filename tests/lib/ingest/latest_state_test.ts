import assert from "node:assert/strict";
import { hostStateKey } from "@/lib/db/kv.ts";
import {
  buildHostState,
  deleteHostState,
  type HostState,
  latestHostState,
  putLatestState,
} from "@/lib/ingest/latest_state.ts";
import { at, parsedSnapshot, signal } from "../../support/hosts.ts";

const ORG = "o_1";

async function withKv(fn: (kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

/** A state of `hostId` collected at `at(seconds)`; `padding` makes its value larger. */
function built(hostId: string, seconds: number, snapshotId: string, padding = 0) {
  const parsed = parsedSnapshot({
    ts: at(seconds).toISOString(),
    warnings: padding > 0 ? Array.from({ length: 50 }, () => "w".repeat(padding)) : [],
  });
  return buildHostState(hostId, snapshotId, parsed, [signal()]);
}

const put = (kv: Deno.Kv, hostId: string, seconds: number, id: string, padding = 0) =>
  putLatestState({ kv }, { id: hostId, orgId: ORG }, built(hostId, seconds, id, padding));

/** `kv` with a count of the atomic operations committed through it. */
function counting(kv: Deno.Kv): { kv: Deno.Kv; commits: () => number } {
  let commits = 0;
  const proxy = new Proxy(kv, {
    get(target, property) {
      if (property === "atomic") {
        return () => {
          commits++;
          return target.atomic();
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { kv: proxy, commits: () => commits };
}

Deno.test("[latest-state] concurrent writes of many hosts are batched, round after round", async () => {
  await withKv(async (raw) => {
    const { kv, commits } = counting(raw);
    const hosts = Array.from({ length: 50 }, (_, i) => `h_${i}`);
    for (let round = 0; round < 4; round++) {
      const before = commits();
      // Round 3: ~10 KiB per state, more than one atomic operation may carry (400 KiB).
      const written = await Promise.all(
        hosts.map((h) => put(kv, h, round * 60, `s${round}_${h}`, round === 3 ? 200 : 0)),
      );
      assert.ok(written.every((w) => w), `round ${round}`);
      const used = commits() - before;
      // Round 0 reads and writes each host alone; later rounds know each versionstamp.
      if (round === 0) assert.equal(used, hosts.length);
      else if (round < 3) assert.equal(used, 1, `round ${round}: one atomic operation`);
      else assert.ok(used >= 2 && used <= 3, `round 3: ${used} atomic operations`);
    }
    for (const h of hosts) {
      assert.equal((await latestHostState(raw, ORG, h))?.snapshotId, `s3_${h}`);
    }
  });
});

Deno.test("[latest-state] an older snapshot never replaces a newer one", async () => {
  await withKv(async (kv) => {
    assert.equal(await put(kv, "h_1", 0, "s0"), true);
    // Newer and older at once: the newer wins whichever is committed first.
    assert.deepEqual(
      await Promise.all([put(kv, "h_1", 120, "s2"), put(kv, "h_1", 60, "s1")]),
      [true, false],
    );
    assert.equal((await latestHostState(kv, ORG, "h_1"))?.snapshotId, "s2");
    // Same `ts`: the higher snapshot id wins.
    assert.equal(await put(kv, "h_1", 120, "s3"), true);
    assert.equal(await put(kv, "h_1", 120, "s1"), false);
    assert.equal((await latestHostState(kv, ORG, "h_1"))?.snapshotId, "s3");
  });
});

Deno.test("[latest-state] a value written elsewhere is read before deciding", async () => {
  await withKv(async (kv) => {
    assert.equal(await put(kv, "h_1", 0, "s0"), true);
    // Another instance wrote a newer state meanwhile: this process's versionstamp is stale.
    const other: HostState = { ...built("h_1", 300, "other").state };
    await kv.set(hostStateKey(ORG, "h_1"), other);
    assert.equal(await put(kv, "h_1", 120, "s1"), false, "older than the other instance's");
    assert.equal((await latestHostState(kv, ORG, "h_1"))?.snapshotId, "other");
    assert.equal(await put(kv, "h_1", 600, "s2"), true);
    assert.equal((await latestHostState(kv, ORG, "h_1"))?.snapshotId, "s2");
    // Deleted (the host was deleted): written again, as before.
    await deleteHostState(kv, ORG, "h_1");
    assert.equal(await put(kv, "h_1", 900, "s3"), true);
    assert.equal((await latestHostState(kv, ORG, "h_1"))?.snapshotId, "s3");
  });
});
