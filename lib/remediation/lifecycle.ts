/**
 * The run lifecycle driven by queue messages and operators: dispatch a queued run to the host
 * channel as signed job(s), expire it after the queue TTL, approve / reject / cancel, drain the
 * queue by hand, and replay dead-lettered runs. Each step claims the run with one conditional
 * state change first, so concurrent drains and duplicated deliveries never create a job twice.
 *
 * @module
 */

import type { ActorRef } from "../auth/roles.ts";
import { appendAudit } from "../audit/append.ts";
import { writeTransaction } from "../db/ledger/transaction.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Services } from "../services.ts";
import { cancelJob } from "./job_store.ts";
import { createExecuteWithRollback, createJob } from "./job_create.ts";
import { getOrgPolicy, hostGuardPolicy } from "./policy_store.ts";
import { retryDelaySec } from "./profiles.ts";
import { loadPlanInput } from "./plan_input.ts";
import { enqueueRunMessage } from "./queue_messages.ts";
import {
  getRun,
  listRuns,
  moveRun,
  type Run,
  type RunState,
  unsettledExecutes,
  updateRun,
} from "./runs.ts";
import { getHost } from "../hosts/registry.ts";
import { noteRun } from "../live/notes.ts";

/** The system actor of queue consumers. */
const QUEUE_ACTOR: ActorRef = { type: "system", id: "remediation-queue" };

/** Appends one audit entry about a run, and notes the change for live views (with KV). */
export async function auditRun(
  services: Pick<Services, "ledger" | "clock"> & Partial<Pick<Services, "kv" | "log">>,
  run: Pick<Run, "id" | "orgId" | "hostId" | "actionId" | "mode" | "planHash">,
  action: string,
  summary: string,
  actor: ActorRef = QUEUE_ACTOR,
  details: Record<string, unknown> = {},
): Promise<void> {
  await appendAudit(services.ledger, {
    orgId: run.orgId,
    actor,
    action,
    summary,
    target: { type: "remediation_run", id: run.id },
    details: {
      hostId: run.hostId,
      actionId: run.actionId,
      mode: run.mode,
      planHash: run.planHash,
      ...details,
    },
    ts: services.clock.now(),
  });
  await noteRun(services, run, action);
}

/**
 * Hands a queued run to the host channel: claims it (`queued → dispatched`), then signs its job
 * (dry-run steps, or execute steps with the reserved rollback of a reversible plan). A run past
 * its queue TTL expires instead; an execute meets the kill switch again here (it stays queued and
 * retries later). A failure to create the job retries with backoff, then dead-letters.
 * Returns the run as it ends up (null: unknown run).
 *
 * @example
 * ```ts
 * await dispatchRun(services, runId);
 * ```
 */
export async function dispatchRun(services: Services, runId: string): Promise<Run | null> {
  const run = await getRun(services.ledger, runId);
  if (!run || run.state !== "queued") return run;
  const now = services.clock.now();
  if (now >= run.expiresAt) return await expireRun(services, runId);
  const { org, policy } = await hostGuardPolicy(services.ledger, run);
  if (run.mode === "execute" && org.frozen) {
    // Frozen after it was queued: hold it; the TTL timer expires it if the freeze lasts.
    await enqueueRunMessage(services, "remediation.dispatch", run.id, 60_000);
    return run;
  }
  // Another execute of this action on the host is on the way, running or armed: its result or
  // rollback could undo this change. Hold it until that one settles (the TTL bounds the wait).
  if (
    run.mode === "execute" &&
    (await unsettledExecutes(services.ledger, run)).some((other) => other.id !== run.id)
  ) {
    await enqueueRunMessage(services, "remediation.dispatch", run.id, 60_000);
    return run;
  }
  const claimed = await moveRun(
    services.ledger,
    run.id,
    ["queued"],
    "dispatched",
    { dispatched_at: now, attempts: run.attempts + 1 },
    now,
  );
  if (!claimed) return await getRun(services.ledger, run.id);
  try {
    const host = await getHost(services.ledger, run.orgId, run.hostId);
    if (!host) throw new Error("the host was deleted");
    const baseline = (await loadPlanInput(services, host)).signals
      .filter((s) => s.severity === "critical").map((s) => s.code);
    const common = {
      orgId: run.orgId,
      hostId: run.hostId,
      runId: run.id,
      actionId: run.actionId,
      actionVersion: run.actionVersion,
    };
    let jobJti: string, rollbackJti: string | null = null;
    if (run.mode === "dry-run") {
      jobJti =
        (await createJob(services, { ...common, mode: "dry-run", steps: run.plan.dryRunSteps }))
          .jti;
    } else if (run.plan.reversible && run.plan.confirmWindowSec !== null) {
      const jobs = await createExecuteWithRollback(services, {
        ...common,
        steps: run.plan.steps,
        rollbackSteps: run.plan.rollbackSteps,
        confirmWindowSec: run.plan.confirmWindowSec,
      });
      jobJti = jobs.execute.jti;
      rollbackJti = jobs.rollback.jti;
    } else {
      jobJti = (await createJob(services, { ...common, mode: "execute", steps: run.plan.steps }))
        .jti;
    }
    await updateRun(services.ledger, run.id, ["dispatched"], {
      job_jti: jobJti,
      rollback_jti: rollbackJti,
      health_baseline: JSON.stringify([...new Set(baseline)].sort()),
      last_error: null,
    }, now);
    await auditRun(
      services,
      run,
      "remediation.run.dispatch",
      `run ${run.id} sent as job ${jobJti}`,
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const attempt = run.attempts + 1;
    const delay = retryDelaySec(policy.knobs, attempt);
    if (delay === null) {
      await moveRun(services.ledger, run.id, ["dispatched"], "dead-letter", {
        last_error: reason,
        dead_letter_reason: `dispatch failed ${
          attempt === 1 ? "once" : `${attempt} times`
        }: ${reason}`,
      }, now);
      await auditRun(services, run, "remediation.run.dead_letter", `run ${run.id}: ${reason}`);
    } else {
      await moveRun(services.ledger, run.id, ["dispatched"], "queued", { last_error: reason }, now);
      await noteRun(services, run, "remediation.run.retry");
      await enqueueRunMessage(services, "remediation.dispatch", run.id, delay * 1000);
    }
    services.log.warn("remediation dispatch failed", { runId: run.id, attempt, error: reason });
  }
  return await getRun(services.ledger, run.id);
}

/**
 * Expires a run still queued or awaiting approval past its TTL (the `remediation.expire`
 * timer); anything else is left alone.
 *
 * @example
 * ```ts
 * await expireRun(services, runId);
 * ```
 */
export async function expireRun(services: Services, runId: string): Promise<Run | null> {
  const run = await getRun(services.ledger, runId);
  const now = services.clock.now();
  if (!run || now < run.expiresAt) return run;
  if (
    await moveRun(services.ledger, runId, ["queued", "awaiting-approval"], "expired", {
      finished_at: now,
      last_error: "not dispatched within the queue TTL",
    }, now)
  ) {
    await auditRun(services, run, "remediation.run.expire", `run ${run.id} expired in the queue`);
  }
  return await getRun(services.ledger, runId);
}

/** An operator's decision on a run. */
export type RunDecision = "approve" | "reject" | "cancel";

/**
 * Approves, rejects or cancels a run of `orgId`. Approve: only `awaiting-approval`, never by the
 * requester (`403 approval_by_requester`), never while remediation is frozen (`423 kill_switch`,
 * naming the freeze reason); the run is queued and dispatched. Reject: from
 * `awaiting-approval`. Cancel: any pending state (a signed job not yet run is withdrawn).
 * `409 invalid_transition` otherwise.
 *
 * @example
 * ```ts
 * await decideRun(services, { orgId, runId, decision: "approve", userId, actor, reason: "" });
 * ```
 */
export async function decideRun(
  services: Services,
  input: {
    orgId: string;
    runId: string;
    decision: RunDecision;
    userId: string;
    actor: ActorRef;
    reason: string | null;
  },
): Promise<Run> {
  const run = await getRun(services.ledger, input.runId);
  if (!run || run.orgId !== input.orgId) {
    throw new HttpError(404, "No such remediation run.", {
      code: "run_not_found",
      details: { field: "runId" },
    });
  }
  const now = services.clock.now();
  const from: Record<RunDecision, RunState[]> = {
    approve: ["awaiting-approval"],
    reject: ["awaiting-approval"],
    cancel: ["queued", "awaiting-approval", "dispatched", "dead-letter"],
  };
  if (input.decision === "approve" && run.requestedBy === input.userId) {
    await auditRun(
      services,
      run,
      "remediation.run.approve.denied",
      `${input.actor.label ?? input.userId} cannot approve their own request`,
      input.actor,
    );
    throw new HttpError(
      403,
      "You requested this run; a different person must approve it (two-person rule).",
      { code: "approval_by_requester" },
    );
  }
  if (input.decision === "approve" && run.state === "awaiting-approval") {
    // An approval while frozen would queue a run that then executes silently once the freeze
    // is lifted: refuse it, as the kill switch refuses executes. Reject and cancel stay allowed.
    const org = await getOrgPolicy(services.ledger, run.orgId);
    if (org.frozen) {
      const reason = org.frozenReason?.trim();
      const message = `Remediation is frozen${
        reason ? ` (reason: ${reason})` : ""
      }: approve after the freeze is lifted.`;
      await auditRun(
        services,
        run,
        "remediation.run.approve.denied",
        `${input.actor.label ?? input.userId} cannot approve run ${run.id}: ${message}`,
        input.actor,
        { rule: "kill_switch" },
      );
      throw new HttpError(423, message, {
        code: "kill_switch",
        details: { rule: "kill_switch", frozenReason: reason ?? null },
      });
    }
  }
  const to: RunState = input.decision === "approve" ? "queued" : "canceled";
  const moved = await writeTransaction(
    services.ledger,
    (tx) =>
      moveRun(tx, run.id, from[input.decision], to, {
        decided_by: input.userId,
        decided_at: now,
        decision_reason: input.reason,
        ...(to === "canceled" ? { finished_at: now } : {}),
      }, now),
  );
  if (!moved) {
    throw new HttpError(
      409,
      `The run is ${run.state}; it cannot be ${input.decision}d now.`,
      { code: "invalid_transition", details: { state: run.state } },
    );
  }
  if (to === "canceled") {
    for (const jti of [run.jobJti, run.rollbackJti]) if (jti) await cancelJob(services, jti);
  }
  await auditRun(
    services,
    run,
    `remediation.run.${input.decision}`,
    `run ${run.id} ${input.decision === "approve" ? "approved" : `${input.decision}ed`}` +
      (input.reason ? `: ${input.reason}` : ""),
    input.actor,
  );
  if (to === "queued") await enqueueRunMessage(services, "remediation.dispatch", run.id);
  return (await getRun(services.ledger, run.id))!;
}

/** Runs read per page while {@link drainQueue} or {@link replayRuns} walk a whole state. */
const WALK_PAGE = 200;

/**
 * Every run of the organization in `state`, oldest first, page by page (keyset on the run id,
 * so runs that leave the state meanwhile neither shift nor repeat later pages).
 */
async function* walkRuns(
  services: Services,
  orgId: string,
  state: RunState,
): AsyncGenerator<Run> {
  let after = "";
  for (;;) {
    const page = await listRuns(services.ledger, orgId, {
      states: [state],
      after,
      limit: WALK_PAGE,
    });
    yield* page;
    if (page.length < WALK_PAGE) return;
    after = page.at(-1)!.id;
  }
}

/**
 * Dispatches every queued run of the organization now (oldest first), as the queue consumer
 * would. Safe to run twice at once: each run is claimed by one conditional update. Walks the
 * queue page by page until it is done, so every queued run is examined however long the queue
 * (the queue caps bound it); `examined` counts them all.
 *
 * @example
 * ```ts
 * const { dispatched } = await drainQueue(services, org.id);
 * ```
 */
export async function drainQueue(
  services: Services,
  orgId: string,
): Promise<{ examined: number; dispatched: number; expired: number }> {
  let examined = 0, dispatched = 0, expired = 0;
  for await (const run of walkRuns(services, orgId, "queued")) {
    examined++;
    const after = await dispatchRun(services, run.id);
    if (after?.state === "expired") expired++;
    else if (after?.state === "dispatched" && after.jobJti) dispatched++;
  }
  return { examined, dispatched, expired };
}

/**
 * Puts dead-lettered runs back in the queue (attempts reset, a fresh TTL) and dispatches them.
 * `runIds` empty: every dead-lettered run of the organization, oldest first, read page by page
 * until none is left (not only the first page), so "replay all" means all. Returns the replayed
 * ids.
 *
 * @example
 * ```ts
 * await replayRuns(services, { orgId, runIds: [runId], actor });
 * ```
 */
export async function replayRuns(
  services: Services,
  input: { orgId: string; runIds: string[]; actor: ActorRef },
): Promise<string[]> {
  const now = services.clock.now();
  const candidates: Iterable<Run> | AsyncIterable<Run> = input.runIds.length > 0
    ? (await Promise.all(input.runIds.map((id) => getRun(services.ledger, id))))
      .filter((r): r is Run => r !== null && r.orgId === input.orgId)
    : walkRuns(services, input.orgId, "dead-letter");
  const replayed: string[] = [];
  for await (const run of candidates) {
    const { policy } = await hostGuardPolicy(services.ledger, run);
    const moved = await moveRun(services.ledger, run.id, ["dead-letter"], "queued", {
      attempts: 0,
      dead_letter_reason: null,
      expires_at: new Date(now.getTime() + policy.knobs.queueTtlMin * 60_000),
    }, now);
    if (!moved) continue;
    replayed.push(run.id);
    await auditRun(services, run, "remediation.run.replay", `run ${run.id} replayed`, input.actor);
    await enqueueRunMessage(services, "remediation.dispatch", run.id);
  }
  return replayed;
}
