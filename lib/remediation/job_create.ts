/**
 * Creating signed jobs (agent-protocol §3.2) and the commit-confirm pair of §3.7: an execute job
 * of a reversible action whose rollback job is signed and **reserved** at the same time, embedded
 * in the execute's `confirm`, and released (re-signed with fresh `iat`/`exp`, same `jti`) only
 * when the lifecycle decides so. Callers import these from `job_store.ts`.
 *
 * @module
 */

import { writeTransaction } from "../db/ledger/transaction.ts";
import type { JobMode, JobStep } from "../protocol/job.ts";
import type { Services } from "../services.ts";
import { getActiveJobSigningKey, type JobSigningKey } from "./job_keys.ts";
import { bumpHostJobs, getJob, newJti, type StoredJob } from "./job_rows.ts";
import {
  type JobClaims,
  JobClaimsError,
  type JobConfirm,
  MAX_JOB_LIFETIME_S,
  signJob,
} from "./job_token.ts";

type CreateServices = Pick<Services, "ledger" | "kv" | "config" | "clock">;

/** What {@link createJob} signs. */
export interface CreateJobInput {
  orgId: string;
  hostId: string;
  runId: string;
  mode: JobMode;
  actionId: string;
  actionVersion: number;
  steps: JobStep[];
  /** Required for (and only for) `rollback`: the execute `jti` it undoes (same host). */
  rollbackOf?: string;
  /** Only for `execute`; usually made by {@link createExecuteWithRollback}. */
  confirm?: JobConfirm;
  /** `exp − iat`, 1-900 s (default 900). */
  ttlSec?: number;
}

/** What {@link createExecuteWithRollback} signs. */
export interface CreateExecuteWithRollbackInput
  extends Omit<CreateJobInput, "mode" | "rollbackOf" | "confirm"> {
  /** The steps that undo `steps`. */
  rollbackSteps: JobStep[];
  /** Commit-confirm window, 120-600 s. */
  confirmWindowSec: number;
}

const unixSeconds = (d: Date) => Math.floor(d.getTime() / 1000);

function ttlOf(ttlSec: number | undefined): number {
  const ttl = ttlSec ?? MAX_JOB_LIFETIME_S;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > MAX_JOB_LIFETIME_S) {
    throw new JobClaimsError([`ttlSec must be an integer 1-${MAX_JOB_LIFETIME_S}`]);
  }
  return ttl;
}

async function assertHostOfOrg(services: CreateServices, orgId: string, hostId: string) {
  const host = await services.ledger.db.selectFrom("hosts").select("org_id")
    .where("id", "=", hostId).executeTakeFirst();
  if (host?.org_id !== orgId) throw new JobClaimsError(["hostId is not a host of orgId"]);
}

function row(
  input: { orgId: string; hostId: string },
  key: JobSigningKey,
  signed: { jws: string; claims: JobClaims },
  state: "created" | "reserved",
  now: Date,
) {
  const c = signed.claims;
  return {
    jti: c.jti,
    org_id: input.orgId,
    host_id: input.hostId,
    run_id: c.runId,
    mode: c.mode,
    action_id: c.actionId,
    action_version: c.actionVersion,
    plan_hash: c.planHash,
    claims: JSON.stringify(c),
    jws: signed.jws,
    kid: key.kid,
    iat: new Date(c.iat * 1000),
    exp: new Date(c.exp * 1000),
    state,
    rollback_of: c.rollbackOf ?? null,
    created_at: now,
    updated_at: now,
  };
}

/**
 * Signs a job with the active job-signing key and stores it as `created` (deliverable), then
 * wakes the host's long polls. Throws `400 invalid_claims` (JobClaimsError, naming the field)
 * before anything is signed or stored when the claims break §3.2, the host is not the org's, or
 * `rollbackOf` is not an execute job of the same host.
 *
 * @example
 * ```ts
 * const job = await createJob(services, { orgId, hostId, runId, mode: "dry-run",
 *   actionId: plan.actionId, actionVersion: plan.actionVersion, steps: plan.dryRunSteps });
 * ```
 */
export async function createJob(
  services: CreateServices,
  input: CreateJobInput,
): Promise<StoredJob> {
  const ttl = ttlOf(input.ttlSec);
  await assertHostOfOrg(services, input.orgId, input.hostId);
  if (input.rollbackOf !== undefined) {
    const target = await getJob(services.ledger, input.rollbackOf);
    if (target?.hostId !== input.hostId || target.mode !== "execute") {
      throw new JobClaimsError(["rollbackOf is not an execute job of this host"]);
    }
  }
  const key = await getActiveJobSigningKey(services);
  const now = services.clock.now();
  const iat = unixSeconds(now);
  const signed = await signJob(key, {
    jti: newJti(),
    iss: services.config.publicOrigin,
    aud: input.hostId,
    iat,
    exp: iat + ttl,
    runId: input.runId,
    actionId: input.actionId,
    actionVersion: input.actionVersion,
    mode: input.mode,
    steps: input.steps,
    rollbackOf: input.rollbackOf,
    confirm: input.confirm,
  });
  const values = row(input, key, signed, "created", now);
  await services.ledger.db.insertInto("remediation_jobs").values(values).execute();
  await bumpHostJobs(services.kv, input.orgId, input.hostId);
  return (await getJob(services.ledger, values.jti))!;
}

/**
 * The §3.7 pair: the rollback job (`mode: rollback`, `rollbackOf` = the execute `jti`, its own
 * reserved `jti`, `exp = iat + 900`) is signed first and stored as `reserved` (not delivered);
 * the execute job carries it as `confirm = {windowSec, rollback}` and is stored as `created`.
 * Both rows in one transaction. Refuses (`400 invalid_claims`, field `confirm.windowSec`) a
 * window that check 18 of §3.3 could never satisfy: `Σ timeoutMs/1000 + windowSec + 30` must
 * fit in the rollback token's 900 s.
 *
 * @example
 * ```ts
 * const { execute, rollback } = await createExecuteWithRollback(services, { orgId, hostId, runId,
 *   actionId, actionVersion, steps: plan.steps, rollbackSteps: plan.rollbackSteps,
 *   confirmWindowSec: plan.confirmWindowSec ?? 600 });
 * ```
 */
export async function createExecuteWithRollback(
  services: CreateServices,
  input: CreateExecuteWithRollbackInput,
): Promise<{ execute: StoredJob; rollback: StoredJob }> {
  const ttl = ttlOf(input.ttlSec);
  await assertHostOfOrg(services, input.orgId, input.hostId);
  const window = input.confirmWindowSec;
  const budget = input.steps.reduce((sum, s) => sum + (Number(s?.timeoutMs) || 0), 0) / 1000;
  if (Number.isInteger(window) && budget + window + 30 > MAX_JOB_LIFETIME_S) {
    throw new JobClaimsError([
      `confirm.windowSec ${window} + step timeouts ${budget} s + 30 s exceed the rollback ` +
      `token's ${MAX_JOB_LIFETIME_S} s (agent-protocol §3.3 check 18)`,
    ]);
  }
  const key = await getActiveJobSigningKey(services);
  const now = services.clock.now();
  const iat = unixSeconds(now);
  const executeJti = newJti();
  const common = {
    iss: services.config.publicOrigin,
    aud: input.hostId,
    iat,
    runId: input.runId,
    actionId: input.actionId,
    actionVersion: input.actionVersion,
  };
  const rollback = await signJob(key, {
    ...common,
    jti: newJti(),
    exp: iat + MAX_JOB_LIFETIME_S,
    mode: "rollback",
    steps: input.rollbackSteps,
    rollbackOf: executeJti,
  }).catch((error) => {
    // Name the input field: the rollback's `steps` are the caller's `rollbackSteps`.
    if (!(error instanceof JobClaimsError)) throw error;
    throw new JobClaimsError(error.problems.map((p) => p.replace(/^steps/, "rollbackSteps")));
  });
  const execute = await signJob(key, {
    ...common,
    jti: executeJti,
    exp: iat + ttl,
    mode: "execute",
    steps: input.steps,
    confirm: { windowSec: window, rollback: rollback.jws },
  });
  await writeTransaction(services.ledger, async (tx) => {
    await tx.db.insertInto("remediation_jobs")
      .values(row(input, key, execute, "created", now)).execute();
    await tx.db.insertInto("remediation_jobs")
      .values(row(input, key, rollback, "reserved", now)).execute();
  });
  await bumpHostJobs(services.kv, input.orgId, input.hostId);
  return {
    execute: (await getJob(services.ledger, execute.claims.jti))!,
    rollback: (await getJob(services.ledger, rollback.claims.jti))!,
  };
}

/**
 * Makes a reserved rollback deliverable (§3.7): re-signed now with fresh `iat`/`exp` and the
 * reserved `jti`, state `reserved → created` with a compare-and-set, so of two concurrent
 * releases exactly one wins. Null when the job is not (or no longer) reserved.
 *
 * @example
 * ```ts
 * const released = await releaseRollback(services, run.rollbackJti); // null: already released
 * ```
 */
export async function releaseRollback(
  services: CreateServices,
  jti: string,
  options: { ttlSec?: number } = {},
): Promise<StoredJob | null> {
  const ttl = ttlOf(options.ttlSec);
  const job = await getJob(services.ledger, jti);
  if (job?.state !== "reserved") return null;
  const key = await getActiveJobSigningKey(services);
  const now = services.clock.now();
  const iat = unixSeconds(now);
  const { planHash: _, ...claims } = job.claims;
  const signed = await signJob(key, { ...claims, iat, exp: iat + ttl });
  const values = row(job, key, signed, "created", now);
  const updated = await services.ledger.db.updateTable("remediation_jobs").set({
    claims: values.claims,
    jws: values.jws,
    kid: values.kid,
    iat: values.iat,
    exp: values.exp,
    state: "created",
    updated_at: now,
  }).where("jti", "=", jti).where("state", "=", "reserved").executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) return null;
  await bumpHostJobs(services.kv, job.orgId, job.hostId);
  return await getJob(services.ledger, jti);
}
