/**
 * The KV queue messages that drive remediation runs: `remediation.dispatch` (hand a queued run
 * to the host channel), `remediation.expire` (queue TTL), `remediation.confirm_deadline`
 * (commit-confirm window over) and `remediation.unban` (a `block-ip` ban ran its time).
 * Messages are durable and delayed ones survive restarts; consumers re-read the run and act only
 * through conditional state changes, so duplicates and races do nothing.
 *
 * @module
 */

import { enqueue, newMessageId } from "../../jobs/queue.ts";
import type { Services } from "../services.ts";
import type { Run } from "./runs.ts";

/** The four run message types. */
export type RunMessageType =
  | "remediation.dispatch"
  | "remediation.expire"
  | "remediation.confirm_deadline"
  | "remediation.unban";

/**
 * Enqueues one run message, after `delayMs` (0 = now).
 *
 * @example
 * ```ts
 * await enqueueRunMessage(services, "remediation.dispatch", run.id, 15_000);
 * ```
 */
export async function enqueueRunMessage(
  services: Pick<Services, "kv">,
  type: RunMessageType,
  runId: string,
  delayMs = 0,
): Promise<void> {
  await enqueue(
    services.kv,
    { type, id: `${type}:${runId}:${newMessageId()}`, runId },
    delayMs > 0 ? { delay: Math.min(delayMs, 30 * 86_400_000) } : {},
  );
}

/**
 * The messages of a new run: its queue-TTL timer, and (unless it waits for approval) its
 * dispatch. A lost enqueue leaves the run `queued`: `drainQueue` picks it up.
 *
 * @example
 * ```ts
 * await enqueueRunMessages(services, run, { dispatch: run.state === "queued" });
 * ```
 */
export async function enqueueRunMessages(
  services: Pick<Services, "kv" | "clock">,
  run: Pick<Run, "id" | "expiresAt">,
  options: { dispatch: boolean },
): Promise<void> {
  const ttl = run.expiresAt.getTime() - services.clock.now().getTime();
  await enqueueRunMessage(services, "remediation.expire", run.id, Math.max(1, ttl));
  if (options.dispatch) await enqueueRunMessage(services, "remediation.dispatch", run.id);
}
