import assert from "node:assert/strict";
import { rateLimitKey } from "@/lib/db/kv.ts";
import {
  KEY_VERIFY_LIMIT_PER_MINUTE,
  leaseSize,
  STATUS_POST_LIMIT_PER_MINUTE,
  takeToken,
} from "@/lib/ingest/rate_limit.ts";

const WINDOW = 60_000;
/** The start of a one-minute window. */
const START = new Date("2026-11-25T10:00:00.000Z");
const plus = (ms: number) => new Date(START.getTime() + ms);

async function withKv(fn: (kv: Deno.Kv) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

Deno.test("[rate-limit] the protocol's per-minute limits", () => {
  assert.equal(STATUS_POST_LIMIT_PER_MINUTE, 240);
  assert.equal(KEY_VERIFY_LIMIT_PER_MINUTE, 60);
});

Deno.test("[rate-limit] up to the limit, then refused until the window ends", async () => {
  await withKv(async (kv) => {
    const take = (ms: number) =>
      takeToken(kv, { bucket: "status:k1", limit: 3, windowMs: WINDOW, now: plus(ms) });
    assert.deepEqual(await take(0), { ok: true, remaining: 2 });
    assert.deepEqual(await take(1000), { ok: true, remaining: 1 });
    assert.deepEqual(await take(2000), { ok: true, remaining: 0 });
    assert.deepEqual(await take(15_000), { ok: false, retryAfterS: 45 });
    assert.deepEqual(await take(59_001), { ok: false, retryAfterS: 1 }, "rounded up, at least 1");
    // Refusals are not counted: the stored counter stays at the limit.
    const counter = await kv.get<Deno.KvU64>(rateLimitKey("status:k1", START.getTime()));
    assert.equal(counter.value?.value, 3n);
    // Moving `now` into the next window starts over.
    assert.deepEqual(await take(60_000), { ok: true, remaining: 2 });
  });
});

Deno.test("[rate-limit] buckets are independent", async () => {
  await withKv(async (kv) => {
    const take = (bucket: string) =>
      takeToken(kv, { bucket, limit: 1, windowMs: WINDOW, now: START });
    assert.equal((await take("status:a")).ok, true);
    assert.equal((await take("status:a")).ok, false);
    assert.equal((await take("status:b")).ok, true);
    assert.equal((await take("verify:a")).ok, true);
  });
});

Deno.test("[rate-limit] concurrent takes are each counted once", async () => {
  await withKv(async (kv) => {
    const results = await Promise.all(
      Array.from(
        { length: 60 },
        (_, i) => takeToken(kv, { bucket: "status:k", limit: 25, windowMs: WINDOW, now: plus(i) }),
      ),
    );
    assert.equal(results.filter((r) => r.ok).length, 25);
    const remaining = results.flatMap((r) => r.ok ? [r.remaining] : []).sort((a, b) => a - b);
    assert.deepEqual(remaining, Array.from({ length: 25 }, (_, i) => i), "each position once");
    assert.ok(results.every((r) => r.ok || r.retryAfterS === 60));
    assert.equal(
      (await takeToken(kv, { bucket: "status:k", limit: 25, windowMs: WINDOW, now: START })).ok,
      false,
    );
  });
});

Deno.test("[rate-limit] bad arguments are programming errors", async () => {
  await withKv(async (kv) => {
    await assert.rejects(
      takeToken(kv, { bucket: "x", limit: 0, windowMs: WINDOW, now: START }),
      RangeError,
    );
    await assert.rejects(
      takeToken(kv, { bucket: "x", limit: 1, windowMs: 10, now: START }),
      RangeError,
    );
  });
});

Deno.test("[rate-limit] large limits are leased in blocks: still exactly `limit` per window", async () => {
  await withKv(async (kv) => {
    const limit = STATUS_POST_LIMIT_PER_MINUTE;
    assert.equal(leaseSize(limit), 15);
    assert.equal(leaseSize(KEY_VERIFY_LIMIT_PER_MINUTE), 1, "small limits: one per request");
    const results = await Promise.all(
      Array.from(
        { length: limit + 20 },
        (_, i) => takeToken(kv, { bucket: "status:big", limit, windowMs: WINDOW, now: plus(i) }),
      ),
    );
    assert.equal(results.filter((r) => r.ok).length, limit);
    const remaining = results.flatMap((r) => r.ok ? [r.remaining] : []).sort((a, b) => a - b);
    assert.deepEqual(remaining, Array.from({ length: limit }, (_, i) => i), "each position once");
    const counter = await kv.get<Deno.KvU64>(rateLimitKey("status:big", START.getTime()));
    assert.equal(counter.value?.value, BigInt(limit), "the KV counter never passes the limit");
    const next = await takeToken(kv, {
      bucket: "status:big",
      limit,
      windowMs: WINDOW,
      now: plus(60_000),
    });
    assert.deepEqual(next, { ok: true, remaining: limit - 1 }, "a new window starts over");
  });
});

/** Another handle on the same KV, as a second app instance has (leases are per handle). */
function secondHandle(kv: Deno.Kv): Deno.Kv {
  return new Proxy(kv, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

Deno.test("[rate-limit] two instances on one KV never pass more than the limit together", async () => {
  await withKv(async (a) => {
    const b = secondHandle(a);
    const limit = 160; // leases of 10
    const take = (kv: Deno.Kv, i: number) =>
      takeToken(kv, { bucket: "status:shared", limit, windowMs: WINDOW, now: plus(i) });
    const results = await Promise.all(
      Array.from({ length: 2 * limit }, (_, i) => take(i % 2 === 0 ? a : b, i)),
    );
    const passed = results.filter((r) => r.ok).length;
    assert.ok(passed <= limit, `${passed} passed`);
    // Positions one instance leased but did not use are lost to the other (at most a lease).
    assert.ok(passed >= limit - (leaseSize(limit) - 1), `${passed} passed`);
  });
});
