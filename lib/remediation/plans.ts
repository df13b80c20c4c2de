/**
 * Catalog action + host state + raw params → a hashed plan (product §1.2 "plan" mode), and the
 * verification of a plan against a later snapshot. Pure apart from hashing (WebCrypto).
 *
 * @module
 */

import { planHash } from "../protocol/jcs.ts";
import { catalogAction, catalogActions } from "./catalog/mod.ts";
import {
  DEFAULT_CONFIRM_WINDOW_SEC,
  REVERSIBLE_EXECUTE_BUDGET_MS,
  stepProblem,
  totalTimeoutMs,
} from "./catalog/steps.ts";
import {
  type Plan,
  type PlanDraft,
  PlanError,
  type PlanInput,
  type PlanStep,
  type VerificationResult,
} from "./types.ts";
import { counted } from "../text/plural.ts";

/** Most steps a job may carry (agent-protocol §3.2); profiles lower it further. */
export const JOB_MAX_STEPS = 32;

/** One field problem of the params, as the API reports it. */
export interface ParamIssue {
  /** Dotted JSON path inside the params, e.g. `ports.1`; `(params)` for the object itself. */
  field: string;
  message: string;
}

/** Params that fail the action's schema: code `invalid_params`, `field` = the first issue. */
export class PlanParamsError extends PlanError {
  constructor(readonly actionId: string, readonly issues: ParamIssue[]) {
    const first = issues[0] ?? { field: "(params)", message: "invalid" };
    super(
      "invalid_params",
      `params.${first.field}: ${first.message}` +
        (issues.length > 1
          ? ` (and ${counted(issues.length - 1, "more issue", "more issues")})`
          : ""),
      first.field,
    );
    this.name = "PlanParamsError";
  }
}

/**
 * The HTTP status for a plan refusal: 404 for `unknown_action`, 400 for `invalid_params`, 422
 * for an action that does not apply to this host's state (`no_port_data`, `nothing_to_do`, …).
 *
 * @example
 * ```ts
 * planErrorStatus(new PlanError("unknown_action", "…")); // 404
 * ```
 */
export function planErrorStatus(error: PlanError): 400 | 404 | 422 {
  if (error.code === "unknown_action") return 404;
  if (error.code === "invalid_params") return 400;
  return 422;
}

function unknownAction(actionId: string): PlanError {
  const known = catalogActions().map((a) => a.id).join(", ");
  return new PlanError(
    "unknown_action",
    `There is no catalog action ${JSON.stringify(actionId)}. Use one of: ${known}.`,
    "actionId",
  );
}

/**
 * Validates raw params with the action's zod schema (`undefined`/`null` mean `{}`), returning the
 * parsed (defaulted, canonical) params or throwing `PlanParamsError` naming the field.
 *
 * @example
 * ```ts
 * parseActionParams("block-ip", { ip: "2001:DB8::7" }); // { ip: "2001:db8::7", allowPrivate: false, durationSec: 900 }
 * ```
 */
export function parseActionParams(actionId: string, raw: unknown): Record<string, unknown> {
  const action = catalogAction(actionId);
  if (!action) throw unknownAction(actionId);
  const result = action.params.safeParse(raw ?? {});
  if (!result.success) {
    throw new PlanParamsError(
      actionId,
      result.error.issues.map((i) => {
        // An unknown member is named itself, so the client sees which one to remove.
        const path = i.code === "unrecognized_keys" ? [...i.path, i.keys[0]] : i.path;
        const message = i.code === "unrecognized_keys"
          ? `unknown param; remove it (${action.id} takes: ${paramNames(action)})`
          : i.message;
        return { field: path.map(String).join(".") || "(params)", message };
      }),
    );
  }
  return result.data;
}

function paramNames(action: { params: unknown }): string {
  const shape = (action.params as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape).join(", ") || "no params" : "see the catalog";
}

function checkSteps(actionId: string, kind: string, steps: readonly PlanStep[]): void {
  if (steps.length > JOB_MAX_STEPS) {
    throw new Error(`${actionId}: ${kind} has ${steps.length} steps (max ${JOB_MAX_STEPS})`);
  }
  const ids = new Set<string>();
  for (const s of steps) {
    const problem = stepProblem(s);
    if (problem) throw new Error(`${actionId}: ${kind} step ${s.id}: ${problem}`);
    if (ids.has(s.id)) throw new Error(`${actionId}: ${kind} step id ${s.id} is not unique`);
    ids.add(s.id);
  }
}

/** The draft with `prefix` before every `argv[0]` (see `REMEDIATION_TOOL_PREFIX`). */
function withToolPrefix(draft: PlanDraft, prefix: string): PlanDraft {
  if (prefix === "") return draft;
  const prefixed = (steps: PlanStep[]) =>
    steps.map((s) => ({ ...s, argv: [prefix + s.argv[0], ...s.argv.slice(1)] }));
  return {
    ...draft,
    steps: prefixed(draft.steps),
    dryRunSteps: prefixed(draft.dryRunSteps),
    rollbackSteps: prefixed(draft.rollbackSteps),
  };
}

function checkDraft(actionId: string, draft: PlanDraft): void {
  if (draft.steps.length === 0) throw new Error(`${actionId}: a plan needs at least one step`);
  checkSteps(actionId, "steps", draft.steps);
  checkSteps(actionId, "dryRunSteps", draft.dryRunSteps);
  checkSteps(actionId, "rollbackSteps", draft.rollbackSteps);
}

/**
 * Builds the hashed plan of a catalog action for a host: params parsed with the action's schema
 * (`PlanParamsError`, code `invalid_params`, naming the field), the action's pure builder (its
 * `PlanError`s pass through: `no_port_data`, `port_not_unexpected`, …), the step limits of
 * §3.2 checked, and `planHash` over `{actionId, actionVersion, steps}`. Deterministic: the same
 * input and params give the same plan and hash. A plan is reversible when its action is and the
 * builder produced rollback steps (e.g. a `kill` quarantine is not).
 *
 * @example
 * ```ts
 * const plan = await buildActionPlan("lockdown-access-surface", input, {});
 * plan.targets.ports;          // ["tcp:6379", "tcp:8080"]
 * plan.planHash.slice(0, 8);   // what `EXECUTE lockdown-access-surface <hash8>` names
 * ```
 */
export async function buildActionPlan(
  actionId: string,
  input: PlanInput,
  rawParams: unknown,
  options: { toolPrefix?: string } = {},
): Promise<Plan> {
  const action = catalogAction(actionId);
  if (!action) throw unknownAction(actionId);
  const params = parseActionParams(actionId, rawParams);
  const draft = withToolPrefix(action.buildPlan(input, params), options.toolPrefix ?? "");
  checkDraft(actionId, draft);
  const reversible = action.reversible && draft.rollbackSteps.length > 0;
  if (reversible && totalTimeoutMs(draft.steps) > REVERSIBLE_EXECUTE_BUDGET_MS) {
    throw new Error(
      `${actionId}: reversible execute steps take up to ${totalTimeoutMs(draft.steps)} ms, over ` +
        `the commit-confirm budget of ${REVERSIBLE_EXECUTE_BUDGET_MS} ms`,
    );
  }
  const hash = await planHash({
    actionId: action.id,
    actionVersion: action.version,
    steps: draft.steps,
  });
  return {
    ...draft,
    actionId: action.id,
    actionVersion: action.version,
    riskTier: action.riskTier,
    reversible,
    confirmWindowSec: reversible ? action.confirmWindowSec ?? DEFAULT_CONFIRM_WINDOW_SEC : null,
    params,
    planHash: hash,
  };
}

/**
 * Asks the plan's action whether a later snapshot shows the fix. A plan of an unknown action, or
 * of another version of it, is never verified (the predicate may have changed meaning).
 *
 * @example
 * ```ts
 * verifyActionPlan(plan, laterInput); // { verified: true, reason: "tcp:6379 … no longer public …" }
 * ```
 */
export function verifyActionPlan(plan: Plan, later: PlanInput): VerificationResult {
  const action = catalogAction(plan.actionId);
  if (!action || action.version !== plan.actionVersion) {
    return {
      verified: false,
      reason: `The catalog no longer has ${plan.actionId} v${plan.actionVersion}; verify by hand.`,
    };
  }
  return action.verify(later, plan);
}
