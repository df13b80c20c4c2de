/**
 * The incident page's data (`routes/incidents/[incidentId].tsx`): the incident with its
 * timeline (actors as e-mail addresses), linked items with their console links, workflow steps
 * with their latest results, the postmortem, and who may do what.
 *
 * @module
 */

import type { Role } from "../auth/roles.ts";
import { roleAtLeast } from "../auth/roles.ts";
import type { Services } from "../services.ts";
import { hostNames } from "../ui/host_names.ts";
import { incidentNotFound } from "./model.ts";
import { memberOptions } from "./page_data.ts";
import { getEscalationPolicy } from "./policy.ts";
import { getPostmortem, type Postmortem } from "./postmortem.ts";
import { getIncident, type LinkedItem } from "./query.ts";
import { type StepStatus, workflowStates } from "./workflow_run.ts";
import { WORKFLOWS } from "./workflows.ts";
import { counted } from "../text/plural.ts";

/** One timeline row. */
export interface TimelineRow {
  id: string;
  ts: string;
  type: string;
  actor: string;
  change: string | null;
  message: string;
}

/** One linked item with where it lives in the console. */
export interface LinkRow extends LinkedItem {
  href: string;
}

/** One workflow with its steps' latest results. */
export interface WorkflowView {
  id: string;
  title: string;
  description: string;
  steps: {
    id: string;
    title: string;
    description: string;
    kind: string;
    status: StepStatus;
    detail: string | null;
    /** The remediation run the step started, if any (linked to `/remediation/<runId>`). */
    runId: string | null;
    at: string | null;
  }[];
}

/** Everything the incident page renders (besides form state). */
export interface IncidentPageData {
  incident: {
    id: string;
    title: string;
    summary: string;
    severity: string;
    state: "open" | "acknowledged" | "resolved" | "closed";
    hostId: string | null;
    hostName: string | null;
    assigneeId: string | null;
    assignee: string | null;
    openedAt: string;
    /** The latest acknowledgement (the one of the current cycle unless re-opened since). */
    acknowledgedAt: string | null;
    /** Re-opened after an acknowledgement and not acknowledged again: that earlier time. */
    previouslyAcknowledgedAt: string | null;
    resolvedAt: string | null;
    closedAt: string | null;
    ackDueAt: string | null;
    nextEscalationAt: string | null;
    escalationLevel: number;
    remindersSent: number;
    signalCount: number;
    source: string;
  };
  levels: number;
  overdue: boolean;
  suggestResolve: boolean;
  timeline: TimelineRow[];
  links: LinkRow[];
  workflows: WorkflowView[];
  postmortem: {
    status: Postmortem["status"];
    summary: string;
    impact: string;
    rootCause: string;
    actionItems: Postmortem["actionItems"];
    prefill: Postmortem["prefill"];
    waiveReason: string | null;
    publishedAt: string | null;
  } | null;
  members: [string, string][];
  /** Ops and above act on incidents. */
  manage: boolean;
}

const HREFS: Record<LinkedItem["kind"], (id: string) => string> = {
  host: (id) => `/hosts/${id}`,
  breach: (id) => `/breaches/${id}`,
  run: (id) => `/remediation/${id}`,
  signal: () => "",
};

/** A result key in words (`runState` → "run state"). */
function words(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").toLowerCase();
}

function resultDetail(result: Record<string, unknown> | null): string | null {
  if (!result) return null;
  if (typeof result.error === "string") return result.error;
  if (typeof result.note === "string") return result.note;
  if (typeof result.actionId === "string") {
    const mode = typeof result.mode === "string" && result.mode !== ""
      ? result.mode[0].toUpperCase() + result.mode.slice(1)
      : "Plan";
    const steps = typeof result.steps === "number" ? `, ${counted(result.steps, "step")}` : "";
    const approval = result.needsApproval === true ? ", needs approval" : "";
    const guards = Array.isArray(result.guardRefusals) && result.guardRefusals.length > 0
      ? `, refused by ${result.guardRefusals.join(", ")}`
      : "";
    const run = typeof result.runId === "string"
      ? `, run ${typeof result.runState === "string" ? result.runState : "started"}`
      : "";
    return `${mode} of ${result.actionId}${steps}${approval}${guards}${run}`;
  }
  const parts = Object.entries(result)
    .filter(([, v]) => ["string", "number", "boolean"].includes(typeof v))
    .slice(0, 6).map(([k, v]) => `${words(k)}: ${v}`);
  return parts.length ? parts.join(", ") : null;
}

/** When the incident was last acknowledged, and whether a re-open came after that. */
function acknowledgement(
  incident: { state: string; acknowledgedAt: Date | null },
  events: { type: string; ts: Date }[],
): { at: string | null; previously: string | null } {
  const lastAck = events.findLast((e) => e.type === "acknowledged")?.ts ?? incident.acknowledgedAt;
  const lastReopen = events.findLast((e) => e.type === "reopened")?.ts ?? null;
  const at = lastAck?.toISOString() ?? null;
  if (incident.state === "open" && lastAck && lastReopen && lastReopen >= lastAck) {
    return { at: null, previously: at };
  }
  return { at, previously: null };
}

/**
 * Loads the page of one incident of `orgId` (404 when it is not there).
 *
 * @example
 * ```ts
 * const data = await loadIncidentPage(ctx.state.services, org, ctx.params.incidentId);
 * ```
 */
export async function loadIncidentPage(
  services: Services,
  org: { id: string; role: Role },
  incidentId: string,
): Promise<IncidentPageData> {
  const now = services.clock.now();
  const found = await getIncident(services.ledger, org.id, incidentId, now);
  if (!found) throw incidentNotFound();
  const { incident } = found;
  const members = await memberOptions(services, org.id);
  const emails = new Map(members);
  const names = await hostNames(services, org.id, incident.hostId ? [incident.hostId] : []);
  const states = await workflowStates(services.ledger, org.id, incident.id);
  const pm = await getPostmortem(services.ledger, org.id, incident.id);
  const policy = await getEscalationPolicy(services.ledger, org.id);
  const ack = acknowledgement(incident, found.events);
  const label = (type: string, id: string) => type === "user" ? emails.get(id) ?? id : id;
  return {
    incident: {
      id: incident.id,
      title: incident.title,
      summary: incident.summary,
      severity: incident.severity,
      state: incident.state,
      hostId: incident.hostId,
      hostName: incident.hostId ? names.get(incident.hostId)?.name ?? incident.hostId : null,
      assigneeId: incident.assigneeId,
      assignee: incident.assigneeId ? emails.get(incident.assigneeId) ?? null : null,
      openedAt: incident.openedAt.toISOString(),
      acknowledgedAt: ack.at,
      previouslyAcknowledgedAt: ack.previously,
      resolvedAt: incident.resolvedAt?.toISOString() ?? null,
      closedAt: incident.closedAt?.toISOString() ?? null,
      ackDueAt: incident.ackDueAt?.toISOString() ?? null,
      nextEscalationAt: incident.nextEscalationAt?.toISOString() ?? null,
      escalationLevel: incident.escalationLevel,
      remindersSent: incident.remindersSent,
      signalCount: incident.signalCount,
      source: incident.source,
    },
    levels: policy.levels.length,
    overdue: found.overdue,
    suggestResolve: found.suggestResolve,
    timeline: found.events.map((e) => ({
      id: e.id,
      ts: e.ts.toISOString(),
      type: e.type,
      actor: e.actorType === "system" ? `system (${e.actorId})` : label("user", e.actorId),
      change: e.fromState || e.toState ? `${e.fromState ?? "—"} → ${e.toState ?? "—"}` : null,
      message: e.message,
    })),
    links: found.links.map((l) => ({ ...l, href: HREFS[l.kind](l.id) })),
    workflows: WORKFLOWS.map((w) => ({
      id: w.id,
      title: w.title,
      description: w.description,
      steps: w.steps.map((s) => {
        const state = states.find((x) => x.workflowId === w.id && x.stepId === s.id);
        return {
          id: s.id,
          title: s.title,
          description: s.description,
          kind: s.kind,
          status: state?.status ?? "pending",
          detail: resultDetail(state?.result ?? null),
          runId: typeof state?.result?.runId === "string" ? state.result.runId : null,
          at: state?.updatedAt?.toISOString() ?? null,
        };
      }),
    })),
    postmortem: pm && {
      status: pm.status,
      summary: pm.summary,
      impact: pm.impact,
      rootCause: pm.rootCause,
      actionItems: pm.actionItems,
      prefill: pm.prefill,
      waiveReason: pm.waiveReason,
      publishedAt: pm.publishedAt?.toISOString() ?? null,
    },
    members,
    manage: roleAtLeast(org.role, "ops"),
  };
}

/**
 * Action items from the postmortem form: rows `item-<n>-title|owner|due|status|id`, empty
 * titles skipped.
 *
 * @example
 * ```ts
 * postmortemItemsFromForm({ "item-0-title": "Rotate keys", "item-0-owner": userId });
 * ```
 */
export function postmortemItemsFromForm(values: Record<string, string>) {
  const items = [];
  for (let n = 0; n <= 50; n++) {
    const title = (values[`item-${n}-title`] ?? "").trim();
    if (!title) continue;
    const id = values[`item-${n}-id`];
    items.push({
      ...(id ? { id } : {}),
      title,
      ownerId: values[`item-${n}-owner`] || null,
      dueDate: values[`item-${n}-due`] || null,
      status: values[`item-${n}-status`] === "done" ? "done" : "open",
    });
  }
  return items;
}
