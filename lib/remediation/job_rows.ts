/**
 * The `remediation_jobs` row as a domain value ({@link StoredJob}), its states, job ids, and the
 * per-host "jobs changed" KV key that wakes long polls. Shared by `job_create.ts` and
 * `job_store.ts`; callers import from `job_store.ts`.
 *
 * @module
 */

import type { Selectable } from "kysely";
import { monotonicFactory } from "ulid";
import { agentJobsChangedKey } from "../db/kv.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import type { RemediationJobsTable } from "../db/ledger/schema.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";
import type { JobClaims, JobMode, JobResult } from "../protocol/job.ts";

/**
 * Job states (agent-protocol §3.6 delivery summary, §3.7): `created` (deliverable), `reserved`
 * (a rollback not yet released), `delivered`, `refused`, `running`, `succeeded`, `failed`,
 * `expired` (never delivered), `outcome_unknown` (delivered, no result by `exp`), `canceled`,
 * `confirmed` (execute kept by commit-confirm), `rolled_back` (execute undone by its rollback).
 */
export const JOB_STATES = [
  "created",
  "reserved",
  "delivered",
  "refused",
  "running",
  "succeeded",
  "failed",
  "expired",
  "outcome_unknown",
  "canceled",
  "confirmed",
  "rolled_back",
] as const;
/** A job state. */
export type JobState = typeof JOB_STATES[number];

/** A stored job. */
export interface StoredJob {
  jti: string;
  orgId: string;
  hostId: string;
  runId: string;
  mode: JobMode;
  actionId: string;
  actionVersion: number;
  planHash: string;
  claims: JobClaims;
  /** The compact JWS delivered to the runner. */
  jws: string;
  /** The signing key's id. */
  kid: string;
  iat: Date;
  exp: Date;
  state: JobState;
  deliveredAt: Date | null;
  result: JobResult | null;
  /** Hex SHA-256 of the result body as received. */
  resultHash: string | null;
  resultAt: Date | null;
  rollbackOf: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * A `remediation_jobs` row as a {@link StoredJob}.
 *
 * @example
 * ```ts
 * const job = toStoredJob(await ledger.db.selectFrom("remediation_jobs").selectAll().executeTakeFirstOrThrow());
 * ```
 */
export function toStoredJob(row: Selectable<RemediationJobsTable>): StoredJob {
  return {
    jti: row.jti,
    orgId: row.org_id,
    hostId: row.host_id,
    runId: row.run_id,
    mode: row.mode,
    actionId: row.action_id,
    actionVersion: Number(row.action_version),
    planHash: row.plan_hash,
    claims: JSON.parse(row.claims),
    jws: row.jws,
    kid: row.kid,
    iat: toDate(row.iat),
    exp: toDate(row.exp),
    state: row.state as JobState,
    deliveredAt: toDateOrNull(row.delivered_at),
    result: row.result === null ? null : JSON.parse(row.result),
    resultHash: row.result_hash,
    resultAt: toDateOrNull(row.result_at),
    rollbackOf: row.rollback_of,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/**
 * The job with this `jti`, or null.
 *
 * @example
 * ```ts
 * const job = await getJob(services.ledger, "job_01JDX5B2C3D4E5F6G7H8J9K0MN");
 * ```
 */
export async function getJob(ledger: Pick<Ledger, "db">, jti: string): Promise<StoredJob | null> {
  const row = await ledger.db.selectFrom("remediation_jobs").selectAll().where("jti", "=", jti)
    .executeTakeFirst();
  return row ? toStoredJob(row) : null;
}

const nextUlid = monotonicFactory();

/**
 * A new job id: `job_<ulid>` (30 characters, within the `jti` syntax of §3.2).
 *
 * @example
 * ```ts
 * newJti(); // "job_01JDX5B2C3D4E5F6G7H8J9K0MN"
 * ```
 */
export function newJti(): string {
  return `job_${nextUlid()}`;
}

/** How long a "jobs changed" marker lives (a long poll lasts at most 25 s). */
const CHANGED_TTL_MS = 24 * 3600_000;

/**
 * Wakes the host's long polls: sets its {@link agentJobsChangedKey} to a new value.
 *
 * @example
 * ```ts
 * await bumpHostJobs(services.kv, job.orgId, job.hostId);
 * ```
 */
export async function bumpHostJobs(kv: Deno.Kv, orgId: string, hostId: string): Promise<void> {
  await kv.set(agentJobsChangedKey(orgId, hostId), nextUlid(), { expireIn: CHANGED_TTL_MS });
}
