/**
 * The KV queue: every message type in one zod discriminated union ({@link QueueMessage}), a
 * validating {@link enqueue}, and the one dispatcher passed to `kv.listenQueue`.
 *
 * Delivery is at least once. The dispatcher drops messages that fail validation (logged, not
 * retried: a malformed message will never become valid), and runs each valid one through
 * `runOnce`, so a duplicate delivery of the same `id` does nothing. A handler that throws is
 * retried per the message's `backoffSchedule`, then stored under `deadLetterKey(id)`.
 *
 * @module
 */

import { ulid } from "ulid";
import { z } from "zod";
import { deadLetterKey } from "../lib/db/kv.ts";
import type { Logger } from "../lib/log.ts";
import { runOnce } from "./idempotency.ts";

const messageId = z.string().min(1).max(200);

/** `scheduler.ping`: enqueued by the heartbeat cron, proves enqueue → listenQueue works. */
export const SchedulerPingMessage = z.object({
  type: z.literal("scheduler.ping"),
  id: messageId,
  /** When it was enqueued, ISO 8601. */
  sentAt: z.iso.datetime(),
});

/** A remediation run timer or hand-off (`lib/remediation/queue_messages.ts`). */
const runMessage = <T extends string>(type: T) =>
  z.object({ type: z.literal(type), id: messageId, runId: z.string().min(1).max(64) });

/** `notify.deliver`: one send attempt of a notification delivery (`lib/notify/pipeline.ts`). */
export const NotifyDeliverMessage = z.object({
  type: z.literal("notify.deliver"),
  id: messageId,
  deliveryId: z.string().min(1).max(64),
  /** 1 for the first send; each retry is the next number. */
  attempt: z.int().min(1).max(20),
});

/** `notify.digest`: flush an endpoint's batched low-severity events (`lib/notify/digest.ts`). */
export const NotifyDigestMessage = z.object({
  type: z.literal("notify.digest"),
  id: messageId,
  orgId: z.string().min(1).max(64),
  endpointId: z.string().min(1).max(64),
});

/** `incident.escalate`: an incident's escalation timer for one step (`lib/incidents/timer.ts`). */
export const IncidentEscalateMessage = z.object({
  type: z.literal("incident.escalate"),
  id: messageId,
  incidentId: z.string().min(1).max(64),
  step: z.int().min(0).max(1_000_000),
});

/** Every queue message, discriminated by `type`. Add new types here. */
export const QueueMessage = z.discriminatedUnion("type", [
  SchedulerPingMessage,
  IncidentEscalateMessage,
  runMessage("remediation.dispatch"),
  runMessage("remediation.expire"),
  runMessage("remediation.confirm_deadline"),
  runMessage("remediation.unban"),
  NotifyDeliverMessage,
  NotifyDigestMessage,
]);

/** A queue message. */
export type QueueMessage = z.infer<typeof QueueMessage>;

/** The `type` of a queue message. */
export type QueueMessageType = QueueMessage["type"];

/** The message of one type. */
export type QueueMessageOf<T extends QueueMessageType> = Extract<QueueMessage, { type: T }>;

/** Handles one message type. Must be safe to re-run (see `jobs/idempotency.ts`). */
export type QueueHandler<M extends QueueMessage = QueueMessage> = (message: M) => Promise<void>;

/** One handler per message type; the compiler insists on all of them. */
export type QueueHandlers = { [T in QueueMessageType]: QueueHandler<QueueMessageOf<T>> };

/** Retries of a failing handler, in ms (at most 5 entries, each at most 1 hour). */
export const DEFAULT_QUEUE_BACKOFF: readonly number[] = [1_000, 5_000, 30_000, 120_000];

/** Options of {@link enqueue}. */
export interface EnqueueOptions {
  /** Deliver after this many ms (at most 30 days). */
  delay?: number;
  /** Defaults to {@link DEFAULT_QUEUE_BACKOFF}. */
  backoffSchedule?: number[];
  /** Where the message goes when every attempt failed; defaults to `[deadLetterKey(id)]`. */
  keysIfUndelivered?: Deno.KvKey[];
}

/**
 * A new, time-sortable message id.
 *
 * @example
 * ```ts
 * await enqueue(kv, { type: "scheduler.ping", id: newMessageId(), sentAt: now.toISOString() });
 * ```
 */
export function newMessageId(): string {
  return ulid();
}

/**
 * Validates `message` and enqueues it. Throws (a zod error naming the bad field) on an invalid
 * message, so a bug surfaces at the producer, not in the consumer.
 *
 * @example
 * ```ts
 * await enqueue(kv, { type: "scheduler.ping", id: newMessageId(), sentAt: new Date().toISOString() });
 * ```
 */
export async function enqueue(
  kv: Deno.Kv,
  message: QueueMessage,
  options: EnqueueOptions = {},
): Promise<Deno.KvCommitResult> {
  const valid = QueueMessage.parse(message);
  return await kv.enqueue(valid, enqueueOptions(valid, options));
}

/**
 * Adds a validated enqueue to an atomic operation, so data and job commit together (an outbox).
 *
 * @example
 * ```ts
 * const op = kv.atomic().check(current).set(key, next);
 * await enqueueInAtomic(op, { type: "scheduler.ping", id: newMessageId(), sentAt }).commit();
 * ```
 */
export function enqueueInAtomic(
  operation: Deno.AtomicOperation,
  message: QueueMessage,
  options: EnqueueOptions = {},
): Deno.AtomicOperation {
  const valid = QueueMessage.parse(message);
  return operation.enqueue(valid, enqueueOptions(valid, options));
}

/** What the dispatcher needs besides the handlers. */
export interface QueueDispatcherDeps {
  kv: Deno.Kv;
  log: Logger;
}

/**
 * Builds the function passed to `kv.listenQueue`: validates, skips duplicates, dispatches on
 * `type`. Invalid messages are logged and dropped; a throwing handler is logged and rethrown so
 * the queue retries it.
 *
 * @example
 * ```ts
 * const dispatch = createQueueDispatcher({
 *   "scheduler.ping": async (msg) => { await kv.set(["last_ping"], msg.id); },
 * }, { kv, log });
 * const listening = kv.listenQueue(dispatch);
 * // … on shutdown:
 * kv.close();
 * await listening;
 * ```
 */
export function createQueueDispatcher(
  handlers: QueueHandlers,
  deps: QueueDispatcherDeps,
): (value: unknown) => Promise<void> {
  return async (value) => {
    const parsed = QueueMessage.safeParse(value);
    if (!parsed.success) {
      deps.log.warn("queue message dropped: it does not match QueueMessage", {
        messageType: fieldOf(value, "type"),
        messageId: fieldOf(value, "id"),
        issues: parsed.error.issues.map((i) => `${i.path.join(".") || "(message)"}: ${i.message}`),
      });
      return;
    }
    const message = parsed.data;
    const log = deps.log.child({ messageId: message.id, messageType: message.type });
    // One handler per type; the union of handler types cannot be called without this widening.
    const handler = handlers[message.type] as QueueHandler;
    try {
      const { ran, raced } = await runOnce(deps.kv, message.id, () => handler(message));
      if (!ran) log.info("queue message skipped: already processed (duplicate delivery)");
      else if (raced) log.warn("queue message processed twice by concurrent deliveries");
      else log.debug("queue message processed");
    } catch (error) {
      log.error("queue handler failed; the queue will retry it", { error });
      throw error;
    }
  };
}

function enqueueOptions(message: QueueMessage, options: EnqueueOptions) {
  return {
    delay: options.delay,
    backoffSchedule: options.backoffSchedule ?? [...DEFAULT_QUEUE_BACKOFF],
    keysIfUndelivered: options.keysIfUndelivered ?? [deadLetterKey(message.id)],
  };
}

function fieldOf(value: unknown, field: string): unknown {
  if (typeof value !== "object" || value === null || !(field in value)) return undefined;
  const found = (value as Record<string, unknown>)[field];
  return typeof found === "string" ? found.slice(0, 200) : undefined;
}
