import assert from "node:assert/strict";
import { rateLimitKey } from "@/lib/db/kv.ts";
import {
  KEY_VERIFY_LIMIT_PER_MINUTE,
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
