/**
 * The remediation console's server side: the per-action param fields and how form values become
 * catalog params (and back into URLs and hidden fields), how a refusal of `requestRemediation`
 * lands on the form (next to the field, else at the top with the rule's name), and the run rows
 * the host page, the queue and the run page list.
 *
 * @module
 */
import { HttpError } from "../fresh/mod.ts";
import type { Services } from "../services.ts";
import type { Host } from "../hosts/host.ts";
import { getUser } from "../orgs/users.ts";
import {
  type ActionOption,
  catalogAction,
  catalogActions,
  type Finding,
  rankActionsForSignals,
} from "../remediation/catalog/mod.ts";
import { unexpectedPublicPorts } from "../remediation/catalog/evidence.ts";
import { comparePortSpecs } from "../remediation/catalog/params.ts";
import type { GuardRefusal } from "../remediation/guard.ts";
import { jobsOfRun } from "../remediation/job_store.ts";
import { listRuns, type Run } from "../remediation/runs.ts";
import type { Plan, PlanStep, RiskTier } from "../remediation/types.ts";
import { getOrgPolicy, setOrgPolicy } from "../remediation/policy_store.ts";
import { PROFILES } from "../remediation/profiles.ts";
import { auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import type { AuthState } from "../auth/state.ts";
import { hostNames } from "./host_names.ts";
import { type LiveRun, liveRunOf } from "./run_live.ts";

// ---------------------------------------------------------------------------------------------
// param fields

/** One input of an action's params form. */
export interface ParamField {
  name: string;
  label: string;
  /** `ports`: one checkbox per unexpected public port of the latest snapshot. */
  kind: "text" | "checkbox" | "select" | "ports";
  hint?: string;
  options?: [string, string][];
  required?: boolean;
  maxLength?: number;
}

/** An unexpected public port of the latest snapshot, as the forms offer it. */
export interface PortChoice {
  spec: string;
  label: string;
}

/** Form values by field name; a `ports` field holds its checked specs joined with commas. */
export type ParamValues = Record<string, string>;

/** Anything with `get`/`getAll`: `URLSearchParams` and `FormData`. */
export interface FormSource {
  get(name: string): FormDataEntryValue | null;
  getAll(name: string): FormDataEntryValue[];
}

/**
 * The unexpected public ports of a snapshot (what lockdown and quarantine act on), ordered.
 *
 * @example
 * ```ts
 * portChoices(input.snapshot); // [{ spec: "tcp:6379", label: "tcp:6379 · redis-server" }, …]
 * ```
 */
export function portChoices(snapshot: Record<string, unknown> | null): PortChoice[] {
  const found = unexpectedPublicPorts(snapshot);
  if (!found) return [];
  return [...found.keys()].sort(comparePortSpecs).map((spec) => {
    const procs = [...new Set(found.get(spec)!.map((l) => l.proc).filter(Boolean))];
    return { spec, label: procs.length ? `${spec} · ${procs.join(", ")}` : spec };
  });
}

/**
 * The fields of an action's params form. Read-only actions take their defaults and have none.
 *
 * @example
 * ```ts
 * paramFields("block-ip", []).map((f) => f.name); // ["ip", "allowPrivate"]
 * ```
 */
export function paramFields(actionId: string, ports: PortChoice[]): ParamField[] {
  const portOptions = ports.map((p): [string, string] => [p.spec, p.label]);
  switch (actionId) {
    case "lockdown-access-surface":
      return [{
        name: "ports",
        label: "Ports to deny",
        kind: "ports",
        options: portOptions,
        hint: "The unexpected public ports of the latest snapshot; only these can be denied.",
      }];
    case "block-ip":
      return [
        {
          name: "ip",
          label: "Address or network to block",
          kind: "text",
          required: true,
          maxLength: 49,
          hint: "One IPv4/IPv6 address, or a network no wider than /24 (IPv4) or /64 (IPv6). " +
            "The ban's duration follows the repeat-offender ladder (15 min, 1 h, 24 h, 7 d).",
        },
        {
          name: "allowPrivate",
          label: "Allow a private, CGNAT or link-local address",
          kind: "checkbox",
          hint: "Such addresses are often your own LAN or VPN.",
        },
      ];
    case "quarantine-unexpected-listener":
      return [
        {
          name: "port",
          label: "Listener",
          kind: "select",
          options: portOptions,
          required: true,
          hint: "An unexpected public port of the latest snapshot.",
        },
        {
          name: "method",
          label: "Method",
          kind: "select",
          options: [
            ["auto", "Automatic: stop the unit when one is known, else signal the process"],
            ["systemd", "Stop and disable the systemd unit (reversible)"],
            ["kill", "Signal the process (cannot be undone)"],
          ],
        },
        {
          name: "unit",
          label: "Unit (optional)",
          kind: "text",
          maxLength: 255,
          hint: "A systemd service such as redis-server.service, when the snapshot names none.",
        },
        {
          name: "signal",
          label: "Signal",
          kind: "select",
          options: [["TERM", "TERM (ask to exit)"], ["KILL", "KILL (force)"]],
        },
      ];
    case "harden-ssh-auth":
      return [
        {
          name: "disablePasswordLogin",
          label: "Disable password login",
          kind: "checkbox",
          hint: "Make sure every operator has a working key first.",
        },
        { name: "disableRootLogin", label: "Disable root login", kind: "checkbox" },
        {
          name: "sshUnit",
          label: "SSH service",
          kind: "select",
          options: [
            ["ssh.service", "ssh.service (Debian, Ubuntu)"],
            ["sshd.service", "sshd.service (other distributions)"],
          ],
        },
      ];
    default:
      return [];
  }
}

/**
 * The values a form starts with: every unexpected port, the first listener, SSH hardening of
 * both kinds.
 */
export function defaultValues(actionId: string, ports: PortChoice[]): ParamValues {
  switch (actionId) {
    case "lockdown-access-surface":
      return { ports: ports.map((p) => p.spec).join(",") };
    case "block-ip":
      return { ip: "", allowPrivate: "" };
    case "quarantine-unexpected-listener":
      return { port: ports[0]?.spec ?? "", method: "auto", unit: "", signal: "TERM" };
    case "harden-ssh-auth":
      return { disablePasswordLogin: "on", disableRootLogin: "on", sshUnit: "ssh.service" };
    default:
      return {};
  }
}

const text = (v: FormDataEntryValue | null) => typeof v === "string" ? v.slice(0, 300) : "";

/**
 * The values of an action's fields as submitted (a GET query or a POSTed form). An unchecked
 * checkbox sends nothing, so it reads as off.
 *
 * @example
 * ```ts
 * readValues("lockdown-access-surface", ctx.url.searchParams); // { ports: "tcp:6379" }
 * ```
 */
export function readValues(actionId: string, source: FormSource): ParamValues {
  const values: ParamValues = {};
  for (const field of paramFields(actionId, [])) {
    if (field.kind === "ports") {
      values[field.name] = source.getAll(field.name).map(text).filter(Boolean).slice(0, 50)
        .join(",");
    } else if (field.kind === "checkbox") {
      values[field.name] = source.get(field.name) === null ? "" : "on";
    } else {
      values[field.name] = text(source.get(field.name));
    }
  }
  return values;
}

const list = (v: string | undefined) => (v ?? "").split(",").filter(Boolean);

/**
 * Catalog params from form values (the action's zod schema validates them).
 *
 * @example
 * ```ts
 * paramsOf("block-ip", { ip: " 203.0.113.7 ", allowPrivate: "" }); // { ip: "203.0.113.7" }
 * ```
 */
export function paramsOf(actionId: string, values: ParamValues): Record<string, unknown> {
  const on = (name: string) => values[name] === "on";
  switch (actionId) {
    case "lockdown-access-surface":
      return { ports: list(values.ports) };
    case "block-ip":
      return {
        ip: (values.ip ?? "").trim(),
        ...(on("allowPrivate") ? { allowPrivate: true } : {}),
      };
    case "quarantine-unexpected-listener": {
      const unit = (values.unit ?? "").trim();
      return {
        port: values.port ?? "",
        method: values.method || "auto",
        signal: values.signal || "TERM",
        ...(unit ? { unit } : {}),
      };
    }
    case "harden-ssh-auth":
      return {
        disablePasswordLogin: on("disablePasswordLogin"),
        disableRootLogin: on("disableRootLogin"),
        sshUnit: values.sshUnit || "ssh.service",
      };
    default:
      return {};
  }
}

/** A required field is still empty: there is nothing to preview yet. */
export function missingInput(actionId: string, values: ParamValues): boolean {
  return paramFields(actionId, []).some((f) => f.required && !(values[f.name] ?? "").trim());
}

/**
 * Form values as `name=value` pairs (a `ports` field as one pair per port; unchecked boxes left
 * out), for links, redirects and hidden fields that carry the params to the next form.
 */
export function valueEntries(actionId: string, values: ParamValues): [string, string][] {
  const out: [string, string][] = [];
  for (const field of paramFields(actionId, [])) {
    const value = values[field.name] ?? "";
    if (field.kind === "ports") { for (const spec of list(value)) out.push([field.name, spec]); }
    else if (field.kind === "checkbox") {
      if (value === "on") out.push([field.name, "on"]);
    } else out.push([field.name, value]);
  }
  return out;
}

/**
 * The console URL for an action with these values (`preview=1` asks for the plan).
 *
 * @example
 * ```ts
 * consoleUrl("h_1", { action: "block-ip", values: { ip: "203.0.113.7" }, preview: true });
 * // "/hosts/h_1/remediate?action=block-ip&ip=203.0.113.7&preview=1"
 * ```
 */
export function consoleUrl(
  hostId: string,
  opts: {
    action?: string | null;
    breach?: string | null;
    values?: ParamValues;
    preview?: boolean;
    done?: string;
  } = {},
): string {
  const q = new URLSearchParams();
  if (opts.action) q.set("action", opts.action);
  if (opts.breach) q.set("breach", opts.breach);
  if (opts.action && opts.values) {
    for (const [k, v] of valueEntries(opts.action, opts.values)) q.append(k, v);
  }
  if (opts.preview) q.set("preview", "1");
  if (opts.done) q.set("done", opts.done);
  const query = q.toString();
  return `/hosts/${encodeURIComponent(hostId)}/remediate${query ? `?${query}` : ""}`;
}

// ---------------------------------------------------------------------------------------------
// refusals on the form

/** What a refused request shows: errors next to fields, else one message naming the rule. */
export interface ConsoleProblem {
  status: number;
  /** By form field: a param name, `confirm`, `override` or `action`. */
  errors: Record<string, string>;
  message?: string;
  /** The guard rule or error code that refused it (`cooldown`, `plan_changed`, …). */
  rule?: string;
  /** Every guard refusal of the request, when the guard refused it. */
  refusals?: GuardRefusal[];
}

/**
 * Places a refusal of `requestRemediation` on the console form. Anything but an `HttpError` is
 * re-thrown (a bug, not a refusal).
 *
 * @example
 * ```ts
 * try { await requestRemediation(…) } catch (e) { problem = consoleProblem(e, "block-ip") }
 * ```
 */
export function consoleProblem(error: unknown, actionId: string): ConsoleProblem {
  if (!(error instanceof HttpError)) throw error;
  const details = (error.details ?? {}) as {
    field?: unknown;
    rule?: unknown;
    refusals?: GuardRefusal[];
  };
  const field = typeof details.field === "string" ? details.field : "";
  const base = { status: error.status, rule: error.code };
  const names = new Set(paramFields(actionId, []).map((f) => f.name));
  const param = /^params\.([^.]+)/.exec(field)?.[1];
  if (param && names.has(param)) {
    return {
      ...base,
      errors: { [param]: error.message.replace(/^params\.[^:]*: /, "") },
    };
  }
  if (field === "confirm") {
    return { ...base, errors: { confirm: error.message.replace(/^confirm: /, "") } };
  }
  if (field === "actionId") return { ...base, errors: { action: error.message } };
  if (typeof details.rule === "string") {
    const refusals = Array.isArray(details.refusals) ? details.refusals : [];
    return {
      ...base,
      rule: details.rule,
      refusals,
      errors: details.rule === "self_lockout" ? { override: error.message } : {},
      message: error.message,
    };
  }
  return { ...base, errors: {}, message: error.message };
}

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
 * E-mail addresses of users by id (an id that is not a user stays itself).
 *
 * @example
 * ```ts
 * const who = await userLabels(services, runs.map((r) => r.requestedBy));
 * ```
 */
export async function userLabels(
  services: Services,
  ids: (string | null)[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of new Set(ids)) {
    if (!id) continue;
    const user = await getUser(services.ledger, id);
    out.set(id, user ? user.email : id);
  }
  return out;
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

/** The organization's remediation policy as the pages show it (see `PolicyCard`). */
export async function policyView(services: Services, orgId: string) {
  const policy = await getOrgPolicy(services.ledger, orgId);
  const knobs = PROFILES[policy.profile];
  const who = await userLabels(services, [policy.updatedBy]);
  return {
    profile: policy.profile,
    frozen: policy.frozen,
    frozenReason: policy.frozenReason,
    approvalThreshold: policy.approvalThreshold,
    updatedBy: policy.updatedBy ? who.get(policy.updatedBy) ?? policy.updatedBy : null,
    updatedAt: policy.updatedAt?.toISOString() ?? null,
    knobs: {
      cooldownSec: knobs.cooldownSec,
      maxExecutesPerHostPerHour: knobs.maxExecutesPerHostPerHour,
      maxQueuedPerHost: knobs.maxQueuedPerHost,
      maxQueuedGlobal: knobs.maxQueuedGlobal,
      queueTtlMin: knobs.queueTtlMin,
      dryRunMaxAgeMin: knobs.dryRunMaxAgeMin,
    },
  };
}

/**
 * Changes the organization's remediation policy (kill switch, profile, approval threshold) and
 * audits it as `remediation.policy.update`, as `PUT /api/ops/remediate-policy` does. The caller
 * checks the role. 400 naming the field for a bad value.
 *
 * @example
 * ```ts
 * await changeRemediationPolicy(services, auth, client, { frozen: true, frozenReason: "incident 12" });
 * ```
 */
export async function changeRemediationPolicy(
  services: Services,
  auth: AuthState,
  client: ClientInfo,
  change: Record<string, unknown>,
) {
  const orgId = auth.org!.id;
  const policy = await setOrgPolicy(
    services.ledger,
    orgId,
    change,
    auth.user.id,
    services.clock.now(),
  );
  await auditOperatorChange(services, client, auth, {
    action: "remediation.policy.update",
    summary: `remediation policy: ${policy.profile}${policy.frozen ? ", FROZEN" : ""}` +
      `, approval from ${policy.approvalThreshold}`,
    target: { type: "org", id: orgId },
    details: { change },
  });
  return policy;
}
