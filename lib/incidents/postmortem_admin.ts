/**
 * Postmortems over HTTP (ops and above): edit a draft, publish it or waive it with a reason;
 * each audited as `incident.postmortem.edit|publish|waive`. 409 `postmortem_read_only` once
 * published or waived, 404 for another organization's incident.
 *
 * @module
 */

import { z } from "zod";
import { actingOperator, auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import type { AuthState } from "../auth/state.ts";
import { validate } from "../http/input.ts";
import type { Services } from "../services.ts";
import { operatorActor } from "./admin.ts";
import { editPostmortem, finishPostmortem, type Postmortem } from "./postmortem.ts";

/** The body of `POST /api/incidents/:incidentId/postmortem`. */
export const PostmortemFinishInput = z.discriminatedUnion("action", [
  z.object({ action: z.literal("publish") }).strict(),
  z.object({ action: z.literal("waive"), reason: z.string().trim().min(1).max(1000) }).strict(),
], { error: "expected publish or waive" });

function targetOf(services: Services, auth: AuthState, incidentId: string) {
  const { org } = actingOperator(auth);
  return { orgId: org.id, incidentId, actor: operatorActor(auth), now: services.clock.now() };
}

/**
 * Edits the draft of an incident's postmortem for the acting operator, and audits it.
 *
 * @example
 * ```ts
 * const pm = await editPostmortemAs(services, auth, incidentId, { rootCause: "…" }, client);
 * ```
 */
export async function editPostmortemAs(
  services: Services,
  auth: AuthState,
  incidentId: string,
  body: unknown,
  client: ClientInfo,
): Promise<Postmortem> {
  const postmortem = await editPostmortem(
    services.ledger,
    targetOf(services, auth, incidentId),
    body,
  );
  await auditOperatorChange(services, client, auth, {
    action: "incident.postmortem.edit",
    summary: `edited the postmortem of incident ${incidentId}`,
    target: { type: "incident", id: incidentId },
    details: { fields: Object.keys(body as Record<string, unknown>) },
  });
  return postmortem;
}

/**
 * Publishes or waives an incident's postmortem for the acting operator, and audits it.
 *
 * @example
 * ```ts
 * const pm = await finishPostmortemAs(services, auth, incidentId, { action: "publish" }, client);
 * ```
 */
export async function finishPostmortemAs(
  services: Services,
  auth: AuthState,
  incidentId: string,
  body: unknown,
  client: ClientInfo,
): Promise<Postmortem> {
  const input = validate(PostmortemFinishInput, body);
  const postmortem = await finishPostmortem(
    services.ledger,
    targetOf(services, auth, incidentId),
    input,
  );
  await auditOperatorChange(services, client, auth, {
    action: `incident.postmortem.${input.action}`,
    summary: input.action === "publish"
      ? `published the postmortem of incident ${incidentId}`
      : `waived the postmortem of incident ${incidentId}`,
    target: { type: "incident", id: incidentId },
    details: input.action === "waive" ? { reason: input.reason } : {},
  });
  return postmortem;
}
