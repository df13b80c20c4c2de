/**
 * Who hears about job outcomes: an in-process listener registry, called after the ledger
 * commit of a result ({@link onJobResult}) or of an expiry ({@link onJobExpired}). The
 * remediation-run lifecycle subscribes here.
 *
 * Listeners get the services with each event, so one registration serves every `Services`
 * (tests open many). They run in registration order and are awaited; a listener that throws is
 * logged and does not fail the runner's request (the result is already stored). Delivery is
 * therefore at most once per event: a crash between commit and listener loses the call, so a
 * lifecycle that must not miss one reconciles from `remediation_jobs` (results and states are
 * durable there), or enqueues a KV queue message from its listener and does the work in the
 * consumer.
 *
 * @module
 */

import type { JobMode, JobResult } from "../protocol/job.ts";
import type { Services } from "../services.ts";

/** A result was stored for a job (never for a duplicate post). */
export interface JobResultEvent {
  jti: string;
  orgId: string;
  hostId: string;
  runId: string;
  mode: JobMode;
  actionId: string;
  /** The execute `jti` a rollback job undoes, else null. */
  rollbackOf: string | null;
  /** The job's state after the result: `succeeded`, `failed` or `refused`. */
  state: string;
  result: JobResult;
  resultAt: Date;
}

/** A job's `exp` passed without a result. */
export interface JobExpiredEvent {
  jti: string;
  orgId: string;
  hostId: string;
  runId: string;
  mode: JobMode;
  rollbackOf: string | null;
  /** `expired` (never delivered) or `outcome_unknown` (delivered). */
  state: "expired" | "outcome_unknown";
}

/** Hears one kind of event. */
export type JobListener<E> = (event: E, services: Services) => void | Promise<void>;

const resultListeners = new Set<JobListener<JobResultEvent>>();
const expiredListeners = new Set<JobListener<JobExpiredEvent>>();

function register<E>(set: Set<JobListener<E>>, listener: JobListener<E>): () => void {
  set.add(listener);
  return () => set.delete(listener);
}

/**
 * Calls `listener` after every stored job result; returns the unsubscribe function.
 *
 * @example
 * ```ts
 * const off = onJobResult(async (event, services) => {
 *   await advanceRun(services, event.runId, event); // the lifecycle's own code
 * });
 * ```
 */
export function onJobResult(listener: JobListener<JobResultEvent>): () => void {
  return register(resultListeners, listener);
}

/**
 * Calls `listener` after every job that expired without a result; returns the unsubscribe
 * function.
 *
 * @example
 * ```ts
 * onJobExpired((event) => console.log(event.jti, event.state)); // "outcome_unknown"
 * ```
 */
export function onJobExpired(listener: JobListener<JobExpiredEvent>): () => void {
  return register(expiredListeners, listener);
}

async function emit<E extends { jti: string }>(
  set: Set<JobListener<E>>,
  kind: string,
  event: E,
  services: Services,
): Promise<void> {
  for (const listener of [...set]) {
    try {
      await listener(event, services);
    } catch (error) {
      services.log.error("job listener failed; the job itself is stored", {
        event: kind,
        jti: event.jti,
        error,
      });
    }
  }
}

/**
 * Runs the result listeners (after the commit).
 *
 * @example
 * ```ts
 * await emitJobResult(event, services);
 * ```
 */
export function emitJobResult(event: JobResultEvent, services: Services): Promise<void> {
  return emit(resultListeners, "job.result", event, services);
}

/**
 * Runs the expiry listeners (after the commit).
 *
 * @example
 * ```ts
 * await emitJobExpired({ jti, orgId, hostId, runId, mode, rollbackOf: null, state: "expired" }, services);
 * ```
 */
export function emitJobExpired(event: JobExpiredEvent, services: Services): Promise<void> {
  return emit(expiredListeners, "job.expired", event, services);
}
