/**
 * Running incident workflow steps (`POST /api/ops/incident-workflow`, ops): `run` executes an
 * action step (remediation plan or dry-run for the incident's host, drain the remediation
 * queue, notify), `done` and `skip` mark any step. The latest result of each step is kept in
 * `incident_workflow_steps`, and every result goes on the incident's timeline and the audit
 * trail. A step whose action fails is recorded as `failed` with the reason (the answer is still
 * 200: the step ran).
 *
 * @module
 */

import { z } from "zod";
import { auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import type { AuthState } from "../auth/state.ts";
import { writeTransaction } from "../db/ledger/transaction.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import { toDate } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import { validate } from "../http/input.ts";
import { drainQueue } from "../remediation/lifecycle.ts";
import { requestRemediation } from "../remediation/request.ts";
import type { Services } from "../services.ts";
import { operatorActor } from "./admin.ts";
import {
  appendEvent,
  type Incident,
  incidentNotFound,
  insertLinks,
  lockIncident,
  parseObject,
  readIncident,
} from "./model.ts";
import { notifyIncident } from "./notify_incident.ts";
import { findStep, type Workflow, WORKFLOWS, type WorkflowStep } from "./workflows.ts";

/** The body of `POST /api/ops/incident-workflow`. */
export const WorkflowStepInput = z.object({
  incidentId: z.string().trim().min(1).max(64),
  workflowId: z.string().trim().min(1).max(64),
  stepId: z.string().trim().min(1).max(64),
  action: z.enum(["run", "done", "skip"]),
  note: z.string().trim().max(1000).optional(),
}).strict();

/** Status of a step of an incident. */
export type StepStatus = "pending" | "done" | "skipped" | "succeeded" | "failed";

/** A step's latest result. */
export interface StepState {
  workflowId: string;
  stepId: string;
  status: StepStatus;
  result: Record<string, unknown> | null;
  actorId: string | null;
  updatedAt: Date | null;
}

/**
 * The recorded step states of an incident (steps never touched are absent).
 *
 * @example
 * ```ts
 * const states = await workflowStates(services.ledger, org.id, incident.id);
 * ```
 */
export async function workflowStates(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  incidentId: string,
): Promise<StepState[]> {
  const rows = await ledger.db.selectFrom("incident_workflow_steps").selectAll()
    .where("incident_id", "=", incidentId).where("org_id", "=", orgId).execute();
  return rows.map((r) => ({
    workflowId: r.workflow_id,
    stepId: r.step_id,
    status: r.status as StepStatus,
    result: parseObject(r.result),
    actorId: r.actor_id,
    updatedAt: toDate(r.updated_at),
  }));
}

type Outcome = { status: StepStatus; result: Record<string, unknown>; runId?: string };

async function runAction(
  services: Services,
  auth: AuthState,
  client: ClientInfo,
  incident: Incident,
  step: WorkflowStep,
): Promise<Outcome> {
  if (step.kind === "manual") {
    throw new HttpError(400, "action: a checklist item is marked done or skipped, not run", {
      code: "invalid_input",
      details: { field: "action" },
    });
  }
  try {
    if (step.kind === "remediation") {
      if (!incident.hostId) {
        return { status: "failed", result: { error: "The incident has no host." } };
      }
      const { body } = await requestRemediation(services, auth, client, {
        hostId: incident.hostId,
        actionId: step.actionId,
        mode: step.mode ?? "plan",
        params: {},
      });
      return {
        status: "succeeded",
        result: {
          actionId: step.actionId,
          mode: step.mode,
          planHash: body.plan.planHash,
          steps: body.plan.steps.length,
          needsApproval: body.needsApproval,
          guardRefusals: body.guard.map((g) => g.rule),
          ...(body.run ? { runId: body.run.id, runState: body.run.state } : {}),
        },
        runId: body.run?.id,
      };
    }
    if (step.kind === "drain") {
      return { status: "succeeded", result: { ...await drainQueue(services, incident.orgId) } };
    }
    const out = await notifyIncident(services, incident, "escalated", {
      heading: "Incident update",
      dedupeKey: `incident.workflow:${incident.id}:${services.clock.now().getTime()}`,
    });
    return {
      status: out.error ? "failed" : "succeeded",
      result: {
        deliveries: out.deliveries.length,
        suppressed: out.suppressed.length,
        deduped: out.deduped,
        ...(out.error ? { error: out.error } : {}),
      },
    };
  } catch (error) {
    // A refusal of the action (no plan for this host, a guard, …) is the step's result.
    if (!(error instanceof HttpError)) throw error;
    return {
      status: "failed",
      result: { error: error.message, code: error.code, status: error.status },
    };
  }
}

/**
 * Runs or marks one workflow step of an incident of the active organization, records the
 * result on the timeline and audits it.
 *
 * @example
 * ```ts
 * const out = await workflowStep(services, auth, { incidentId, workflowId: "critical-triage",
 *   stepId: "forensics", action: "run" }, clientOf(ctx));
 * ```
 */
export async function workflowStep(
  services: Services,
  auth: AuthState,
  body: unknown,
  client: ClientInfo,
): Promise<{ workflow: Workflow; step: WorkflowStep; state: StepState; incident: Incident }> {
  const input = validate(WorkflowStepInput, body);
  const orgId = auth.org?.id ?? "";
  const incident = await readIncident(services.ledger, input.incidentId);
  if (!incident || incident.orgId !== orgId) throw incidentNotFound();
  const found = findStep(input.workflowId, input.stepId);
  if (!found) {
    const field = WORKFLOWS.some((w) => w.id === input.workflowId) ? "stepId" : "workflowId";
    throw new HttpError(400, `${field}: no such ${field === "stepId" ? "step" : "workflow"}`, {
      code: "invalid_input",
      details: { field },
    });
  }
  const { workflow, step } = found;
  const actor = operatorActor(auth);
  const outcome: Outcome = input.action === "run"
    ? await runAction(services, auth, client, incident, step)
    : {
      status: input.action === "done" ? "done" : "skipped",
      result: input.note ? { note: input.note } : {},
    };
  const now = services.clock.now();
  await writeTransaction(services.ledger, async (tx) => {
    const locked = await lockIncident(tx, orgId, incident.id);
    const row = {
      status: outcome.status,
      result: JSON.stringify(outcome.result),
      actor_id: actor.id,
      updated_at: now,
    };
    await tx.db.insertInto("incident_workflow_steps").values({
      incident_id: incident.id,
      org_id: orgId,
      workflow_id: workflow.id,
      step_id: step.id,
      ...row,
    }).onConflict((oc) => oc.columns(["incident_id", "workflow_id", "step_id"]).doUpdateSet(row))
      .execute();
    if (outcome.runId) await insertLinks(tx, locked, "run", [outcome.runId], actor.id, now);
    const error = typeof outcome.result.error === "string" ? `: ${outcome.result.error}` : "";
    await appendEvent(tx, locked, {
      type: "workflow",
      actor,
      now,
      message: `${workflow.title} › ${step.title}: ${outcome.status}${error}`,
      data: { workflowId: workflow.id, stepId: step.id, ...outcome.result },
    });
  });
  await auditOperatorChange(services, client, auth, {
    action: "incident.workflow",
    summary: `${workflow.title} › ${step.title}: ${outcome.status}`,
    target: { type: "incident", id: incident.id },
    details: { workflowId: workflow.id, stepId: step.id, action: input.action, ...outcome.result },
  });
  return {
    workflow,
    step,
    state: {
      workflowId: workflow.id,
      stepId: step.id,
      status: outcome.status,
      result: outcome.result,
      actorId: actor.id,
      updatedAt: now,
    },
    incident: (await readIncident(services.ledger, incident.id))!,
  };
}
