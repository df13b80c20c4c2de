import assert from "node:assert/strict";
import { queueProcessedKey } from "@/lib/db/kv.ts";
import { createLogger, type LogLevel } from "@/lib/log.ts";
import {
  createQueueDispatcher,
  enqueue,
  enqueueInAtomic,
  newMessageId,
  type QueueHandlers,
  type QueueMessage,
  type QueueMessageOf,
} from "@/jobs/queue.ts";

function capturingLog(level: LogLevel = "debug") {
  const lines: Record<string, unknown>[] = [];
  return { log: createLogger(level, (line) => lines.push(JSON.parse(line))), lines };
}

function ping(id = newMessageId()): QueueMessageOf<"scheduler.ping"> {
  return { type: "scheduler.ping", id, sentAt: "2026-11-25T10:00:00.000Z" };
}

/** Handlers for the message types a test does not send: reaching one fails the test. */
const unexpected = (type: string) => () => Promise.reject(new Error(`unexpected ${type}`));
const OTHER_HANDLERS: Omit<QueueHandlers, "scheduler.ping"> = {
  "remediation.dispatch": unexpected("remediation.dispatch"),
  "remediation.expire": unexpected("remediation.expire"),
  "remediation.confirm_deadline": unexpected("remediation.confirm_deadline"),
  "remediation.unban": unexpected("remediation.unban"),
  "notify.deliver": unexpected("notify.deliver"),
  "notify.digest": unexpected("notify.digest"),
  "incident.escalate": unexpected("incident.escalate"),
};

function recordingHandlers() {
  const seen: QueueMessage[] = [];
  const handlers: QueueHandlers = {
    ...OTHER_HANDLERS,
    "scheduler.ping": (message) => {
      seen.push(message);
      return Promise.resolve();
    },
  };
  return { handlers, seen };
}

Deno.test("[jobs] queue: a valid message runs its handler", async () => {
  using kv = await Deno.openKv(":memory:");
  const { log } = capturingLog();
  const { handlers, seen } = recordingHandlers();
  const dispatch = createQueueDispatcher(handlers, { kv, log });
  const message = ping("msg-1");
  await dispatch(message);
  assert.deepEqual(seen, [message]);
  assert.notEqual((await kv.get(queueProcessedKey("msg-1"))).versionstamp, null);
});

Deno.test("[jobs] queue: a duplicate delivery with the same id runs the handler once", async () => {
  using kv = await Deno.openKv(":memory:");
  const { log, lines } = capturingLog();
  const { handlers, seen } = recordingHandlers();
  const dispatch = createQueueDispatcher(handlers, { kv, log });
  await dispatch(ping("dup"));
  await dispatch(ping("dup"));
  await dispatch(ping("other"));
  assert.deepEqual(seen.map((m) => m.id), ["dup", "other"]);
  const skipped = lines.filter((l) => String(l.msg).includes("already processed"));
  assert.equal(skipped.length, 1);
  assert.equal(skipped[0].messageId, "dup");
});

Deno.test("[jobs] queue: an invalid message is dropped with a log line, not retried", async () => {
  using kv = await Deno.openKv(":memory:");
  const { log, lines } = capturingLog("warn");
  const { handlers, seen } = recordingHandlers();
  const dispatch = createQueueDispatcher(handlers, { kv, log });
  const invalid: unknown[] = [
    { type: "scheduler.ping", id: "bad-1" }, // no sentAt
    { type: "no.such.type", id: "bad-2" },
    "just a string",
    null,
  ];
  for (const value of invalid) await dispatch(value); // resolves: nothing to retry
  assert.deepEqual(seen, []);
  assert.equal(lines.length, invalid.length);
  assert.equal(lines[0].level, "warn");
  assert.match(String(lines[0].msg), /dropped/);
  assert.equal(lines[0].messageId, "bad-1");
  assert.match(JSON.stringify(lines[0].issues), /sentAt/);
  assert.equal(lines[1].messageType, "no.such.type");
});

Deno.test("[jobs] queue: a failing handler is logged and rethrown, then retried", async () => {
  using kv = await Deno.openKv(":memory:");
  const { log, lines } = capturingLog("error");
  let attempts = 0;
  const dispatch = createQueueDispatcher({
    ...OTHER_HANDLERS,
    "scheduler.ping": () => {
      attempts++;
      return attempts === 1 ? Promise.reject(new Error("transient")) : Promise.resolve();
    },
  }, { kv, log });
  await assert.rejects(dispatch(ping("retry")), /transient/);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].messageId, "retry");
  assert.equal((lines[0].error as Record<string, unknown>).message, "transient");
  await dispatch(ping("retry"));
  await dispatch(ping("retry"));
  assert.equal(attempts, 2);
});

Deno.test("[jobs] queue: enqueue rejects an invalid message at the producer", async () => {
  using kv = await Deno.openKv(":memory:");
  await assert.rejects(
    enqueue(kv, { type: "scheduler.ping", id: "", sentAt: "yesterday" }),
    /id[\s\S]*sentAt|sentAt[\s\S]*id/,
  );
  assert.throws(
    () => enqueueInAtomic(kv.atomic(), { ...ping(), sentAt: "not a date" }),
    /sentAt/,
  );
});

/**
 * Listens with `dispatch`; `dispatched` resolves once the first message is fully handled
 * (handler and processed marker), so closing KV afterwards cannot interrupt it.
 */
function listenWith(kv: Deno.Kv, dispatch: (value: unknown) => Promise<void>) {
  const dispatched = Promise.withResolvers<void>();
  const listening = kv.listenQueue(async (value) => {
    await dispatch(value);
    dispatched.resolve();
  });
  return { dispatched, listening };
}

Deno.test("[jobs] queue: enqueue → listenQueue round trip on an in-memory KV", async () => {
  const kv = await Deno.openKv(":memory:");
  const { log } = capturingLog("warn");
  const { handlers, seen } = recordingHandlers();
  const dispatch = createQueueDispatcher(handlers, { kv, log });
  const { dispatched, listening } = listenWith(kv, dispatch);
  try {
    const message = ping();
    const commit = await enqueue(kv, message);
    assert.ok(commit.ok);
    await dispatched.promise;
    assert.deepEqual(seen, [message]);
    assert.notEqual((await kv.get(queueProcessedKey(message.id))).versionstamp, null);
  } finally {
    kv.close();
    await listening;
  }
});

Deno.test("[jobs] queue: an atomic enqueue commits together with its data", async () => {
  const kv = await Deno.openKv(":memory:");
  const { log } = capturingLog("warn");
  const received = Promise.withResolvers<string>();
  const dispatch = createQueueDispatcher({
    ...OTHER_HANDLERS,
    "scheduler.ping": async (message) => {
      received.resolve(String((await kv.get(["outbox_data", message.id])).value));
    },
  }, { kv, log });
  const { dispatched, listening } = listenWith(kv, dispatch);
  try {
    const message = ping();
    const commit = await enqueueInAtomic(
      kv.atomic().set(["outbox_data", message.id], "written with the job"),
      message,
    ).commit();
    assert.ok(commit.ok);
    assert.equal(await received.promise, "written with the job");
    await dispatched.promise;
  } finally {
    kv.close();
    await listening;
  }
});
