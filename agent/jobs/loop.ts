/**
 * The job loop (`run`, agent-protocol §3.1, §3.5, §3.7): long-polls `GET /api/agent/jobs`,
 * applies key rollovers and confirmations, queues job tokens (at most `maxQueuedJobs`, deduped
 * by `jti`) and runs them one at a time in delivery order while polling goes on; runs armed
 * rollbacks at their deadline; and drains the result and snapshot spools in the background.
 *
 * @module
 */

import { parseCompactJws } from "../../lib/protocol/jws.ts";
import { backoffMs } from "../context.ts";
import { signedCall, STOP_CODES } from "../http.ts";
import { freshSnapshot, snapshotChannel } from "../push.ts";
import { markStopped, NotReadyError, reloadState, type Runtime } from "../runtime.ts";
import { drainChannel } from "../spool.ts";
import { activeKeys } from "./validate.ts";
import { disarm, disarmConfirmed, listArmed } from "./confirm.ts";
import { type ProcessHooks, processToken, recoverLedger } from "./process.ts";
import { resultChannel } from "./results.ts";
import { applyRollover } from "./rollover.ts";

/** How the loop runs. */
export interface LoopOptions {
  /** Stops the loop (SIGTERM in production). */
  signal?: AbortSignal;
  /** One poll, then run what arrived and what is due, drain once, return (tests, cron). */
  once?: boolean;
  /** Override of `pollWaitSec` (e.g. 0 with `once`). */
  waitSec?: number;
}

/** Why the loop returned. */
export type LoopEnd = "stopped" | "aborted" | "once";

/** A resettable wake-up signal. */
class Wake {
  #resolve: (() => void) | null = null;
  #pending = false;
  notify(): void {
    this.#pending = true;
    this.#resolve?.();
  }
  async wait(ms: number, signal: AbortSignal): Promise<void> {
    if (this.#pending || signal.aborted) {
      this.#pending = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.#resolve = null;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.#resolve = done;
      signal.addEventListener("abort", done, { once: true });
    });
    this.#pending = false;
  }
}

/** The job queue: tokens in delivery order, deduped by `jti` (or the token itself). */
class JobQueue {
  readonly items: { key: string; token: string }[] = [];
  readonly #known = new Set<string>();
  constructor(readonly max: number) {}
  /** Queues a token; false when it was already queued/running or the queue is full. */
  add(token: string): boolean {
    const jti = parseCompactJws(token)?.payload.jti;
    const key = typeof jti === "string" ? `jti:${jti}` : token;
    if (this.#known.has(key) || this.items.length >= this.max) return false;
    this.#known.add(key);
    this.items.push({ key, token });
    return true;
  }
  /** Marks a taken item as finished, so a redelivery is accepted again. */
  done(key: string): void {
    this.#known.delete(key);
  }
}

/**
 * One poll: rollover, confirmations, jobs. Returns the wait before the next poll (ms) or
 * "stopped".
 */
async function pollOnce(
  rt: Runtime,
  queue: JobQueue,
  waitSec: number,
  attempt: { n: number },
  signal: AbortSignal,
): Promise<number | "stopped"> {
  const { ctx } = rt;
  const out = await signedCall(ctx, {
    baseUrl: rt.state.baseUrl,
    signer: rt.signer,
    method: "GET",
    path: `/api/agent/jobs?wait=${waitSec}`,
    timeoutMs: (waitSec + 10) * 1000,
    signal,
  });
  if (out.kind === "ok") {
    attempt.n = 0;
    const { jobs, confirmed, keyRollover } = out.body;
    if (typeof keyRollover === "string") await applyRollover(rt, keyRollover);
    if (Array.isArray(confirmed)) {
      await disarmConfirmed(
        rt,
        (confirmed as unknown[]).filter((j): j is string => typeof j === "string"),
      );
    }
    for (const token of Array.isArray(jobs) ? jobs as unknown[] : []) {
      if (typeof token !== "string") continue;
      if (!queue.add(token) && queue.items.length >= queue.max) {
        ctx.log.warn("job_queue_full", { max: queue.max });
      }
    }
    return 0;
  }
  if (out.kind === "rate_limited") {
    ctx.log.warn("poll_rate_limited", { waitMs: out.waitMs });
    return out.waitMs;
  }
  if (out.kind === "rejected" && STOP_CODES.has(out.code)) {
    await markStopped(rt, out.code);
    return "stopped";
  }
  const delay = backoffMs(ctx, attempt.n++);
  ctx.log.warn("poll_failed", {
    reason: out.kind === "retry" ? out.reason : `${out.status} ${out.code}`,
    retryInMs: delay,
  });
  return delay;
}

/**
 * Runs the job loop until `signal` aborts or the control plane refuses the key. Refuses to start
 * (exit 78) when no job-signing key is pinned: jobs could never be verified.
 *
 * @example
 * ```ts
 * const controller = new AbortController();
 * Deno.addSignalListener("SIGTERM", () => controller.abort());
 * await runLoop(rt, { signal: controller.signal });
 * ```
 */
export async function runLoop(rt: Runtime, opts: LoopOptions = {}): Promise<LoopEnd> {
  const { ctx } = rt;
  const state = await reloadState(rt);
  if (state.stopped) return "stopped";
  if (activeKeys(state.jobKeys, Math.floor(ctx.now() / 1000)).length === 0) {
    throw new NotReadyError(
      "no job-signing key is pinned (the control plane gave none at enrollment, or every " +
        "pinned key is retired): jobs cannot be verified. Re-enroll with a new token once the " +
        "control plane's job channel has a signing key.",
      78,
    );
  }
  const inner = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, inner.signal]) : inner.signal;
  const queue = new JobQueue(ctx.config.maxQueuedJobs);
  const work = new Wake();
  const drains = new Wake();
  const waitSec = opts.waitSec ?? ctx.config.pollWaitSec;
  const hooks: ProcessHooks = {
    resultQueued: () => drains.notify(),
    freshSnapshot: async () => {
      await freshSnapshot(rt);
      drains.notify();
    },
  };
  const drainAll = async (deadline: number) => {
    await drainChannel(rt, resultChannel(rt), { deadline, signal });
    await drainChannel(rt, snapshotChannel(rt), { deadline, signal });
  };
  const guarded = async (what: string, fn: () => Promise<void>) => {
    try {
      await fn();
    } catch (error) {
      ctx.log.error(`${what}_error`, { message: (error as Error).message });
      await ctx.sleep(1000, signal);
    }
  };
  const runDue = async () => {
    while (queue.items.length > 0 && !signal.aborted) {
      const item = queue.items.shift()!;
      try {
        await processToken(rt, item.token, "poll", hooks);
      } finally {
        queue.done(item.key);
      }
    }
    for (const armed of await listArmed(rt)) {
      if (armed.deadline > ctx.now() || signal.aborted) break;
      ctx.log.warn("rollback_deadline", { executeJti: armed.executeJti });
      await processToken(rt, armed.rollbackToken, "armed", hooks);
      await disarm(rt, armed.executeJti, "deadline_passed");
    }
  };

  await recoverLedger(rt, hooks);
  if (opts.once) {
    const polled = await pollOnce(rt, queue, waitSec, { n: 0 }, signal);
    await runDue();
    await drainAll(ctx.now());
    return polled === "stopped" ? "stopped" : "once";
  }

  ctx.log.info("job_loop_started", { hostId: state.hostId, waitSec });
  const attempt = { n: 0 };
  const poller = (async () => {
    while (!signal.aborted) {
      const result: { wait: number | "stopped" } = { wait: 1000 };
      await guarded("poll", async () => {
        result.wait = await pollOnce(rt, queue, waitSec, attempt, signal);
      });
      if (result.wait === "stopped") return inner.abort();
      work.notify();
      if (result.wait > 0) await ctx.sleep(result.wait, signal);
    }
  })();
  const worker = (async () => {
    while (!signal.aborted) {
      await guarded("job", runDue);
      const next = (await listArmed(rt))[0]?.deadline ?? Infinity;
      await work.wait(Math.min(5_000, next - ctx.now()), signal);
    }
  })();
  const drainer = (async () => {
    while (!signal.aborted) {
      await guarded("drain", () => drainAll(ctx.now()));
      if ((await reloadState(rt)).stopped) return inner.abort();
      await drains.wait(5_000, signal);
    }
  })();
  await Promise.all([poller, worker, drainer]);
  return (await reloadState(rt)).stopped ? "stopped" : "aborted";
}
