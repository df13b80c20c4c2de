/**
 * One job token from validation to result (agent-protocol §3.3-3.7): discard (logged and
 * counted), skip (re-post a stored result), refuse (report the code) or run (ledger `started`,
 * execute, ledger `done`, report), then arm or disarm commit-confirm.
 *
 * @module
 */

import type { JobResult } from "../../lib/protocol/job.ts";
import { readJsonFile, writeJsonAtomic } from "../fsutil.ts";
import { reloadState, type Runtime } from "../runtime.ts";
import { arm, disarm } from "./confirm.ts";
import { runJob } from "./execute.ts";
import { JobLedger } from "./ledger.ts";
import { enqueueResult } from "./results.ts";
import { validateJob, type Verdict } from "./validate.ts";

/** What the job loop is told after a job. */
export interface ProcessHooks {
  /** A result was queued: drain the result spool. */
  resultQueued?(): void;
  /** A succeeded execute armed a rollback: send a fresh snapshot now (§3.7). */
  freshSnapshot?(): Promise<void>;
}

/** Local counters in `stats.json`. */
export interface JobStats {
  discarded: number;
  lastDiscard: { at: string; reason: string } | null;
}

async function countDiscard(rt: Runtime, reason: string): Promise<void> {
  const raw = await readJsonFile(rt.paths.stats).catch(() => null) as Partial<JobStats> | null;
  const stats: JobStats = {
    discarded: (raw?.discarded ?? 0) + 1,
    lastDiscard: { at: new Date(rt.ctx.now()).toISOString(), reason },
  };
  await writeJsonAtomic(rt.paths.stats, stats);
}

/**
 * Validates and, when accepted, runs one job token; returns the verdict.
 *
 * @example
 * ```ts
 * const verdict = await processToken(rt, jws, "poll", { resultQueued: () => wake() });
 * ```
 */
export async function processToken(
  rt: Runtime,
  token: string,
  source: "poll" | "armed",
  hooks: ProcessHooks = {},
): Promise<Verdict> {
  const { ctx } = rt;
  const state = await reloadState(rt);
  const ledger = new JobLedger(rt.paths.ledger);
  const nowS = Math.floor(ctx.now() / 1000);
  const verdict = await validateJob(token, {
    hostId: state.hostId,
    issuer: state.issuer,
    keys: state.jobKeys,
    nowS,
    killSwitchPath: ctx.config.killSwitchPath,
    allowlistPath: ctx.config.allowlistPath,
    trustedUid: ctx.config.trustedUid,
    ledger,
  });
  const report = async (jti: string, result: JobResult) => {
    await enqueueResult(rt, jti, result);
    hooks.resultQueued?.();
  };

  if (verdict.kind === "discard") {
    ctx.log.warn("job_discarded", { source, reason: verdict.reason });
    await countDiscard(rt, verdict.reason);
    return verdict;
  }
  if (verdict.kind === "skip") {
    ctx.log.info("job_skipped", { source, jti: verdict.jti, phase: verdict.entry.phase });
    if (verdict.entry.result) await report(verdict.jti, verdict.entry.result);
    return verdict;
  }
  if (verdict.kind === "refuse") {
    const at = new Date(ctx.now()).toISOString();
    const result: JobResult = {
      status: "refused",
      refusedReason: verdict.code,
      steps: [],
      startedAt: at,
      finishedAt: at,
    };
    const entry = await ledger.get(verdict.jti);
    await ledger.put({ ...entry!, phase: "done", result });
    ctx.log.warn("job_refused", {
      source,
      jti: verdict.jti,
      code: verdict.code,
      detail: verdict.detail,
    });
    await report(verdict.jti, result);
    return verdict;
  }

  // 19: ledger `started`, then execute.
  const { claims } = verdict;
  const received = (await ledger.get(claims.jti))!;
  const started = { ...received, phase: "started" as const };
  started.startedAt = new Date(ctx.now()).toISOString();
  await ledger.put(started);
  ctx.log.info("job_started", {
    source,
    jti: claims.jti,
    mode: claims.mode,
    actionId: claims.actionId,
    steps: claims.steps.length,
  });
  const run = await runJob(
    claims,
    { maxOutputBytes: ctx.config.maxOutputBytes, killGraceMs: ctx.config.killGraceMs },
    ctx.now,
    async (steps) => await ledger.put({ ...started, steps }),
  );
  const result: JobResult = run;
  await ledger.put({ ...started, phase: "done", steps: run.steps, result });
  ctx.log.info("job_finished", { jti: claims.jti, status: run.status });
  await report(claims.jti, result);

  if (claims.mode === "rollback" && claims.rollbackOf) {
    await disarm(rt, claims.rollbackOf, "rollback_ran");
  }
  if (claims.mode === "execute" && run.status === "succeeded" && verdict.rollback) {
    await arm(rt, {
      executeJti: claims.jti,
      rollbackJti: verdict.rollback.jti,
      rollbackToken: verdict.rollback.token,
      deadline: Date.parse(run.finishedAt) + (claims.confirm!.windowSec + 30) * 1000,
      armedAt: new Date(ctx.now()).toISOString(),
    });
    try {
      await hooks.freshSnapshot?.();
    } catch (error) {
      ctx.log.error("fresh_snapshot_failed", { message: (error as Error).message });
    }
  }
  return verdict;
}

/**
 * After a restart (§3.5): a job left `started` is reported `failed` with the steps that finished
 * and `finishedAt` = now; one left `received` never ran and is forgotten, so a redelivery is
 * validated afresh. Old `done` entries are pruned.
 *
 * @example
 * ```ts
 * await recoverLedger(rt);
 * ```
 */
export async function recoverLedger(rt: Runtime, hooks: ProcessHooks = {}): Promise<void> {
  const ledger = new JobLedger(rt.paths.ledger);
  const now = new Date(rt.ctx.now()).toISOString();
  for (const entry of await ledger.list()) {
    if (entry.phase === "started") {
      const result: JobResult = {
        status: "failed",
        steps: entry.steps,
        startedAt: entry.startedAt ?? now,
        finishedAt: now,
      };
      await ledger.put({ ...entry, phase: "done", result });
      rt.ctx.log.warn("job_interrupted", { jti: entry.jti, stepsFinished: entry.steps.length });
      await enqueueResult(rt, entry.jti, result);
      hooks.resultQueued?.();
    } else if (entry.phase === "received") {
      await ledger.remove(entry.jti);
      rt.ctx.log.info("job_forgotten", { jti: entry.jti, reason: "validated but never started" });
    }
  }
  await ledger.prune(Math.floor(rt.ctx.now() / 1000));
}
