/**
 * The scheduler heartbeat: each minute the cron records when it ran (KV, read by `/readyz`) and
 * appends a `cron_runs` row (the ledger's history), then enqueues a `scheduler.ping` whose
 * handler records that the queue delivered it.
 *
 * @module
 */

import {
  type SchedulerHeartbeat,
  schedulerHeartbeatKey,
  type SchedulerQueuePing,
  schedulerQueuePingKey,
} from "../lib/db/kv.ts";
import { recordCronRun } from "../lib/db/ledger/cron_runs.ts";
import type { Services } from "../lib/services.ts";
import { enqueue, newMessageId, type QueueHandler, type QueueMessageOf } from "./queue.ts";

export { SCHEDULER_HEARTBEAT_CRON } from "../lib/ops/scheduler.ts";
import { SCHEDULER_HEARTBEAT_CRON } from "../lib/ops/scheduler.ts";

/**
 * Writes `{ at, pid }` to `schedulerHeartbeatKey()` and appends a `cron_runs` row (status
 * "failed" with the error as detail if the KV write fails, then rethrows). Re-running it is
 * harmless: the key is overwritten, one more row is appended.
 *
 * @example
 * ```ts
 * await recordSchedulerHeartbeat(services, services.clock.now());
 * ```
 */
export async function recordSchedulerHeartbeat(
  services: Pick<Services, "kv" | "ledger" | "clock">,
  now: Date = services.clock.now(),
): Promise<SchedulerHeartbeat> {
  const heartbeat: SchedulerHeartbeat = { at: now.toISOString(), pid: Deno.pid };
  try {
    await services.kv.set(schedulerHeartbeatKey(), heartbeat);
  } catch (error) {
    await recordCronRun(services.ledger, {
      name: SCHEDULER_HEARTBEAT_CRON,
      startedAt: now,
      finishedAt: services.clock.now(),
      status: "failed",
      detail: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
  await recordCronRun(services.ledger, {
    name: SCHEDULER_HEARTBEAT_CRON,
    startedAt: now,
    finishedAt: services.clock.now(),
    status: "ok",
  });
  return heartbeat;
}

/**
 * One cron tick: record the heartbeat, then enqueue a `scheduler.ping`.
 *
 * @example
 * ```ts
 * Deno.cron("scheduler-heartbeat", "* * * * *", { backoffSchedule: [1000, 5000] },
 *   () => runSchedulerHeartbeat(services));
 * ```
 */
export async function runSchedulerHeartbeat(
  services: Pick<Services, "kv" | "ledger" | "clock">,
): Promise<void> {
  const now = services.clock.now();
  await recordSchedulerHeartbeat(services, now);
  await enqueue(services.kv, {
    type: "scheduler.ping",
    id: newMessageId(),
    sentAt: now.toISOString(),
  });
}

/**
 * The `scheduler.ping` handler: stores when the ping was received under
 * `schedulerQueuePingKey()` (overwriting, so a re-run is harmless).
 *
 * @example
 * ```ts
 * const handlers: QueueHandlers = { "scheduler.ping": handleSchedulerPing(services) };
 * ```
 */
export function handleSchedulerPing(
  services: Pick<Services, "kv" | "clock">,
): QueueHandler<QueueMessageOf<"scheduler.ping">> {
  return async (message) => {
    const ping: SchedulerQueuePing = {
      id: message.id,
      sentAt: message.sentAt,
      receivedAt: services.clock.now().toISOString(),
    };
    await services.kv.set(schedulerQueuePingKey(), ping);
  };
}
