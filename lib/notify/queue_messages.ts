/**
 * Enqueueing `notify.deliver` messages. The id of a scheduled attempt is deterministic
 * (`notify.deliver:<deliveryId>:<attempt>`), so enqueueing the same attempt twice is processed
 * once (`runOnce`); a redrive of a lost or stuck attempt uses a fresh id and relies on the
 * delivery claim instead.
 *
 * @module
 */

import { enqueue, newMessageId } from "../../jobs/queue.ts";
import type { Services } from "../services.ts";

/** KV queues deliver after at most 30 days; notification retries stay far below. */
const MAX_DELAY_MS = 30 * 86_400_000;

/**
 * The id of the message of one attempt (`redrive`: a fresh id for a re-sent message).
 *
 * @example
 * ```ts
 * deliverMessageId("nd_01JDX…", 2); // "notify.deliver:nd_01JDX…:2"
 * ```
 */
export function deliverMessageId(deliveryId: string, attempt: number, redrive = false): string {
  const base = `notify.deliver:${deliveryId}:${attempt}`;
  return redrive ? `${base}:r${newMessageId()}` : base;
}

/**
 * Enqueues attempt `attempt` of a delivery after `delayMs` (0: now).
 *
 * @example
 * ```ts
 * await enqueueDeliver(services, delivery.id, 2, 30_000);
 * ```
 */
export async function enqueueDeliver(
  services: Pick<Services, "kv">,
  deliveryId: string,
  attempt: number,
  delayMs = 0,
  options: { redrive?: boolean } = {},
): Promise<void> {
  await enqueue(
    services.kv,
    {
      type: "notify.deliver",
      id: deliverMessageId(deliveryId, attempt, options.redrive),
      deliveryId,
      attempt,
    },
    delayMs > 0 ? { delay: Math.min(delayMs, MAX_DELAY_MS) } : {},
  );
}
