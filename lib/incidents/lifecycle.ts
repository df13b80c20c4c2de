/**
 * What follows an incident write once it has committed: schedule the escalation timer it armed,
 * send its notification (`incident.opened` to level 1 of the escalation policy, or by the
 * routing rules when the policy has no levels; `incident.resolved`), and audit automatic
 * changes. Operators' changes are audited by the HTTP layer (`admin.ts`).
 *
 * @module
 */

import type { ActorRef } from "../auth/roles.ts";
import { appendAudit } from "../audit/append.ts";
import type { Services } from "../services.ts";
import type { Incident, IncidentActor, TransitionAction } from "./model.ts";
import { notifyIncident, policyTargets } from "./notify_incident.ts";
import { getEscalationPolicy } from "./policy.ts";
import {
  createIncident,
  type IncidentTarget,
  type IncidentWrite,
  type NewIncident,
  transitionIncident,
} from "./store.ts";
import { scheduleTimerOrLog } from "./timer.ts";
import { noteIncident } from "../live/notes.ts";

/**
 * Schedules the timer a write armed. A lost enqueue is logged: the incident keeps its
 * `next_escalation_at`, so the escalation sweep (`jobs/escalation_sweep.ts`) acts on it a few
 * minutes late, and `POST /api/ops/incidents/escalate` escalates by hand.
 *
 * @example
 * ```ts
 * await afterWrite(services, await transitionIncident(ledger, target, "reopen"));
 * ```
 */
export async function afterWrite(
  services: Pick<Services, "kv" | "clock" | "log">,
  write: IncidentWrite,
): Promise<Incident> {
  if (write.timer) await scheduleTimerOrLog(services, write.timer);
  await noteIncident(services, write.incident);
  return write.incident;
}

/**
 * Appends an audit entry for an automatic incident change (ingest, heartbeat, escalation).
 *
 * @example
 * ```ts
 * await auditSystem(services, incident, "incident.open", "opened from outbound_scan_ioc", "ingest");
 * ```
 */
export async function auditSystem(
  services: Pick<Services, "ledger" | "clock">,
  incident: Pick<Incident, "id" | "orgId" | "state" | "severity" | "hostId">,
  action: string,
  summary: string,
  component: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  const actor: ActorRef = { type: "system", id: component };
  await appendAudit(services.ledger, {
    orgId: incident.orgId,
    actor,
    action,
    summary: summary.slice(0, 480),
    target: { type: "incident", id: incident.id },
    details: {
      state: incident.state,
      severity: incident.severity,
      hostId: incident.hostId,
      ...details,
    },
    ts: services.clock.now(),
  });
}

/**
 * Announces a new (or re-opened) incident: `incident.opened` by the routing rules (the
 * organization's channels), and, when the escalation policy has levels, to level 1 (paging).
 *
 * @example
 * ```ts
 * await notifyOpened(services, incident);
 * ```
 */
export async function notifyOpened(services: Services, incident: Incident): Promise<void> {
  const key = `incident.opened:${incident.id}:${incident.reopenCount}`;
  await notifyIncident(services, incident, "opened", { dedupeKey: key });
  const policy = await getEscalationPolicy(services.ledger, incident.orgId);
  const targets = await policyTargets(services.ledger, policy, 1);
  if (targets) {
    await notifyIncident(services, incident, "opened", {
      level: 1,
      targets,
      dedupeKey: `${key}:level1`,
    });
  }
}

/**
 * Opens an incident and does what follows: its timer, its notification, and (for automatic
 * openings) its audit entry.
 *
 * @example
 * ```ts
 * const incident = await openIncident(services, { orgId, title, summary, severity: "high",
 *   source: "manual", hostIds: [hostId] }, { type: "user", id: userId });
 * ```
 */
export async function openIncident(
  services: Services,
  input: NewIncident,
  actor: IncidentActor,
): Promise<Incident> {
  const incident = await afterWrite(
    services,
    await createIncident(services.ledger, input, actor, services.clock.now()),
  );
  if (actor.type === "system") {
    await auditSystem(
      services,
      incident,
      "incident.open",
      `opened incident "${incident.title}"`,
      actor.id,
      { source: input.source, groupKey: input.groupKey ?? null },
    );
  }
  await notifyOpened(services, incident);
  return incident;
}

/**
 * Acknowledges, resolves, closes or re-opens an incident (409 on an illegal transition), then
 * schedules the timer of a re-open and notifies a resolve or re-open.
 *
 * @example
 * ```ts
 * const incident = await changeIncidentState(services, target, "acknowledge");
 * ```
 */
export async function changeIncidentState(
  services: Services,
  target: IncidentTarget,
  action: TransitionAction,
  reason?: string,
): Promise<Incident> {
  const incident = await afterWrite(
    services,
    await transitionIncident(services.ledger, target, action, reason),
  );
  if (action === "resolve") {
    await notifyIncident(services, incident, "resolved", {
      dedupeKey: `incident.resolved:${incident.id}:${incident.reopenCount}`,
    });
  } else if (action === "reopen") {
    await notifyOpened(services, incident);
  }
  return incident;
}
