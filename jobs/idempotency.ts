/**
 * Run-once guard for at-least-once delivery (KV queues, cron retries): a processed marker keyed by
 * message id, checked before the work and set atomically after it.
 *
 * The marker is written only after `fn` succeeds, so if the process dies between the end of `fn`
 * and the marker commit, the message is delivered again and `fn` runs again. Handlers must
 * therefore be safe to re-run: write with `versionstamp` checks, `onConflict doNothing`, or
 * deterministic ids, so a second run changes nothing.
 *
 * @module
 */

import { queueProcessedKey } from "../lib/db/kv.ts";

/** How long a processed marker is kept (KV queues redeliver within hours, not weeks). */
export const PROCESSED_MARKER_TTL_MS = 7 * 24 * 60 * 60 * 1000;

/** What {@link runOnce} did. */
export interface RunOnceResult {
  /** Whether `fn` ran (false: the marker said the message was already processed). */
  ran: boolean;
  /**
   * True if `fn` ran but another delivery wrote the marker first (two deliveries ran
   * concurrently; both ran `fn`).
   */
  raced: boolean;
}

/** Options of {@link runOnce}. */
export interface RunOnceOptions {
  /** Marker lifetime; defaults to {@link PROCESSED_MARKER_TTL_MS}. */
  expireInMs?: number;
  /** Timestamp stored in the marker. */
  now?: () => Date;
}

/**
 * Runs `fn` unless `messageId` was already processed, then marks it processed (a
 * `versionstamp: null` check plus `set` with `expireIn`, in one atomic). If `fn` throws, no
 * marker is written and the error propagates, so the queue retries.
 *
 * @example
 * ```ts
 * const { ran } = await runOnce(kv, message.id, async () => {
 *   await sendEmail(message); // must itself tolerate a rare second run
 * });
 * if (!ran) log.debug("duplicate delivery skipped", { id: message.id });
 * ```
 */
export async function runOnce(
  kv: Deno.Kv,
  messageId: string,
  fn: () => Promise<void>,
  options: RunOnceOptions = {},
): Promise<RunOnceResult> {
  const { expireInMs = PROCESSED_MARKER_TTL_MS, now = () => new Date() } = options;
  const key = queueProcessedKey(messageId);
  const marker = await kv.get(key);
  if (marker.versionstamp !== null) return { ran: false, raced: false };
  await fn();
  const commit = await kv.atomic()
    .check({ key, versionstamp: null })
    .set(key, { at: now().toISOString() }, { expireIn: expireInMs })
    .commit();
  return { ran: true, raced: !commit.ok };
}
