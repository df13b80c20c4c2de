/**
 * Incident actions over HTTP (ops and above; the route policy checks the role): create by
 * hand, and `{action: acknowledge | resolve | close | reopen | assign | note | link | unlink}`
 * on one incident. Validates the body (400 naming the field), scopes everything to the active
 * organization (404 otherwise), runs the action and appends its audit entry (`incident.<verb>`).
 *
 * @module
 */

import { z } from "zod";
import { actingOperator, auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import type { AuthState } from "../auth/state.ts";
import { HttpError } from "../fresh/errors.ts";
import { validate } from "../http/input.ts";
import { getUser } from "../orgs/users.ts";
import type { Services } from "../services.ts";
import { changeIncidentState, openIncident } from "./lifecycle.ts";
import {
  type Incident,
  INCIDENT_SEVERITIES,
  type IncidentActor,
  LINK_KINDS,
  type LinkKind,
} from "./model.ts";
import { addNote, assignIncident, linkIncident, refInOrg } from "./store.ts";

const Ids = z.array(z.string().trim().min(1).max(64)).max(100).default([]);
const Reason = z.string().trim().min(1).max(1000).optional();

/** The body of `POST /api/incidents`. */
export const IncidentCreateInput = z.object({
  title: z.string().trim().min(1).max(200),
  summary: z.string().trim().max(4000).default(""),
  severity: z.enum(INCIDENT_SEVERITIES),
  hostIds: Ids,
  signalIds: Ids,
  breachIds: Ids,
  runIds: Ids,
}).strict();

/** The body of `POST /api/incidents/:incidentId`. */
export const IncidentActionInput = z.discriminatedUnion("action", [
  z.object({ action: z.literal("acknowledge"), reason: Reason }).strict(),
  z.object({ action: z.literal("resolve"), reason: Reason }).strict(),
  z.object({ action: z.literal("close"), reason: Reason }).strict(),
  z.object({ action: z.literal("reopen"), reason: Reason }).strict(),
  z.object({
    action: z.literal("assign"),
    assigneeId: z.string().trim().min(1).max(64).nullable(),
  }).strict(),
  z.object({ action: z.literal("note"), text: z.string().trim().min(1).max(4000) }).strict(),
  z.object({
    action: z.literal("link"),
    kind: z.enum(LINK_KINDS),
    refId: z.string().trim().min(1).max(64),
  }).strict(),
  z.object({
    action: z.literal("unlink"),
    kind: z.enum(LINK_KINDS),
    refId: z.string().trim().min(1).max(64),
  }).strict(),
], { error: "expected one of acknowledge, resolve, close, reopen, assign, note, link, unlink" });
export type IncidentActionInput = z.infer<typeof IncidentActionInput>;

/**
 * The acting operator as an incident actor.
 *
 * @example
 * ```ts
 * const actor = operatorActor(authOf(ctx));
 * ```
 */
export function operatorActor(auth: AuthState): IncidentActor {
  const { user } = actingOperator(auth);
  return { type: "user", id: user.id, label: user.email };
}

async function checkRefs(
  services: Services,
  orgId: string,
  kind: LinkKind,
  field: string,
  ids: string[],
): Promise<void> {
  for (const [i, id] of ids.entries()) {
    if (!(await refInOrg(services.ledger, orgId, kind, id))) {
      throw new HttpError(400, `${field}.${i}: no such ${kind} in this organization`, {
        code: "invalid_input",
        details: { field: `${field}.${i}` },
      });
    }
  }
}

/**
 * Opens an incident by hand for the acting operator, and audits it (`incident.create`).
 *
 * @example
 * ```ts
 * const incident = await createIncidentByHand(services, auth, body, clientOf(ctx));
 * ```
 */
export async function createIncidentByHand(
  services: Services,
  auth: AuthState,
  body: unknown,
  client: ClientInfo,
): Promise<Incident> {
  const input = validate(IncidentCreateInput, body);
  const { org } = actingOperator(auth);
  await checkRefs(services, org.id, "host", "hostIds", input.hostIds);
  await checkRefs(services, org.id, "signal", "signalIds", input.signalIds);
  await checkRefs(services, org.id, "breach", "breachIds", input.breachIds);
  await checkRefs(services, org.id, "run", "runIds", input.runIds);
  const incident = await openIncident(services, {
    orgId: org.id,
    title: input.title,
    summary: input.summary,
    severity: input.severity,
    source: "manual",
    hostIds: input.hostIds,
    signalIds: input.signalIds,
    breachIds: input.breachIds,
    runIds: input.runIds,
  }, operatorActor(auth));
  await auditOperatorChange(services, client, auth, {
    action: "incident.create",
    summary: `opened incident "${incident.title}" (${incident.severity})`,
    target: { type: "incident", id: incident.id },
    details: { severity: incident.severity, hostIds: input.hostIds },
  });
  return incident;
}

/**
 * Runs one action on an incident of the active organization and audits it.
 *
 * @example
 * ```ts
 * const incident = await incidentAction(services, auth, ctx.params.incidentId, body, clientOf(ctx));
 * ```
 */
export async function incidentAction(
  services: Services,
  auth: AuthState,
  incidentId: string,
  body: unknown,
  client: ClientInfo,
): Promise<Incident> {
  const input = validate(IncidentActionInput, body);
  const { org } = actingOperator(auth);
  const target = {
    orgId: org.id,
    incidentId,
    actor: operatorActor(auth),
    now: services.clock.now(),
  };
  let incident: Incident;
  let summary: string;
  const details: Record<string, unknown> = {};
  switch (input.action) {
    case "acknowledge":
    case "resolve":
    case "close":
    case "reopen":
      incident = await changeIncidentState(services, target, input.action, input.reason);
      summary = `${input.action} incident "${incident.title}"`;
      if (input.reason) details.reason = input.reason;
      break;
    case "assign": {
      const user = input.assigneeId ? await getUser(services.ledger, input.assigneeId) : null;
      if (input.assigneeId && !user) {
        throw new HttpError(400, "assigneeId: not a member of this organization", {
          code: "invalid_input",
          details: { field: "assigneeId" },
        });
      }
      incident = await assignIncident(
        services.ledger,
        target,
        user ? { id: user.id, email: user.email } : null,
      );
      summary = user
        ? `assigned incident "${incident.title}" to ${user.email}`
        : `unassigned incident "${incident.title}"`;
      details.assigneeId = input.assigneeId;
      break;
    }
    case "note":
      incident = await addNote(services.ledger, target, input.text);
      summary = `noted on incident "${incident.title}"`;
      break;
    case "link":
    case "unlink":
      incident = await linkIncident(services.ledger, target, {
        kind: input.kind,
        refId: input.refId,
        unlink: input.action === "unlink",
      });
      summary = `${input.action}ed ${input.kind} ${input.refId} ${
        input.action === "link" ? "to" : "from"
      } incident "${incident.title}"`;
      details.kind = input.kind;
      details.refId = input.refId;
      break;
  }
  await auditOperatorChange(services, client, auth, {
    action: `incident.${input.action}`,
    summary,
    target: { type: "incident", id: incident.id },
    details: { state: incident.state, ...details },
  });
  return incident;
}
