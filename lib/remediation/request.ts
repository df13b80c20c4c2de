/**
 * `POST /api/remediate` (product §1.2): `plan` (viewer and up) shows what an action would do on a
 * host; `dry-run` and `execute` (ops and up) queue a run. An execute needs the typed phrase
 * `EXECUTE <actionId> <planHash8>`, the current plan hash, a succeeded dry-run of that hash
 * within the window, every guard passing, and (by risk) a second person's approval. Every
 * refusal is a 4xx naming the rule, and is audited; nothing is queued then.
 *
 * @module
 */

import { z } from "zod";
import { writeTransaction } from "../db/ledger/transaction.ts";
import { HttpError } from "../fresh/errors.ts";
import { getBreach } from "../breaches/query.ts";
import { getHost, type Host } from "../hosts/registry.ts";
import { validate } from "../http/input.ts";
import { roleAtLeast } from "../auth/roles.ts";
import { actingOperator, auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import type { AuthState } from "../auth/state.ts";
import type { Services } from "../services.ts";
import { checkExecution, checkPlanArgv, type GuardRefusal, sshSessionIps } from "./guard.ts";
import { nextBan } from "./offender_ladder.ts";
import { loadPlanInput } from "./plan_input.ts";
import { buildActionPlan, planErrorStatus } from "./plans.ts";
import { hostGuardPolicy, maintenanceWindowsOf } from "./policy_store.ts";
import { needsApproval } from "./profiles.ts";
import { enqueueRunMessages } from "./queue_messages.ts";
import { insertRun, type Run, runCounts, succeededDryRun, unsettledExecutes } from "./runs.ts";
import { noteRun } from "../live/notes.ts";
import { type Plan, PlanError, type PlanInput } from "./types.ts";

/** The request body. */
export const RemediateBody = z.object({
  hostId: z.string().min(1).max(64),
  actionId: z.string().min(1).max(64),
  params: z.record(z.string(), z.unknown()).default({}),
  mode: z.enum(["plan", "dry-run", "execute"]),
  /** Execute: the plan hash the operator reviewed (64 hex). */
  planHash: z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex characters").optional(),
  /** Execute: `EXECUTE <actionId> <first 8 of the plan hash>`. */
  confirm: z.string().max(200).optional(),
  /** The self-lockout override phrase, when the guard asks for it. */
  override: z.string().max(200).optional(),
  breachId: z.string().min(1).max(64).optional(),
}).strict();
export type RemediateBody = z.infer<typeof RemediateBody>;

/** What `plan` answers, and what dry-run/execute answer besides the run. */
export interface PlanPreview {
  plan: Plan;
  /** The phrase an execute must carry. */
  executePhrase: string;
  needsApproval: boolean;
  /** Guard refusals an execute would meet now (the argv rules and the execution guards). */
  guard: GuardRefusal[];
}

/** The typed confirmation of an execute. */
export const executePhrase = (plan: Pick<Plan, "actionId" | "planHash">) =>
  `EXECUTE ${plan.actionId} ${plan.planHash.slice(0, 8)}`;

function refusal(refusals: GuardRefusal[]): HttpError {
  const first = refusals[0];
  return new HttpError(first.status, first.message, {
    code: first.rule,
    headers: first.retryAfterSec ? { "retry-after": String(first.retryAfterSec) } : undefined,
    details: { rule: first.rule, refusals },
  });
}

async function planFor(services: Services, host: Host, input: PlanInput, body: RemediateBody) {
  const params = { ...body.params };
  // block-ip: the repeat-offender ladder picks the duration unless the caller chose a rung.
  if (body.actionId === "block-ip" && params.durationSec === undefined) {
    const ip = typeof params.ip === "string" ? params.ip : "";
    const bans = await services.ledger.db.selectFrom("ip_bans").select("banned_at")
      .where("org_id", "=", host.orgId).where("ip", "=", ip).execute();
    params.durationSec = nextBan(bans.map((b) => new Date(b.banned_at)), services.clock.now())
      .durationSec;
  }
  try {
    return await buildActionPlan(body.actionId, input, params, {
      toolPrefix: services.config.remediationToolPrefix,
    });
  } catch (error) {
    if (error instanceof PlanError) {
      throw new HttpError(planErrorStatus(error), error.message, {
        code: error.code,
        details: { field: error.field ? `params.${error.field}` : "actionId" },
      });
    }
    throw error;
  }
}

/**
 * Handles one `POST /api/remediate`. Returns the preview (`plan`) or the queued run.
 *
 * @example
 * ```ts
 * const out = await requestRemediation(services, auth, client, await req.json());
 * ```
 */
export async function requestRemediation(
  services: Services,
  auth: AuthState,
  client: ClientInfo,
  raw: unknown,
): Promise<{ status: number; body: PlanPreview & { run?: Run } }> {
  const body = validate(RemediateBody, raw);
  const { user, org } = actingOperator(auth);
  const host = await getHost(services.ledger, org.id, body.hostId);
  if (!host) {
    throw new HttpError(404, "No such host in this organization.", {
      code: "host_not_found",
      details: { field: "hostId" },
    });
  }
  // A run names the breach it fixes; its success marks that breach mitigated, so it must be one
  // of this host's (the console's form checks the same).
  if (body.breachId !== undefined) {
    const found = await getBreach(services.ledger, org.id, body.breachId);
    if (!found || found.breach.hostId !== host.id) {
      throw new HttpError(400, "breachId: no such breach on this host; pick one of its breaches.", {
        code: "invalid_input",
        details: { field: "breachId" },
      });
    }
  }
  const now = services.clock.now();
  const input = await loadPlanInput(services, host);
  const plan = await planFor(services, host, input, body);
  const { policy, org: orgPolicy, override } = await hostGuardPolicy(
    services.ledger,
    { hostId: host.id, orgId: host.orgId },
    services.config.remediationToolPrefix,
  );
  const counts = await runCounts(services.ledger, {
    hostId: host.id,
    actionId: plan.actionId,
    now,
    cooldownSince: new Date(now.getTime() - policy.knobs.cooldownSec * 1000),
  });
  // An armed execute of this action keeps a rollback that would undo a second execute.
  const armedRuns = (await unsettledExecutes(services.ledger, {
    orgId: org.id,
    hostId: host.id,
    actionId: plan.actionId,
  })).filter((r) => r.confirmState === "armed");
  const guardFor = (mode: "dry-run" | "execute") => [
    ...checkPlanArgv(plan, policy),
    ...checkExecution({
      policy,
      hostOverride: override,
      now,
      mode,
      trigger: "operator",
      hostId: host.id,
      plan,
      recentExecutesOfAction: counts.recentSameAction,
      executesLastHour: counts.executesLastHour,
      queuedForHost: counts.queuedForHost,
      queuedGlobal: counts.queuedGlobal,
      killSwitch: orgPolicy.frozen,
      killSwitchReason: orgPolicy.frozenReason,
      armedRunsOfAction: armedRuns,
      maintenanceWindows: maintenanceWindowsOf(orgPolicy),
      requesterIp: client.ip || null,
      activeSshIps: sshSessionIps({
        status: input.snapshot,
        last: input.last ?? null,
        diff: input.diff ?? null,
      }),
      overridePhrase: body.override ?? null,
    }),
  ];
  const approval = needsApproval(plan.riskTier, policy.knobs);
  const preview: PlanPreview = {
    plan,
    executePhrase: executePhrase(plan),
    needsApproval: approval,
    guard: guardFor("execute"),
  };
  if (body.mode === "plan") return { status: 200, body: preview };

  const deny = async (error: HttpError, rule: string) => {
    await auditOperatorChange(services, client, auth, {
      action: "remediation.request.denied",
      summary: `${body.mode} of ${plan.actionId} on ${host.name} refused: ${error.message}`,
      target: { type: "host", id: host.id },
      details: { rule, mode: body.mode, actionId: plan.actionId, planHash: plan.planHash },
    });
    return error;
  };
  if (!roleAtLeast(org.role, "ops")) {
    throw await deny(
      new HttpError(403, `A ${body.mode} needs the ops role or higher; you are ${org.role}.`, {
        code: "role_required",
        details: { required: "ops", role: org.role },
      }),
      "role_required",
    );
  }
  if (body.mode === "execute") {
    if (body.planHash !== plan.planHash) {
      throw await deny(
        new HttpError(
          409,
          body.planHash === undefined
            ? "planHash: send the hash of the plan you reviewed."
            : "The plan changed since you reviewed it (the host sent a new snapshot or the " +
              "catalog changed); review the new plan, dry-run it, and confirm again.",
          { code: "plan_changed", details: { field: "planHash", current: plan.planHash } },
        ),
        "plan_changed",
      );
    }
    if (body.confirm?.trim() !== executePhrase(plan)) {
      throw await deny(
        new HttpError(400, `confirm: type exactly "${executePhrase(plan)}" to execute.`, {
          code: "confirmation_mismatch",
          details: { field: "confirm" },
        }),
        "confirmation_mismatch",
      );
    }
    const since = new Date(now.getTime() - policy.knobs.dryRunMaxAgeMin * 60_000);
    if (!await succeededDryRun(services.ledger, host.id, plan.planHash, since)) {
      throw await deny(
        new HttpError(
          409,
          `Run a dry-run of this exact plan first; an execute needs one that succeeded within ` +
            `${policy.knobs.dryRunMaxAgeMin} minutes.`,
          { code: "dry_run_required", details: { planHash: plan.planHash } },
        ),
        "dry_run_required",
      );
    }
  }
  const refusals = body.mode === "execute" ? preview.guard : guardFor("dry-run");
  if (refusals.length > 0) throw await deny(refusal(refusals), refusals[0].rule);

  const waits = body.mode === "execute" && approval;
  const run = await writeTransaction(services.ledger, (tx) =>
    insertRun(tx, {
      orgId: org.id,
      hostId: host.id,
      mode: body.mode as "dry-run" | "execute",
      plan,
      state: waits ? "awaiting-approval" : "queued",
      needsApproval: waits,
      breachId: body.breachId ?? null,
      requestedBy: user.id,
      requestedIp: client.ip || null,
      now,
      expiresAt: new Date(now.getTime() + policy.knobs.queueTtlMin * 60_000),
    }));
  await auditOperatorChange(services, client, auth, {
    action: body.mode === "execute" ? "remediation.execute.request" : "remediation.dry_run.request",
    summary: `${body.mode} of ${plan.actionId} on ${host.name} (${plan.planHash.slice(0, 8)})` +
      (waits ? " awaits approval" : " queued"),
    target: { type: "remediation_run", id: run.id },
    details: { hostId: host.id, actionId: plan.actionId, planHash: plan.planHash },
  });
  await noteRun(services, run, "remediation.run.request");
  await enqueueRunMessages(services, run, { dispatch: !waits });
  return { status: 202, body: { ...preview, run } };
}
