/**
 * Remediation runs in the ledger: one row per dry-run or execute request, holding the plan as it
 * was built at request time (what was approved is what runs) and its lifecycle:
 *
 * `queued` | `awaiting-approval` → `dispatched` → `running` → `succeeded` | `failed` |
 * `refused`; and `canceled` (rejected or canceled by an operator), `expired` (queue TTL or job
 * expiry), `dead-letter` (dispatch kept failing; replayable).
 *
 * Every state change is one conditional `UPDATE … WHERE state IN (…)`, so two drains, two
 * consumers or a duplicated queue message can never move a run twice.
 *
 * @module
 */

import type { Selectable, Updateable } from "kysely";
import { monotonicFactory } from "ulid";
import type { RemediationRunsTable } from "../db/ledger/schema.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";
import type { JobResult } from "../protocol/job.ts";
import type { Plan, RiskTier } from "./types.ts";

export const RUN_STATES = [
  "queued",
  "awaiting-approval",
  "dispatched",
  "running",
  "succeeded",
  "failed",
  "refused",
  "canceled",
  "expired",
  "dead-letter",
] as const;
export type RunState = typeof RUN_STATES[number];

/** States a run leaves only by an operator (replay) or never. */
export const FINAL_RUN_STATES: readonly RunState[] = [
  "succeeded",
  "failed",
  "refused",
  "canceled",
  "expired",
];
/** States that count against the queue caps. */
export const PENDING_RUN_STATES: readonly RunState[] = [
  "queued",
  "awaiting-approval",
  "dispatched",
  "running",
];

/** Commit-confirm of a reversible execute (agent-protocol §3.7). */
export type ConfirmState = "armed" | "confirmed" | "rolled-back" | "rollback-failed" | "canceled";
/** What the next snapshot said about a succeeded execute. */
export type Verification = "pending" | "verified" | "unverified";

/** One remediation run. */
export interface Run {
  id: string;
  orgId: string;
  hostId: string;
  actionId: string;
  actionVersion: number;
  mode: "dry-run" | "execute";
  planHash: string;
  riskTier: RiskTier;
  params: Record<string, unknown>;
  plan: Plan;
  state: RunState;
  breachId: string | null;
  requestedBy: string;
  requestedIp: string | null;
  needsApproval: boolean;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionReason: string | null;
  attempts: number;
  lastError: string | null;
  deadLetterReason: string | null;
  jobJti: string | null;
  rollbackJti: string | null;
  result: RunResult | null;
  confirmState: ConfirmState | null;
  confirmDeadline: Date | null;
  verification: Verification | null;
  verificationDetail: string | null;
  /** Critical signal codes of the host before the job started (commit-confirm health). */
  healthBaseline: string[] | null;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
  dispatchedAt: Date | null;
  finishedAt: Date | null;
}

/** The runner's report of a job (agent-protocol §3.6), as stored on the run. */
export type RunResult = JobResult;

const nextId = monotonicFactory();

/** A new run id, `run_<ulid>`. */
export const newRunId = (now: Date) => `run_${nextId(now.getTime())}`;

function parseJson<T>(text: string | null): T | null {
  return text === null ? null : JSON.parse(text) as T;
}

/**
 * A ledger row as a {@link Run}.
 *
 * @example
 * ```ts
 * const row = await tx.db.selectFrom("remediation_runs").selectAll().where("id", "=", id).executeTakeFirst();
 * const run = row ? toRun(row) : null;
 * ```
 */
export function toRun(row: Selectable<RemediationRunsTable>): Run {
  return {
    id: row.id,
    orgId: row.org_id,
    hostId: row.host_id,
    actionId: row.action_id,
    actionVersion: Number(row.action_version),
    mode: row.mode,
    planHash: row.plan_hash,
    riskTier: row.risk_tier as RiskTier,
    params: JSON.parse(row.params),
    plan: JSON.parse(row.plan),
    state: row.state as RunState,
    breachId: row.breach_id,
    requestedBy: row.requested_by,
    requestedIp: row.requested_ip,
    needsApproval: Number(row.needs_approval) === 1,
    decidedBy: row.decided_by,
    decidedAt: toDateOrNull(row.decided_at),
    decisionReason: row.decision_reason,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    deadLetterReason: row.dead_letter_reason,
    jobJti: row.job_jti,
    rollbackJti: row.rollback_jti,
    result: parseJson<RunResult>(row.result),
    confirmState: row.confirm_state as ConfirmState | null,
    confirmDeadline: toDateOrNull(row.confirm_deadline),
    verification: row.verification as Verification | null,
    verificationDetail: row.verification_detail,
    healthBaseline: parseJson<string[]>(row.health_baseline),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    expiresAt: toDate(row.expires_at),
    dispatchedAt: toDateOrNull(row.dispatched_at),
    finishedAt: toDateOrNull(row.finished_at),
  };
}

/** What {@link insertRun} needs. */
export interface NewRun {
  orgId: string;
  hostId: string;
  mode: "dry-run" | "execute";
  plan: Plan;
  state: "queued" | "awaiting-approval";
  needsApproval: boolean;
  breachId: string | null;
  requestedBy: string;
  requestedIp: string | null;
  now: Date;
  expiresAt: Date;
}

/**
 * Inserts a run and returns it.
 *
 * @example
 * ```ts
 * const run = await insertRun(tx, { orgId, hostId, mode: "dry-run", plan, state: "queued", … });
 * ```
 */
export async function insertRun(tx: LedgerTx, input: NewRun): Promise<Run> {
  const id = newRunId(input.now);
  await tx.db.insertInto("remediation_runs").values({
    id,
    org_id: input.orgId,
    host_id: input.hostId,
    action_id: input.plan.actionId,
    action_version: input.plan.actionVersion,
    mode: input.mode,
    plan_hash: input.plan.planHash,
    risk_tier: input.plan.riskTier,
    params: JSON.stringify(input.plan.params),
    plan: JSON.stringify(input.plan),
    state: input.state,
    breach_id: input.breachId,
    requested_by: input.requestedBy,
    requested_ip: input.requestedIp,
    needs_approval: input.needsApproval ? 1 : 0,
    created_at: input.now,
    updated_at: input.now,
    expires_at: input.expiresAt,
  }).execute();
  return (await getRun(tx, id))!;
}

/**
 * A run by id (any org), or null.
 *
 * @example
 * ```ts
 * const run = await getRun(services.ledger, runId);
 * ```
 */
export async function getRun(tx: LedgerTx, id: string): Promise<Run | null> {
  const row = await tx.db.selectFrom("remediation_runs").selectAll().where("id", "=", id)
    .executeTakeFirst();
  return row ? toRun(row) : null;
}

/**
 * A run of `orgId`, or null (another org's run is never found).
 *
 * @example
 * ```ts
 * const run = await getOrgRun(services.ledger, org.id, runId);
 * ```
 */
export async function getOrgRun(tx: LedgerTx, orgId: string, id: string): Promise<Run | null> {
  const run = await getRun(tx, id);
  return run && run.orgId === orgId ? run : null;
}

/** Column updates that may accompany a state change. */
export type RunChanges = Omit<
  Updateable<RemediationRunsTable>,
  "id" | "org_id" | "host_id" | "state"
>;

/**
 * Moves a run from one of `from` to `to` with `changes`, atomically: true when this call moved
 * it, false when it was in another state (someone else moved it first).
 *
 * @example
 * ```ts
 * if (await moveRun(tx, run.id, ["queued"], "dispatched", { dispatched_at: now }, now)) { … }
 * ```
 */
export async function moveRun(
  tx: LedgerTx,
  id: string,
  from: readonly RunState[],
  to: RunState,
  changes: RunChanges,
  now: Date,
): Promise<boolean> {
  const result = await tx.db.updateTable("remediation_runs")
    .set({ ...changes, state: to, updated_at: now })
    .where("id", "=", id).where("state", "in", [...from])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Updates columns of a run without changing its state, only while it is in one of `inStates`.
 *
 * @example
 * ```ts
 * await updateRun(tx, run.id, ["succeeded"], { verification: "verified" }, now);
 * ```
 */
export async function updateRun(
  tx: LedgerTx,
  id: string,
  inStates: readonly RunState[],
  changes: RunChanges,
  now: Date,
): Promise<boolean> {
  const result = await tx.db.updateTable("remediation_runs")
    .set({ ...changes, updated_at: now })
    .where("id", "=", id).where("state", "in", [...inStates])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Longest page of {@link listRuns}. */
export const MAX_RUNS_PAGE = 200;

/**
 * A run id as {@link newRunId} issues it: `run_` and a ULID (26 Crockford base32 characters,
 * upper case, the first 0-7). List endpoints check cursors against it before they reach SQL.
 *
 * @example
 * ```ts
 * RUN_ID_PATTERN.test("run_01JDX3S7Q4M0C5V2YH7R8K9ZTA"); // true
 * RUN_ID_PATTERN.test("not a run id!"); // false
 * ```
 */
export const RUN_ID_PATTERN = /^run_[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** Filters of {@link listRuns}. */
export interface ListRunsOptions {
  hostId?: string;
  states?: readonly RunState[];
  /** Page size, at most {@link MAX_RUNS_PAGE} (larger asks are cut to it); default 50. */
  limit?: number;
  /** Runs created before this id (cursor paging, newest first). */
  before?: string;
  /**
   * Runs created after this id, oldest first (cursor paging for work that must reach every run,
   * such as a drain). Pass `""` for the first page. Ignored when `before` is set.
   */
  after?: string;
}

/**
 * Runs of an organization, newest first (oldest first with `after`). Ids are time-ordered and
 * unique, so the last id of a page is an exact cursor: pass it as `before` (or `after`) for the
 * next page; nothing is skipped or repeated.
 *
 * @example
 * ```ts
 * const queue = await listRuns(services.ledger, org.id, { states: PENDING_RUN_STATES });
 * const older = await listRuns(services.ledger, org.id, { before: queue.at(-1)!.id });
 * ```
 */
export async function listRuns(
  tx: LedgerTx,
  orgId: string,
  options: ListRunsOptions = {},
): Promise<Run[]> {
  let query = tx.db.selectFrom("remediation_runs").selectAll().where("org_id", "=", orgId);
  if (options.hostId) query = query.where("host_id", "=", options.hostId);
  if (options.states?.length) query = query.where("state", "in", [...options.states]);
  const oldestFirst = !options.before && options.after !== undefined;
  if (options.before) query = query.where("id", "<", options.before);
  else if (options.after) query = query.where("id", ">", options.after);
  const rows = await query.orderBy("id", oldestFirst ? "asc" : "desc")
    .limit(Math.min(options.limit ?? 50, MAX_RUNS_PAGE))
    .execute();
  return rows.map(toRun);
}

/**
 * The run that owns job `jti` (as its job or its rollback), or null.
 *
 * @example
 * ```ts
 * const run = await runOfJob(services.ledger, jti);
 * ```
 */
export async function runOfJob(tx: LedgerTx, jti: string): Promise<Run | null> {
  const row = await tx.db.selectFrom("remediation_runs").selectAll()
    .where((eb) => eb.or([eb("job_jti", "=", jti), eb("rollback_jti", "=", jti)]))
    .executeTakeFirst();
  return row ? toRun(row) : null;
}

/** Counts the guards need (product §1.2). */
export interface RunCounts {
  /** Execute runs of this host and action created since `since` (cooldown). */
  recentSameAction: Date[];
  /** Execute runs of this host created in the last hour. */
  executesLastHour: number;
  /** Pending runs of this host. */
  queuedForHost: number;
  /** Pending runs everywhere (global cap). */
  queuedGlobal: number;
}

/**
 * The counts behind cooldown, hourly cap and queue caps.
 *
 * @example
 * ```ts
 * const counts = await runCounts(tx, { hostId, actionId, now, cooldownSince });
 * ```
 */
export async function runCounts(
  tx: LedgerTx,
  input: { hostId: string; actionId: string; now: Date; cooldownSince: Date },
): Promise<RunCounts> {
  const hourAgo = new Date(input.now.getTime() - 3_600_000);
  const counted = ["queued", "awaiting-approval", "dispatched", "running", "succeeded", "failed"];
  const recent = await tx.db.selectFrom("remediation_runs").select(["action_id", "created_at"])
    .where("host_id", "=", input.hostId).where("mode", "=", "execute")
    .where("created_at", ">=", input.cooldownSince < hourAgo ? input.cooldownSince : hourAgo)
    .where("state", "in", counted).execute();
  const pendingForHost = await tx.db.selectFrom("remediation_runs")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("host_id", "=", input.hostId).where("state", "in", [...PENDING_RUN_STATES])
    .executeTakeFirstOrThrow();
  const pendingGlobal = await tx.db.selectFrom("remediation_runs")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("state", "in", [...PENDING_RUN_STATES]).executeTakeFirstOrThrow();
  return {
    recentSameAction: recent
      .filter((r) => r.action_id === input.actionId)
      .map((r) => toDate(r.created_at))
      .filter((d) => d >= input.cooldownSince),
    executesLastHour: recent.filter((r) => toDate(r.created_at) >= hourAgo).length,
    queuedForHost: Number(pendingForHost.n),
    queuedGlobal: Number(pendingGlobal.n),
  };
}

/**
 * The newest succeeded dry-run of `planHash` on the host since `since`, or null.
 *
 * @example
 * ```ts
 * const dryRun = await succeededDryRun(tx, hostId, plan.planHash, new Date(now.getTime() - 30 * 60_000));
 * ```
 */
export async function succeededDryRun(
  tx: LedgerTx,
  hostId: string,
  planHash: string,
  since: Date,
): Promise<Run | null> {
  const row = await tx.db.selectFrom("remediation_runs").selectAll()
    .where("host_id", "=", hostId).where("mode", "=", "dry-run")
    .where("plan_hash", "=", planHash).where("state", "=", "succeeded")
    .where("finished_at", ">=", since)
    .orderBy("finished_at", "desc").limit(1).executeTakeFirst();
  return row ? toRun(row) : null;
}

/**
 * Runs whose job was just delivered to the host's runner move `dispatched → running` (the
 * protocol reports nothing between delivery and the result).
 *
 * @example
 * ```ts
 * await markRunsRunning(services.ledger, deliveredJtis, now);
 * ```
 */
export async function markRunsRunning(
  tx: LedgerTx,
  jtis: readonly string[],
  now: Date,
): Promise<void> {
  if (jtis.length === 0) return;
  await tx.db.updateTable("remediation_runs").set({ state: "running", updated_at: now })
    .where("job_jti", "in", [...jtis]).where("state", "=", "dispatched").execute();
}

/** An execute of an action on a host that is on the way, running or armed (see below). */
export interface UnsettledExecute {
  id: string;
  state: RunState;
  /** `armed` while its rollback waits for a healthy snapshot. */
  confirmState: ConfirmState | null;
  confirmDeadline: Date | null;
}

/**
 * The executes of `actionId` on a host that have not settled: on the way or running on the host
 * (their result, and possibly their rollback, are still to come) or armed (their rollback would
 * undo another execute of the action). Executes of one action on one host go one at a time: the
 * request guard refuses an execute while one is armed, and dispatch holds it while any is here.
 *
 * @example
 * ```ts
 * const unsettled = await unsettledExecutes(ledger, { orgId, hostId, actionId: "block-ip" });
 * const armed = unsettled.filter((r) => r.confirmState === "armed");
 * ```
 */
export async function unsettledExecutes(
  tx: LedgerTx,
  input: { orgId: string; hostId: string; actionId: string },
): Promise<UnsettledExecute[]> {
  const rows = await tx.db.selectFrom("remediation_runs")
    .select(["id", "state", "confirm_state", "confirm_deadline"])
    .where("org_id", "=", input.orgId).where("host_id", "=", input.hostId)
    .where("action_id", "=", input.actionId).where("mode", "=", "execute")
    .where((eb) =>
      eb.or([
        eb("state", "in", ["dispatched", "running"]),
        eb.and([eb("state", "=", "succeeded"), eb("confirm_state", "=", "armed")]),
      ])
    )
    .orderBy("id", "asc").limit(50).execute();
  return rows.map((r) => ({
    id: r.id,
    state: r.state as RunState,
    confirmState: (r.confirm_state ?? null) as ConfirmState | null,
    confirmDeadline: toDateOrNull(r.confirm_deadline),
  }));
}
