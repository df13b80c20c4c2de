/**
 * Queue consumers and the redrive cron of the notification pipeline (`lib/notify/`):
 * `notify.deliver` runs one send attempt, `notify.digest` flushes an endpoint's digest, and
 * `notify-redrive` re-enqueues attempts whose message was lost or whose consumer died, and
 * flushes digests whose message was lost. All of them act through conditional updates, so a
 * duplicate or late message sends nothing twice.
 *
 * @module
 */

import { flushDigest, overdueDigests } from "../lib/notify/digest.ts";
import { dueDeliveryMessages, processDelivery } from "../lib/notify/pipeline.ts";
import type { Services } from "../lib/services.ts";
import { enqueue, type QueueHandlers } from "./queue.ts";

/** Name of the redrive cron. */
export const NOTIFY_REDRIVE_CRON = "notify-redrive";
/** Every five minutes. */
export const NOTIFY_REDRIVE_SCHEDULE = "*/5 * * * *";
/** How overdue an attempt must be before the redrive cron assumes its message was lost. */
export const NOTIFY_REDRIVE_GRACE_MS = 5 * 60_000;

/**
 * The two notification message handlers.
 *
 * @example
 * ```ts
 * const handlers = { "scheduler.ping": …, ...notifyQueueHandlers(services) };
 * ```
 */
export function notifyQueueHandlers(
  services: Services,
): Pick<QueueHandlers, "notify.deliver" | "notify.digest"> {
  return {
    "notify.deliver": async (m) => {
      await processDelivery(services, m.deliveryId, m.attempt);
    },
    "notify.digest": async (m) => {
      await flushDigest(services, m.orgId, m.endpointId);
    },
  };
}

/**
 * One redrive pass: re-enqueues overdue or stuck attempts and flushes overdue digests. Returns
 * how many of each.
 *
 * @example
 * ```ts
 * const { redriven, digests } = await runNotifyRedrive(services);
 * ```
 */
export async function runNotifyRedrive(
  services: Services,
): Promise<{ redriven: number; digests: number }> {
  const messages = await dueDeliveryMessages(services, { graceMs: NOTIFY_REDRIVE_GRACE_MS });
  for (const message of messages) await enqueue(services.kv, message);
  const overdue = await overdueDigests(services);
  for (const d of overdue) await flushDigest(services, d.orgId, d.endpointId);
  if (messages.length > 0 || overdue.length > 0) {
    services.log.warn("notification redrive: re-sent lost work", {
      redriven: messages.length,
      digests: overdue.length,
    });
  }
  return { redriven: messages.length, digests: overdue.length };
}
