/**
 * What happens after a job leaves: the runner's result moves its run (and arms commit-confirm
 * for a reversible execute, records a `block-ip` ban, marks a linked breach mitigated); an
 * expired job expires its run; the confirm deadline releases the rollback unless a healthy
 * snapshot confirmed the change first; a snapshot after a succeeded execute verifies it
 * (agent-protocol §3.6–3.7, product §1.1).
 *
 * @module
 */

import { monotonicFactory } from "ulid";
import { SYSTEM_ACTOR } from "../breaches/model.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import type { Services } from "../services.ts";
import type { Signal } from "../signals/types.ts";
import {
  type JobExpiredEvent,
  type JobResultEvent,
  onJobExpired,
  onJobResult,
} from "./job_events.ts";
import { cancelJob, confirmJob } from "./job_store.ts";
import { createJob, releaseRollback } from "./job_create.ts";
import { auditRun } from "./lifecycle.ts";
import { verifyActionPlan } from "./plans.ts";
import { enqueueRunMessage } from "./queue_messages.ts";
import { getRun, moveRun, type Run, runOfJob, type RunResult, toRun, updateRun } from "./runs.ts";
import type { PlanInput } from "./types.ts";
import { noteBreach, noteRun } from "../live/notes.ts";
import { noteHourly } from "../charts/fleet_hourly.ts";

const nextId = monotonicFactory();

/** Moves a linked open breach to `mitigated` (a fix ran; the next snapshot decides). */
async function markBreachMitigated(services: Services, run: Run, now: Date): Promise<void> {
  if (!run.breachId) return;
  const updated = await services.ledger.db.updateTable("breaches")
    .set({ state: "mitigated", state_changed_at: now })
    .where("id", "=", run.breachId).where("org_id", "=", run.orgId).where("state", "=", "open")
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return;
  await services.ledger.db.insertInto("breach_events").values({
    id: nextId(now.getTime()),
    org_id: run.orgId,
    breach_id: run.breachId,
    ts: now,
    from_state: "open",
    to_state: "mitigated",
    actor_type: SYSTEM_ACTOR.type,
    actor_id: SYSTEM_ACTOR.id,
    reason: `remediation run ${run.id} (${run.actionId}) succeeded; awaiting verification`,
    snapshot_id: null,
  }).execute();
  await noteBreach(services, {
    id: run.breachId,
    orgId: run.orgId,
    hostId: run.hostId,
    state: "mitigated",
  }, "mitigated");
}

/** Raises a critical `rollback_failed` signal on the host (§3.7). */
async function raiseRollbackFailed(tx: LedgerTx, run: Run, now: Date): Promise<void> {
  await tx.db.insertInto("signals").values({
    id: nextId(now.getTime()),
    org_id: run.orgId,
    host_id: run.hostId,
    snapshot_id: null,
    code: "rollback_failed",
    severity: "critical",
    title: "Automatic rollback failed",
    detail: `The rollback of ${run.actionId} (run ${run.id}) failed on the host; the change may ` +
      "still be in place. Check the run output and undo it by hand.",
    ts: now,
    source: "remediation",
    fingerprint: `rollback_failed|${run.id}`,
    evidence: JSON.stringify({ runId: run.id, jti: run.rollbackJti }),
    mitre: null,
    created_at: now,
  }).execute();
  await noteHourly(tx, run.orgId, { signals: [{ ts: now, severity: "critical" }] });
}

/**
 * Applies a job result to its run. Idempotent: the state change is conditional, and the job
 * store emits a result once.
 *
 * @example
 * ```ts
 * onJobResult((event, services) => applyJobResult(services, event));
 * ```
 */
export async function applyJobResult(services: Services, event: JobResultEvent): Promise<void> {
  const run = await runOfJob(services.ledger, event.jti);
  if (!run) return;
  const now = services.clock.now();
  const result = event.result as RunResult;
  if (event.jti === run.rollbackJti) {
    const failed = result.status !== "succeeded";
    await updateRun(services.ledger, run.id, [run.state], {
      confirm_state: failed ? "rollback-failed" : "rolled-back",
      verification_detail: failed
        ? `rollback ${result.status}${result.refusedReason ? ` (${result.refusedReason})` : ""}`
        : "rolled back on the host",
    }, now);
    if (failed) await raiseRollbackFailed(services.ledger, run, now);
    await auditRun(
      services,
      run,
      "remediation.rollback.result",
      `rollback of run ${run.id} ${result.status}`,
    );
    return;
  }
  if (event.jti !== run.jobJti) return;
  const state = result.status;
  const moved = await moveRun(services.ledger, run.id, ["dispatched", "running"], state, {
    result: JSON.stringify(result),
    finished_at: now,
    last_error: state === "refused" ? `refused by the runner: ${result.refusedReason}` : null,
    ...(run.mode === "execute" && state === "succeeded" ? { verification: "pending" } : {}),
  }, now);
  if (!moved) return;
  await auditRun(
    services,
    run,
    `remediation.run.${state}`,
    `${run.mode} of ${run.actionId} ${state} on the host` +
      (result.refusedReason ? ` (${result.refusedReason})` : ""),
  );
  if (run.mode !== "execute") return;
  if (state === "succeeded") {
    await markBreachMitigated(services, run, now);
    if (run.actionId === "block-ip") await recordBan(services, run, now);
    if (run.rollbackJti && run.plan.confirmWindowSec) {
      const deadline = new Date(now.getTime() + run.plan.confirmWindowSec * 1000);
      await updateRun(services.ledger, run.id, ["succeeded"], {
        confirm_state: "armed",
        confirm_deadline: deadline,
      }, now);
      await enqueueRunMessage(
        services,
        "remediation.confirm_deadline",
        run.id,
        run.plan.confirmWindowSec * 1000,
      );
    }
  } else if (run.rollbackJti) {
    // §3.7: a failed execute releases its rollback at once; a refused one ran nothing.
    if (state === "failed") {
      await releaseRollback(services, run.rollbackJti);
      await updateRun(services.ledger, run.id, [state], { confirm_state: "rolled-back" }, now);
    } else {
      await cancelJob(services, run.rollbackJti);
      await updateRun(services.ledger, run.id, [state], { confirm_state: "canceled" }, now);
    }
  }
  // Commit-confirm changed after the audit above: live views re-read the run once more.
  if (run.rollbackJti) await noteRun(services, run, "remediation.run.confirm_state");
}

/** Records a `block-ip` ban for the ladder and schedules the unban. */
async function recordBan(services: Services, run: Run, now: Date): Promise<void> {
  const ip = String(run.params.ip ?? "");
  const duration = Number(run.params.durationSec ?? 0);
  if (!ip || !duration) return;
  await services.ledger.db.insertInto("ip_bans").values({
    id: `ban_${nextId(now.getTime())}`,
    org_id: run.orgId,
    ip,
    run_id: run.id,
    banned_at: now,
    duration_s: duration,
  }).onConflict((oc) => oc.column("run_id").doNothing()).execute();
  await enqueueRunMessage(services, "remediation.unban", run.id, duration * 1000);
}

/**
 * A job expired without a result: its run expires (`outcome_unknown` when it was delivered);
 * an execute of a reversible plan whose outcome is unknown releases its rollback (§3.7).
 *
 * @example
 * ```ts
 * onJobExpired((event, services) => applyJobExpired(services, event));
 * ```
 */
export async function applyJobExpired(services: Services, event: JobExpiredEvent): Promise<void> {
  const run = await runOfJob(services.ledger, event.jti);
  if (!run || event.jti !== run.jobJti) return;
  const now = services.clock.now();
  const moved = await moveRun(services.ledger, run.id, ["dispatched", "running"], "expired", {
    finished_at: now,
    last_error: event.state === "outcome_unknown"
      ? "delivered, but no result before the job expired (outcome unknown)"
      : "never picked up by the host's runner before the job expired",
  }, now);
  if (!moved) return;
  await auditRun(services, run, "remediation.run.expire", `job ${event.jti} ${event.state}`);
  if (run.rollbackJti && event.state === "outcome_unknown") {
    await releaseRollback(services, run.rollbackJti);
    await updateRun(services.ledger, run.id, ["expired"], { confirm_state: "rolled-back" }, now);
    await noteRun(services, run, "remediation.run.confirm_state");
  } else if (run.rollbackJti) {
    await cancelJob(services, run.rollbackJti);
  }
}

/**
 * The commit-confirm deadline passed: still armed (no healthy snapshot) → release the rollback.
 * A redelivery after a restart between the claim (`armed → rolled-back`) and the release
 * releases it then; `releaseRollback` is a compare-and-set, so a duplicate does nothing.
 *
 * @example
 * ```ts
 * await confirmDeadline(services, runId);
 * ```
 */
export async function confirmDeadline(services: Services, runId: string): Promise<void> {
  const run = await getRun(services.ledger, runId);
  if (!run?.rollbackJti) return;
  if (run.confirmState === "rolled-back") {
    // Rolled back means released: a rollback still reserved was claimed by a delivery that died.
    await releaseRollback(services, run.rollbackJti);
    return;
  }
  if (run.confirmState !== "armed") return;
  const now = services.clock.now();
  if (run.confirmDeadline && now < run.confirmDeadline) {
    await enqueueRunMessage(
      services,
      "remediation.confirm_deadline",
      run.id,
      run.confirmDeadline.getTime() - now.getTime(),
    );
    return;
  }
  const claimed = await services.ledger.db.updateTable("remediation_runs")
    .set({ confirm_state: "rolled-back", updated_at: now })
    .where("id", "=", run.id).where("confirm_state", "=", "armed").executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) return;
  await releaseRollback(services, run.rollbackJti);
  await auditRun(
    services,
    run,
    "remediation.rollback.release",
    `no healthy snapshot within ${run.plan.confirmWindowSec} s of run ${run.id}; rollback released`,
  );
}

/**
 * A `block-ip` ban ran its time: a rollback job removes the rule. The job is created before the
 * run is claimed (`confirm_state → rolled-back`, `rollback_jti`), so a restart between the two
 * sends the unban again instead of never; a delivery that loses the claim cancels its job.
 *
 * @example
 * ```ts
 * await unbanExpired(services, runId);
 * ```
 */
export async function unbanExpired(services: Services, runId: string): Promise<void> {
  const run = await getRun(services.ledger, runId);
  if (
    !run || run.state !== "succeeded" || !run.jobJti ||
    (run.confirmState !== null && run.confirmState !== "confirmed")
  ) {
    return;
  }
  const job = await createJob(services, {
    orgId: run.orgId,
    hostId: run.hostId,
    runId: run.id,
    mode: "rollback",
    actionId: run.actionId,
    actionVersion: run.actionVersion,
    steps: run.plan.rollbackSteps,
    rollbackOf: run.jobJti,
  });
  const now = services.clock.now();
  const claimed = await services.ledger.db.updateTable("remediation_runs")
    .set({
      confirm_state: "rolled-back",
      verification_detail: "ban expired",
      rollback_jti: job.jti,
      updated_at: now,
    })
    .where("id", "=", run.id).where("state", "=", "succeeded").where((eb) =>
      eb.or([eb("confirm_state", "is", null), eb("confirm_state", "=", "confirmed")])
    ).executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) {
    await cancelJob(services, job.jti); // a concurrent delivery sent the unban
    return;
  }
  await auditRun(services, run, "remediation.unban", `ban of run ${run.id} expired; unban sent`);
}

/** What the ingest path tells remediation about a stored snapshot. */
export interface StoredSnapshotEvent {
  orgId: string;
  hostId: string;
  snapshotId: string;
  /** Collection time. */
  ts: Date;
  signed: boolean;
  input: PlanInput;
  signals: readonly Signal[];
}

/**
 * A new snapshot arrived: verify succeeded executes of the host still pending verification
 * (`verified` / `unverified`; a verified fix of a linked breach is fixed by reconciliation when
 * the finding is gone), and confirm armed reversible executes when the snapshot is healthy
 * (signed, collected after the job finished, before the deadline, and no critical code that the
 * host did not show before the job). Returns the execute `jti`s confirmed now.
 *
 * @example
 * ```ts
 * const confirmed = await afterSnapshot(services, { orgId, hostId, snapshotId, ts, signed, input, signals });
 * ```
 */
export async function afterSnapshot(
  services: Services,
  event: StoredSnapshotEvent,
): Promise<string[]> {
  // On every push (ingest hot path): one query for the host's waiting runs, whole rows.
  const rows = await services.ledger.db.selectFrom("remediation_runs").selectAll()
    .where("host_id", "=", event.hostId).where("state", "=", "succeeded")
    .where("mode", "=", "execute")
    .where((eb) => eb.or([eb("verification", "=", "pending"), eb("confirm_state", "=", "armed")]))
    .execute();
  const confirmed: string[] = [];
  const now = services.clock.now();
  for (const run of rows.map(toRun)) {
    if (!run.result) continue;
    const finishedAt = new Date(run.result.finishedAt);
    if (event.ts < finishedAt) continue; // collected before the change: proves nothing
    if (run.verification === "pending") {
      const outcome = verifyActionPlan(run.plan, event.input);
      const verification = outcome.verified ? "verified" : "unverified";
      await updateRun(services.ledger, run.id, ["succeeded"], {
        verification,
        verification_detail: outcome.reason,
      }, now);
      await auditRun(services, run, `remediation.run.${verification}`, outcome.reason);
    }
    if (
      run.confirmState === "armed" && event.signed && run.jobJti &&
      (!run.confirmDeadline || now <= run.confirmDeadline)
    ) {
      const before = new Set(run.healthBaseline ?? []);
      const fresh = event.signals.filter((s) => s.severity === "critical" && !before.has(s.code));
      if (fresh.length > 0) continue; // unhealthy: the deadline will roll it back
      const claimed = await services.ledger.db.updateTable("remediation_runs")
        .set({ confirm_state: "confirmed", updated_at: now })
        .where("id", "=", run.id).where("confirm_state", "=", "armed").executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) continue;
      await confirmJob(services, run.jobJti);
      confirmed.push(run.jobJti);
      await auditRun(
        services,
        run,
        "remediation.run.confirm",
        `healthy snapshot ${event.snapshotId} confirmed run ${run.id}; rollback canceled`,
      );
    }
  }
  return confirmed;
}

let listening = false;

/**
 * Subscribes the run lifecycle to job results and expiries (once per process).
 *
 * @example
 * ```ts
 * listenToJobOutcomes(); // in main.ts and test apps
 * ```
 */
export function listenToJobOutcomes(): void {
  if (listening) return;
  listening = true;
  onJobResult((event, services) => applyJobResult(services, event));
  onJobExpired((event, services) => applyJobExpired(services, event));
}
