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

/** An object's error: `unknown field "x"` for a key it does not take, else `expected <what>`. */
function objectError(what: string) {
  return (issue: { code?: string; keys?: string[] }) =>
    issue.code === "unrecognized_keys"
      ? `unknown field ${issue.keys!.map((k) => JSON.stringify(k)).join(", ")}; expected ${what}`
      : `expected ${what}`;
}

/** Trimmed text of at most `max` characters; with `empty` (what to write), required. */
function text(max: number, empty?: string) {
  const base = z.string({ error: empty ?? `text of at most ${max} characters` }).trim();
  return (empty ? base.min(1, empty) : base).max(max, `at most ${max} characters`);
}

const ID = "an id of 1 to 64 characters";
const Id = z.string({ error: ID }).trim().min(1, ID).max(64, ID);
const Ids = z.array(Id, { error: "a list of ids" }).max(100, "at most 100 ids").default([]);
const Reason = text(1000, "write a reason, or leave the field out").optional();
const LINK_KIND = { error: `one of ${LINK_KINDS.join(", ")}` };
const strict = <T extends z.ZodRawShape>(shape: T, fields: string) =>
  z.object(shape, { error: objectError(fields) }).strict();

/** The body of `POST /api/incidents`. */
export const IncidentCreateInput = strict({
  title: text(200, "write a title"),
  summary: text(4000).default(""),
  severity: z.enum(INCIDENT_SEVERITIES, {
    error: `one of ${INCIDENT_SEVERITIES.join(", ")}`,
  }),
  hostIds: Ids,
  signalIds: Ids,
  breachIds: Ids,
  runIds: Ids,
}, "title, summary, severity, hostIds, signalIds, breachIds, runIds");

/** The body of `POST /api/incidents/:incidentId`. */
export const IncidentActionInput = z.discriminatedUnion("action", [
  strict({ action: z.literal("acknowledge"), reason: Reason }, "action, reason"),
  strict({ action: z.literal("resolve"), reason: Reason }, "action, reason"),
  strict({ action: z.literal("close"), reason: Reason }, "action, reason"),
  strict({ action: z.literal("reopen"), reason: Reason }, "action, reason"),
  strict({
    action: z.literal("assign"),
    assigneeId: z.string({ error: "a member id, or null to unassign" }).trim()
      .min(1, "a member id, or null to unassign").max(64, ID).nullable(),
  }, "action, assigneeId"),
  strict({ action: z.literal("note"), text: text(4000, "write a note") }, "action, text"),
  strict({
    action: z.literal("link"),
    kind: z.enum(LINK_KINDS, LINK_KIND),
    refId: Id,
  }, "action, kind, refId"),
  strict({
    action: z.literal("unlink"),
    kind: z.enum(LINK_KINDS, LINK_KIND),
    refId: Id,
  }, "action, kind, refId"),
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
