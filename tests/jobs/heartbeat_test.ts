import assert from "node:assert/strict";
import { schedulerHeartbeatKey, schedulerQueuePingKey } from "@/lib/db/kv.ts";
import { latestCronRuns } from "@/lib/db/ledger/cron_runs.ts";
import {
  recordSchedulerHeartbeat,
  runSchedulerHeartbeat,
  SCHEDULER_HEARTBEAT_CRON,
} from "@/jobs/heartbeat.ts";
import { createQueueHandlers, InFlight, registerJobs } from "@/jobs/mod.ts";
import { createQueueDispatcher } from "@/jobs/queue.ts";
import { openTestServices } from "../support/test_services.ts";

Deno.test("[jobs] heartbeat: writes the KV heartbeat and a cron_runs row", async () => {
  await using services = await openTestServices();
  const now = services.clock.now();
  services.clock.advance(250); // the row's finishedAt comes from the clock after the write
  const heartbeat = await recordSchedulerHeartbeat(services, now);
  assert.deepEqual(heartbeat, { at: "2026-11-25T10:00:00.000Z", pid: Deno.pid });
  assert.deepEqual((await services.kv.get(schedulerHeartbeatKey())).value, heartbeat);
  const runs = await latestCronRuns(services.ledger, SCHEDULER_HEARTBEAT_CRON);
  assert.equal(runs.length, 1);
  assert.deepEqual({ ...runs[0], id: "(ulid)" }, {
    id: "(ulid)",
    name: "scheduler-heartbeat",
    startedAt: now,
    finishedAt: new Date(now.getTime() + 250),
    status: "ok",
    detail: null,
  });
});

Deno.test("[jobs] heartbeat: each run overwrites the key and appends a row", async () => {
  await using services = await openTestServices();
  await recordSchedulerHeartbeat(services);
  services.clock.advance(60_000);
  await recordSchedulerHeartbeat(services);
  const value = (await services.kv.get<{ at: string }>(schedulerHeartbeatKey())).value;
  assert.equal(value?.at, "2026-11-25T10:01:00.000Z");
  const runs = await latestCronRuns(services.ledger, SCHEDULER_HEARTBEAT_CRON);
  assert.deepEqual(runs.map((r) => r.startedAt.toISOString()), [
    "2026-11-25T10:01:00.000Z",
    "2026-11-25T10:00:00.000Z",
  ]);
});

Deno.test("[jobs] heartbeat: a failed KV write records a failed run and rethrows", async () => {
  await using services = await openTestServices();
  services.kv.close();
  await assert.rejects(recordSchedulerHeartbeat(services));
  const [run] = await latestCronRuns(services.ledger, SCHEDULER_HEARTBEAT_CRON);
  assert.equal(run.status, "failed");
  assert.ok(run.detail, "the error is kept as detail");
});

Deno.test("[jobs] heartbeat: a tick enqueues a scheduler.ping the queue delivers", async () => {
  await using services = await openTestServices();
  const dispatch = createQueueDispatcher(createQueueHandlers(services), services);
  const dispatched = Promise.withResolvers<void>();
  const listening = services.kv.listenQueue(async (value) => {
    await dispatch(value);
    dispatched.resolve();
  });
  try {
    await runSchedulerHeartbeat(services);
    services.clock.advance(40);
    await dispatched.promise;
    const ping = (await services.kv.get<Record<string, string>>(schedulerQueuePingKey())).value;
    assert.equal(ping?.sentAt, "2026-11-25T10:00:00.000Z");
    assert.equal(ping?.receivedAt, "2026-11-25T10:00:00.040Z");
    assert.match(ping?.id ?? "", /^[0-9A-HJKMNP-TV-Z]{26}$/);
  } finally {
    services.kv.close();
    await listening;
  }
});

Deno.test("[jobs] registerJobs: crons stop on abort, the listener when KV closes", async () => {
  await using services = await openTestServices();
  const shutdown = new AbortController();
  const jobs = registerJobs(services, shutdown.signal);
  shutdown.abort();
  services.kv.close();
  await Promise.all([jobs.crons, jobs.queue]);
});

Deno.test("[jobs] InFlight: idle waits for every run in progress, also one started meanwhile", async () => {
  const inFlight = new InFlight();
  await inFlight.idle(); // nothing running: settles at once
  const order: string[] = [];
  let finishFirst!: () => void;
  const first = inFlight.track(() => new Promise<void>((r) => finishFirst = r));
  const idle = inFlight.idle().then(() => order.push("idle"));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(order.length, 0, "a run is still in progress");
  let finishSecond!: () => void;
  const second = inFlight.track(() => new Promise<void>((r) => finishSecond = r));
  finishFirst();
  await first;
  order.push("first");
  await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(order, ["first"], "the run started meanwhile is waited for too");
  const failing = inFlight.track(() => Promise.reject(new Error("cron failed")));
  await assert.rejects(failing, /cron failed/);
  finishSecond();
  await second;
  await idle;
  assert.deepEqual(order, ["first", "idle"]);
});
