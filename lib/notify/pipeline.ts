/**
 * The delivery consumer: one `notify.deliver` message is one attempt of one delivery. It claims
 * the delivery (conditional update), sends, records the attempt in the delivery log, and either
 * finishes (`sent`, `failed`) or schedules the next attempt as a delayed queue message, following
 * {@link RETRY_DELAYS_MS} (30 s, 2 min, 10 min, 1 h, 6 h, 24 h: seven attempts over about 31 h).
 * A duplicated message finds the delivery claimed or finished and sends nothing.
 *
 * {@link dueDeliveryMessages} finds attempts whose message was lost (or whose consumer died
 * mid-send); the `notify-redrive` cron re-enqueues them, and tests dispatch them directly after
 * moving the clock.
 *
 * @module
 */

import type { QueueMessageOf } from "../../jobs/queue.ts";
import type { Services } from "../services.ts";
import {
  claimDelivery,
  contentOf,
  type Delivery,
  finishAttempt,
  getDelivery,
} from "./deliveries.ts";
import { openEndpointTarget } from "./endpoint_store.ts";
import { deliverMessageId, enqueueDeliver } from "./queue_messages.ts";
import { type AttemptOutcome, sendOnce, type SendOptions, type SendTarget } from "./send.ts";

/** Delay before attempt n + 1 after attempt n failed (index n - 1). */
export const RETRY_DELAYS_MS: readonly number[] = [
  30_000,
  120_000,
  600_000,
  3_600_000,
  21_600_000,
  86_400_000,
];

/** Attempts before a delivery fails for good. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;

/** A `sending` claim older than this belongs to a consumer that died; another may take it. */
export const CLAIM_LEASE_MS = 5 * 60_000;

/** What {@link processDelivery} did. */
export type ProcessResult = "sent" | "retrying" | "failed" | "suppressed" | "skipped";

async function settleWithoutSend(
  services: Pick<Services, "ledger" | "clock">,
  delivery: Delivery,
  attempt: number,
  status: "suppressed" | "failed",
  reason: string,
): Promise<void> {
  const now = services.clock.now();
  await services.ledger.db.updateTable("notify_deliveries")
    .set({ status, reason, next_attempt_at: null, updated_at: now })
    .where("id", "=", delivery.id).where("status", "=", "sending")
    .where("attempts", "=", attempt).execute();
}

async function targetOf(
  services: Services,
  delivery: Delivery,
): Promise<SendTarget | { refused: string } | null> {
  if (!delivery.endpointId) {
    return delivery.recipient ? { kind: "email", emails: [delivery.recipient] } : null;
  }
  const endpoint = await openEndpointTarget(services, delivery.orgId, delivery.endpointId);
  if (!endpoint) return null;
  if (!endpoint.enabled && delivery.eventType !== "test") return { refused: "endpoint_disabled" };
  return {
    kind: endpoint.kind,
    url: endpoint.url,
    secret: endpoint.secret,
    previousSecret: endpoint.previousSecret,
    emails: endpoint.emails,
  };
}

function nextStep(outcome: AttemptOutcome, attempt: number, now: Date, retry: boolean) {
  if (outcome.ok) return { status: "sent" as const, nextAttemptAt: null };
  if (retry && outcome.retryable && attempt < MAX_ATTEMPTS) {
    const delayMs = RETRY_DELAYS_MS[attempt - 1];
    return { status: "retrying" as const, nextAttemptAt: new Date(now.getTime() + delayMs) };
  }
  return {
    status: "failed" as const,
    nextAttemptAt: null,
    reason: !retry
      ? "test send (not retried)"
      : outcome.retryable
      ? `gave up after ${attempt} attempts`
      : "not retryable",
  };
}

/**
 * Runs attempt `attempt` of a delivery (the `notify.deliver` consumer). Never throws for a failed
 * send (that is a recorded attempt); throws only when the ledger or queue fail, so the queue
 * retries the message.
 *
 * @example
 * ```ts
 * await processDelivery(services, message.deliveryId, message.attempt);
 * ```
 */
export async function processDelivery(
  services: Services,
  deliveryId: string,
  attempt: number,
  options: SendOptions = {},
): Promise<ProcessResult> {
  const delivery = await getDelivery(services.ledger, deliveryId);
  if (!delivery) return "skipped";
  if (delivery.status === "retrying" && delivery.attempts === attempt && delivery.nextAttemptAt) {
    // This attempt was recorded but the hand-off to the next one may have been lost.
    const delay = delivery.nextAttemptAt.getTime() - services.clock.now().getTime();
    await enqueueDeliver(services, deliveryId, attempt + 1, Math.max(0, delay));
    return "skipped";
  }
  const claimedAt = services.clock.now();
  if (!await claimDelivery(services.ledger, deliveryId, attempt, claimedAt, CLAIM_LEASE_MS)) {
    return "skipped";
  }
  const log = services.log.child({
    deliveryId,
    endpointId: delivery.endpointId,
    kind: delivery.kind,
    eventType: delivery.eventType,
    attempt,
  });
  const target = await targetOf(services, delivery);
  if (target === null || "refused" in target) {
    const reason = target === null ? "endpoint_deleted" : target.refused;
    await settleWithoutSend(services, delivery, attempt, "suppressed", reason);
    log.info("notification suppressed", { reason });
    return "suppressed";
  }
  const outcome = await sendOnce(services, target, contentOf(delivery, claimedAt), options);
  const now = services.clock.now();
  // A test send reports its one outcome; it is never retried.
  const step = nextStep(outcome, attempt, now, delivery.eventType !== "test");
  const recorded = await finishAttempt(
    services.ledger,
    delivery,
    attempt,
    claimedAt,
    outcome,
    step,
    now,
  );
  if (!recorded) {
    log.warn("notification attempt finished after its claim was taken over; not recorded");
    return "skipped";
  }
  const fields = { code: outcome.code, latencyMs: outcome.latencyMs };
  if (step.status === "sent") log.info("notification sent", fields);
  else if (step.status === "failed") {
    log.error("notification failed; giving up", { ...fields, error: outcome.error });
  } else {
    log.warn("notification attempt failed; will retry", {
      ...fields,
      error: outcome.error,
      nextAttemptAt: step.nextAttemptAt.toISOString(),
    });
    await enqueueDeliver(services, deliveryId, attempt + 1, RETRY_DELAYS_MS[attempt - 1]);
  }
  return step.status;
}

/**
 * `notify.deliver` messages for attempts that are due and have no live message: `queued` or
 * `retrying` deliveries whose next attempt is more than `graceMs` overdue, and `sending` claims
 * older than {@link CLAIM_LEASE_MS}. Each message has a fresh id.
 *
 * @example
 * ```ts
 * services.clock.advance(30_000);
 * for (const m of await dueDeliveryMessages(services)) await dispatch(m);
 * ```
 */
export async function dueDeliveryMessages(
  services: Pick<Services, "ledger" | "clock">,
  options: { graceMs?: number; limit?: number } = {},
): Promise<QueueMessageOf<"notify.deliver">[]> {
  const now = services.clock.now().getTime();
  const dueBefore = new Date(now - (options.graceMs ?? 0));
  const staleBefore = new Date(now - CLAIM_LEASE_MS);
  const rows = await services.ledger.db.selectFrom("notify_deliveries")
    .select(["id", "status", "attempts"])
    .where((eb) =>
      eb.or([
        eb.and([
          eb("status", "in", ["queued", "retrying"]),
          eb("next_attempt_at", "<=", dueBefore),
        ]),
        eb.and([eb("status", "=", "sending"), eb("claimed_at", "<", staleBefore)]),
      ])
    )
    .orderBy("id").limit(options.limit ?? 200).execute();
  return rows.map((r) => {
    const attempt = r.status === "sending" ? Number(r.attempts) : Number(r.attempts) + 1;
    return {
      type: "notify.deliver" as const,
      id: deliverMessageId(r.id, attempt, true),
      deliveryId: r.id,
      attempt,
    };
  });
}
