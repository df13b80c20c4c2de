/**
 * The job store of the host channel (agent-protocol §3.1, §3.6, §3.7): signed jobs in
 * `remediation_jobs`, what a host may pull, delivery, results (validated, idempotent on `jti`,
 * audited as `host.job.result`), expiry, cancel and commit-confirm.
 *
 * Every state change is one conditional `UPDATE … WHERE state IN (…)` (or `result_hash IS
 * NULL`), so concurrent calls and duplicated queue deliveries can never transition a job twice:
 * the loser updates no row and sees the winner's outcome.
 *
 * Results and expiries are signalled to in-process listeners after the commit
 * ({@link onJobResult}, {@link onJobExpired}; see `job_events.ts`).
 *
 * @module
 */

import { appendAudit } from "../audit/append.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import { writeTransaction } from "../db/ledger/transaction.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Services } from "../services.ts";
import { emitJobExpired, emitJobResult } from "./job_events.ts";
import { parseJobResult } from "./job_result.ts";
import { bumpHostJobs, getJob, type JobState, type StoredJob, toStoredJob } from "./job_rows.ts";

export {
  createExecuteWithRollback,
  type CreateExecuteWithRollbackInput,
  createJob,
  type CreateJobInput,
  releaseRollback,
} from "./job_create.ts";
export {
  type JobExpiredEvent,
  type JobListener,
  type JobResultEvent,
  onJobExpired,
  onJobResult,
} from "./job_events.ts";
export { InvalidResultError, parseJobResult } from "./job_result.ts";
export {
  bumpHostJobs,
  getJob,
  JOB_STATES,
  type JobState,
  newJti,
  type StoredJob,
} from "./job_rows.ts";

/** Most jobs in one poll response (§3.1). */
export const MAX_JOBS_PER_POLL = 10;
/** Largest result body (§2.4 check 8): 1 MiB. */
export const MAX_RESULT_BYTES = 1024 * 1024;
/** `Deno.cron` name of the expiry sweep. */
export const JOB_EXPIRY_CRON = "remediation-job-expiry";

/** States a runner may still be sent. */
const DELIVERABLE: JobState[] = ["created", "delivered"];

/**
 * The host's deliverable jobs: `created` or `delivered`, `exp` after `now`, no result; oldest
 * (`iat`, then `jti`) first, at most `limit` (≤ {@link MAX_JOBS_PER_POLL}).
 *
 * @example
 * ```ts
 * const jobs = await pendingJobsForHost(services.ledger, host.id, services.clock.now());
 * ```
 */
export async function pendingJobsForHost(
  ledger: Pick<Ledger, "db">,
  hostId: string,
  now: Date,
  limit = MAX_JOBS_PER_POLL,
): Promise<StoredJob[]> {
  const rows = await ledger.db.selectFrom("remediation_jobs").selectAll()
    .where("host_id", "=", hostId).where("state", "in", DELIVERABLE)
    .where("exp", ">", now).where("result_hash", "is", null)
    .orderBy("iat", "asc").orderBy("jti", "asc")
    .limit(Math.max(1, Math.min(limit, MAX_JOBS_PER_POLL))).execute();
  return rows.map(toStoredJob);
}

/**
 * Records the first delivery of these jobs: `created → delivered` (jobs already delivered keep
 * their first `delivered_at`). Returns how many changed.
 *
 * @example
 * ```ts
 * await markDelivered(services.ledger, jobs.map((j) => j.jti), now);
 * ```
 */
export async function markDelivered(
  ledger: Pick<Ledger, "db">,
  jtis: readonly string[],
  now: Date,
): Promise<number> {
  if (jtis.length === 0) return 0;
  const res = await ledger.db.updateTable("remediation_jobs")
    .set({ state: "delivered", delivered_at: now, updated_at: now })
    .where("jti", "in", [...jtis]).where("state", "=", "created").executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * Execute `jti`s of the host confirmed by commit-confirm whose rollback token has not expired
 * (§3.7: listed in `confirmed` until the rollback's `exp`).
 *
 * @example
 * ```ts
 * const confirmed = await confirmedJtisForHost(services.ledger, host.id, now);
 * ```
 */
export async function confirmedJtisForHost(
  ledger: Pick<Ledger, "db">,
  hostId: string,
  now: Date,
): Promise<string[]> {
  const rows = await ledger.db.selectFrom("remediation_jobs as e")
    .innerJoin("remediation_jobs as r", "r.rollback_of", "e.jti")
    .select("e.jti").distinct()
    .where("e.host_id", "=", hostId).where("e.state", "=", "confirmed")
    .where("r.exp", ">", now)
    .orderBy("e.jti", "asc").limit(100).execute();
  return rows.map((r) => r.jti);
}

async function transition(
  services: Pick<Services, "ledger" | "kv" | "clock">,
  jti: string,
  to: JobState,
  from: JobState[],
): Promise<StoredJob | null> {
  const now = services.clock.now();
  const res = await services.ledger.db.updateTable("remediation_jobs")
    .set({ state: to, updated_at: now })
    .where("jti", "=", jti).where("state", "in", from).where("result_hash", "is", null)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return null;
  const job = await getJob(services.ledger, jti);
  if (job) await bumpHostJobs(services.kv, job.orgId, job.hostId);
  return job;
}

/**
 * Cancels a job that has no result yet (`created`, `reserved` or `delivered` → `canceled`): it
 * is no longer delivered. False when it was not cancellable (unknown, finished, already
 * cancelled). A runner that already holds it may still run it and report; that result is
 * accepted (the host's report is the truth).
 *
 * @example
 * ```ts
 * await cancelJob(services, rollbackJti); // a refused execute cancels its rollback (§3.7)
 * ```
 */
export async function cancelJob(
  services: Pick<Services, "ledger" | "kv" | "clock">,
  jti: string,
): Promise<boolean> {
  return (await transition(services, jti, "canceled", ["created", "reserved", "delivered"])) !==
    null;
}

/**
 * Commit-confirm (§3.7): a `succeeded` execute job becomes `confirmed` and its rollback job, if
 * it has no result, is cancelled. The execute `jti` is then listed in `confirmed` of polls until
 * the rollback token's `exp`. False when the job was not a succeeded execute.
 *
 * @example
 * ```ts
 * if (healthy) await confirmJob(services, run.jobJti);
 * ```
 */
export async function confirmJob(
  services: Pick<Services, "ledger" | "kv" | "clock">,
  jti: string,
): Promise<boolean> {
  const now = services.clock.now();
  const res = await services.ledger.db.updateTable("remediation_jobs")
    .set({ state: "confirmed", updated_at: now })
    .where("jti", "=", jti).where("mode", "=", "execute").where("state", "=", "succeeded")
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) return false;
  await services.ledger.db.updateTable("remediation_jobs")
    .set({ state: "canceled", updated_at: now })
    .where("rollback_of", "=", jti).where("state", "in", ["created", "reserved", "delivered"])
    .where("result_hash", "is", null).execute();
  const job = await getJob(services.ledger, jti);
  if (job) await bumpHostJobs(services.kv, job.orgId, job.hostId);
  return true;
}

/** What {@link recordResult} needs about the reporting host (from the verified request). */
export interface ResultReporter {
  id: string;
  orgId: string;
  slug: string;
}

/**
 * Stores a runner's result (§3.6), in order: `404 job_not_found` for an unknown `jti` or another
 * host's job; a repost with the same body hash → `{duplicate: true}`; `400 invalid_result`
 * naming the field (nothing stored); a different body after a stored one → `409
 * result_conflict`. Accepted after `exp` and in any state (the host's report is the truth). The
 * job takes the result's status as its state; a succeeded rollback marks its execute job
 * `rolled_back`. Audited as `host.job.result` in the same transaction; listeners run after.
 *
 * @example
 * ```ts
 * const { duplicate, job } = await recordResult(services, { jti, host, body, bodySha256, ip });
 * ```
 */
export async function recordResult(
  services: Services,
  input: { jti: string; host: ResultReporter; body: Uint8Array; bodySha256: string; ip?: string },
): Promise<{ duplicate: boolean; job: StoredJob }> {
  const job = await getJob(services.ledger, input.jti);
  if (!job || job.hostId !== input.host.id || job.orgId !== input.host.orgId) {
    throw new HttpError(404, "No job with this jti for this host; drop the result.", {
      code: "job_not_found",
    });
  }
  if (job.resultHash !== null) return repost(job, input.bodySha256);
  const result = parseJobResult(input.body, job.claims.steps);
  const now = services.clock.now();
  const stored = await writeTransaction(services.ledger, async (tx) => {
    const res = await tx.db.updateTable("remediation_jobs").set({
      state: result.status,
      result: JSON.stringify(result),
      result_hash: input.bodySha256,
      result_at: now,
      updated_at: now,
    }).where("jti", "=", job.jti).where("result_hash", "is", null).executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return false;
    if (job.mode === "rollback" && job.rollbackOf !== null && result.status === "succeeded") {
      await tx.db.updateTable("remediation_jobs").set({ state: "rolled_back", updated_at: now })
        .where("jti", "=", job.rollbackOf).where("state", "not in", ["refused", "rolled_back"])
        .execute();
    }
    await appendAudit(tx, {
      action: "host.job.result",
      summary: `${job.mode} job ${job.jti} (${job.actionId}) on ${input.host.slug}: ` +
        `${result.status}${result.refusedReason ? ` (${result.refusedReason})` : ""}`,
      actor: { type: "host", id: input.host.id, label: input.host.slug },
      orgId: job.orgId,
      target: { type: "remediation_job", id: job.jti },
      details: {
        jti: job.jti,
        runId: job.runId,
        mode: job.mode,
        actionId: job.actionId,
        planHash: job.planHash,
        status: result.status,
        refusedReason: result.refusedReason ?? null,
        steps: result.steps.map((s) => ({ id: s.id, exitCode: s.exitCode, signal: s.signal })),
        resultSha256: input.bodySha256,
        afterExp: now.getTime() >= job.exp.getTime(),
      },
      ip: input.ip ?? null,
      ts: now,
    });
    return true;
  });
  const after = (await getJob(services.ledger, job.jti))!;
  // Lost a race with a concurrent post of the same job: answer as a repost.
  if (!stored) return repost(after, input.bodySha256);
  await emitJobResult({
    jti: after.jti,
    orgId: after.orgId,
    hostId: after.hostId,
    runId: after.runId,
    mode: after.mode,
    actionId: after.actionId,
    rollbackOf: after.rollbackOf,
    state: result.status,
    result,
    resultAt: now,
  }, services);
  return { duplicate: false, job: after };
}

function repost(job: StoredJob, bodySha256: string): { duplicate: true; job: StoredJob } {
  if (job.resultHash === bodySha256) return { duplicate: true, job };
  throw new HttpError(
    409,
    "A different result is already stored for this job; the first result is kept.",
    { code: "result_conflict" },
  );
}

/**
 * Jobs whose `exp` is at or before `now` without a result: `created → expired` (never
 * delivered), `delivered → outcome_unknown` (§3.6: never `failed`). Reserved rollbacks are left
 * to the lifecycle. Each job changes once however often this runs; listeners hear each change.
 *
 * @example
 * ```ts
 * const { expired, outcomeUnknown } = await expireJobs(services, services.clock.now());
 * ```
 */
export async function expireJobs(
  services: Services,
  now: Date,
): Promise<{ expired: string[]; outcomeUnknown: string[] }> {
  const sweep = async (from: JobState, to: "expired" | "outcome_unknown") => {
    const rows = await services.ledger.db.updateTable("remediation_jobs")
      .set({ state: to, updated_at: now })
      .where("state", "=", from).where("exp", "<=", now).where("result_hash", "is", null)
      .returning(["jti", "org_id", "host_id", "run_id", "mode", "rollback_of"]).execute();
    for (const r of rows) {
      await emitJobExpired({
        jti: r.jti,
        orgId: r.org_id,
        hostId: r.host_id,
        runId: r.run_id,
        mode: r.mode,
        rollbackOf: r.rollback_of,
        state: to,
      }, services);
    }
    return rows.map((r) => r.jti).sort();
  };
  const expired = await sweep("created", "expired");
  const outcomeUnknown = await sweep("delivered", "outcome_unknown");
  return { expired, outcomeUnknown };
}

/**
 * Every job of a remediation run, oldest first (the lifecycle's reconciliation read).
 *
 * @example
 * ```ts
 * const jobs = await jobsOfRun(services.ledger, run.id);
 * ```
 */
export async function jobsOfRun(ledger: Pick<Ledger, "db">, runId: string): Promise<StoredJob[]> {
  const rows = await ledger.db.selectFrom("remediation_jobs").selectAll()
    .where("run_id", "=", runId).orderBy("created_at", "asc").orderBy("jti", "asc").execute();
  return rows.map(toStoredJob);
}
