/**
 * The remediation pages' server side: the catalog as the chooser lists it, and the run rows and
 * plans the host page, the queue and the run page show. The console's forms are in
 * `remediation_params.ts`, the policy in `remediation_policy.ts`.
 *
 * @module
 */
import type { Services } from "../services.ts";
import type { Host } from "../hosts/host.ts";
import { userLabels } from "./user_labels.ts";
import {
  type ActionOption,
  catalogAction,
  catalogActions,
  type Finding,
  rankActionsForSignals,
} from "../remediation/catalog/mod.ts";
import { jobsOfRun } from "../remediation/job_store.ts";
import { listRuns, type Run } from "../remediation/runs.ts";
import type { Plan, PlanStep, RiskTier } from "../remediation/types.ts";
import { hostNames } from "./host_names.ts";
import { type LiveRun, liveRunOf } from "./run_live.ts";

// ---------------------------------------------------------------------------------------------
// catalog and ranking

/** An action as the chooser lists it. */
export interface ActionChoice {
  id: string;
  title: string;
  description: string;
  riskTier: RiskTier;
  reversible: boolean;
  /** Why it is suggested for this host, when it is. */
  reason: string | null;
}

/**
 * Every catalog action, the ones ranked for these findings first (in rank order) with the reason.
 *
 * @example
 * ```ts
 * actionChoices(rankActionsForSignals(findings)).map((a) => a.id);
 * ```
 */
export function actionChoices(ranked: ActionOption[]): ActionChoice[] {
  const reasons = new Map(ranked.map((o) => [o.actionId, o.reason]));
  const order = (id: string) => {
    const i = ranked.findIndex((o) => o.actionId === id);
    return i < 0 ? Number.MAX_SAFE_INTEGER : i;
  };
  return [...catalogActions()].sort((a, b) => order(a.id) - order(b.id)).map((a) => ({
    id: a.id,
    title: a.title,
    description: a.description,
    riskTier: a.riskTier,
    reversible: a.reversible,
    reason: reasons.get(a.id) ?? null,
  }));
}

/** One catalog action's facts, or null. */
export function actionInfo(actionId: string): ActionChoice | null {
  const a = catalogAction(actionId);
  return a
    ? {
      id: a.id,
      title: a.title,
      description: a.description,
      riskTier: a.riskTier,
      reversible: a.reversible,
      reason: null,
    }
    : null;
}

/** Words for the risk tiers. */
export const RISK_LABELS: Record<RiskTier, string> = {
  observe: "observe (read-only)",
  safe_auto: "safe",
  guarded_auto: "guarded",
  risky_manual: "risky (manual)",
};

// ---------------------------------------------------------------------------------------------
// runs as rows

/** A run as the lists show it. */
export interface RunRow {
  id: string;
  hostId: string;
  hostName: string;
  actionId: string;
  mode: string;
  state: string;
  riskTier: RiskTier;
  planHash8: string;
  requestedBy: string;
  requestedById: string;
  createdAt: string;
  finishedAt: string | null;
  needsApproval: boolean;
  lastError: string | null;
  deadLetterReason: string | null;
}

/**
 * Runs as rows, with host names and requesters resolved.
 *
 * @example
 * ```ts
 * const rows = await runRows(services, org.id, await listRuns(services.ledger, org.id, { limit: 20 }));
 * ```
 */
export async function runRows(services: Services, orgId: string, runs: Run[]): Promise<RunRow[]> {
  const [names, users] = await Promise.all([
    hostNames(services, orgId, runs.map((r) => r.hostId)),
    userLabels(services, runs.map((r) => r.requestedBy)),
  ]);
  return runs.map((r) => ({
    id: r.id,
    hostId: r.hostId,
    hostName: names.get(r.hostId)?.name ?? r.hostId,
    actionId: r.actionId,
    mode: r.mode,
    state: r.state,
    riskTier: r.riskTier,
    planHash8: r.planHash.slice(0, 8),
    requestedBy: users.get(r.requestedBy) ?? r.requestedBy,
    requestedById: r.requestedBy,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
    needsApproval: r.needsApproval,
    lastError: r.lastError,
    deadLetterReason: r.deadLetterReason,
  }));
}

/**
 * The live view of a run from the ledger (what `GET /api/remediate/:runId` gives the island).
 *
 * @example
 * ```ts
 * const live = await liveRun(services, run);
 * ```
 */
export async function liveRun(services: Services, run: Run): Promise<LiveRun> {
  return liveRunOf(run, await jobsOfRun(services.ledger, run.id));
}

/** The host page's remediation section: ranked options and the latest runs. */
export interface HostRemediation {
  options: ActionOption[];
  runs: RunRow[];
}

/** Runs the host page lists. */
export const HOST_RUNS = 10;

/**
 * Response options ranked for the host's open breaches and latest findings, and its latest runs.
 *
 * @example
 * ```ts
 * const remediation = await hostRemediation(services, host, [...breaches, ...findings]);
 * ```
 */
export async function hostRemediation(
  services: Services,
  host: Pick<Host, "id" | "orgId">,
  findings: Finding[],
): Promise<HostRemediation> {
  const runs = await listRuns(services.ledger, host.orgId, { hostId: host.id, limit: HOST_RUNS });
  return {
    options: rankActionsForSignals(findings),
    runs: await runRows(services, host.orgId, runs),
  };
}

/** A step as the plan preview lists it. */
export interface StepView {
  id: string;
  argv: string[];
  timeoutMs: number;
  allowFailure: boolean;
}

/** Steps of a plan for display: the argv stays a list. */
export function stepViews(steps: readonly PlanStep[]): StepView[] {
  return steps.map((s) => ({
    id: s.id,
    argv: [...s.argv],
    timeoutMs: s.timeoutMs,
    allowFailure: s.allowFailure,
  }));
}

/** A plan as the console and the run page show it. */
export interface PlanView {
  actionId: string;
  actionVersion: number;
  summary: string;
  riskTier: RiskTier;
  reversible: boolean;
  confirmWindowSec: number | null;
  planHash: string;
  params: Record<string, unknown>;
  targets: Plan["targets"];
  steps: StepView[];
  dryRunSteps: StepView[];
  rollbackSteps: StepView[];
}

/**
 * What the pages show of a plan.
 *
 * @example
 * ```ts
 * const view = planView(run.plan);
 * ```
 */
export function planView(plan: Plan): PlanView {
  return {
    actionId: plan.actionId,
    actionVersion: plan.actionVersion,
    summary: plan.summary,
    riskTier: plan.riskTier,
    reversible: plan.reversible,
    confirmWindowSec: plan.confirmWindowSec,
    planHash: plan.planHash,
    params: plan.params,
    targets: plan.targets,
    steps: stepViews(plan.steps),
    dryRunSteps: stepViews(plan.dryRunSteps),
    rollbackSteps: stepViews(plan.rollbackSteps),
  };
}

/**
 * The action's title from the catalog; its id when the catalog no longer has it.
 *
 * @example
 * ```ts
 * actionTitle("lockdown-access-surface"); // "Lock down the access surface"
 * ```
 */
export const actionTitle = (actionId: string): string => catalogAction(actionId)?.title ?? actionId;
