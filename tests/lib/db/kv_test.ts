import assert from "node:assert/strict";
import { join } from "node:path";
import {
  deadLetterKey,
  deadLetterPrefix,
  openKv,
  queueProcessedKey,
  schedulerHeartbeatKey,
  schedulerQueuePingKey,
} from "@/lib/db/kv.ts";
import { loadConfig } from "@/lib/config.ts";
import { PROCESSED_MARKER_TTL_MS, runOnce } from "@/jobs/idempotency.ts";

Deno.test("[db] kv: key helpers build collection-first tuples", () => {
  assert.deepEqual(schedulerHeartbeatKey(), ["scheduler", "heartbeat"]);
  assert.deepEqual(schedulerQueuePingKey(), ["scheduler", "queue_ping"]);
  assert.deepEqual(queueProcessedKey("m1"), ["queue_processed", "m1"]);
  assert.deepEqual(deadLetterKey("m1"), ["queue_dead_letters", "m1"]);
  assert.deepEqual(deadLetterKey("m1").slice(0, 1), deadLetterPrefix());
  // An id containing a delimiter stays one key part.
  assert.deepEqual(queueProcessedKey("a/b:c"), ["queue_processed", "a/b:c"]);
});

Deno.test("[db] kv: openKv opens an in-memory store", async () => {
  using kv = await openKv(loadConfig({ DENO_KV_PATH: ":memory:" }));
  await kv.set(schedulerHeartbeatKey(), { at: "2026-11-25T10:00:00.000Z" });
  assert.deepEqual((await kv.get(schedulerHeartbeatKey())).value, {
    at: "2026-11-25T10:00:00.000Z",
  });
});

Deno.test("[db] kv: openKv creates the directory of a file path", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "kv_test_" });
  try {
    const config = loadConfig({ DATA_DIR: join(tmp, "nested") });
    assert.equal(config.denoKvPath, join(tmp, "nested", "kv.sqlite3"));
    {
      using kv = await openKv(config);
      await kv.set(["probe"], 1);
    }
    using reopened = await openKv(config);
    assert.equal((await reopened.get(["probe"])).value, 1);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("[db] kv: runOnce runs once per message id and marks it processed", async () => {
  using kv = await Deno.openKv(":memory:");
  let runs = 0;
  const work = () => {
    runs++;
    return Promise.resolve();
  };
  assert.deepEqual(await runOnce(kv, "m1", work), { ran: true, raced: false });
  assert.deepEqual(await runOnce(kv, "m1", work), { ran: false, raced: false });
  assert.deepEqual(await runOnce(kv, "m2", work), { ran: true, raced: false });
  assert.equal(runs, 2);
  const marker = await kv.get<{ at: string }>(queueProcessedKey("m1"));
  assert.match(marker.value?.at ?? "", /^\d{4}-\d\d-\d\dT/);
  assert.ok(PROCESSED_MARKER_TTL_MS >= 24 * 60 * 60 * 1000);
});

Deno.test("[db] kv: runOnce writes no marker when the work throws, so a retry runs it", async () => {
  using kv = await Deno.openKv(":memory:");
  await assert.rejects(runOnce(kv, "m1", () => Promise.reject(new Error("flaky"))), /flaky/);
  assert.equal((await kv.get(queueProcessedKey("m1"))).versionstamp, null);
  let ran = false;
  await runOnce(kv, "m1", () => {
    ran = true;
    return Promise.resolve();
  });
  assert.ok(ran);
});

Deno.test("[db] kv: runOnce reports a race when another delivery marked it first", async () => {
  using kv = await Deno.openKv(":memory:");
  const result = await runOnce(kv, "m1", async () => {
    // A concurrent delivery finishes (and marks) while this one is still working.
    await kv.set(queueProcessedKey("m1"), { at: "other" });
  });
  assert.deepEqual(result, { ran: true, raced: true });
  assert.deepEqual((await kv.get(queueProcessedKey("m1"))).value, { at: "other" });
});
