/**
 * An operator's request in the form the domain layer takes it: the services, the signed-in
 * operator, and where the request comes from (for throttles and the audit trail), with the JSON
 * object body when there is one. Domain operations are written as
 * `operation(services, auth, …ids, body, client)`; routes read these parts here, in one place.
 *
 * @module
 */
import type { FreshContext } from "../fresh/mod.ts";
import { authOf } from "../auth/http.ts";
import { auditOperatorChange, type ClientInfo, clientOf } from "../auth/request_audit.ts";
import type { AuthState } from "../auth/state.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import type { Services } from "../services.ts";
import type { State } from "../state.ts";
import { JsonObject, readJson } from "./input.ts";

/** Who asks, from where, with which services. */
export interface OperatorRequest {
  services: Services;
  auth: AuthState;
  client: ClientInfo;
}

/**
 * The services, signed-in operator (401 without one) and client of a request.
 *
 * @example
 * ```ts
 * const { services, auth, client } = operatorOf(ctx);
 * await incidentAction(services, auth, ctx.params.incidentId, { action: "resolve" }, client);
 * ```
 */
export function operatorOf(ctx: FreshContext<State>): OperatorRequest {
  return { services: ctx.state.services, auth: authOf(ctx), client: clientOf(ctx) };
}

/**
 * {@link operatorOf} with the request's JSON object body, read first (415, or 400 naming the
 * body, before anything else is looked at). The domain operation validates the fields.
 *
 * @example
 * ```ts
 * const { services, auth, body, client } = await operatorJson(ctx);
 * return ok({ settings: await updateNotifySettings(services, auth, body, client) });
 * ```
 */
export async function operatorJson(
  ctx: FreshContext<State>,
): Promise<OperatorRequest & { body: Record<string, unknown> }> {
  const body = await readJson(ctx.req, JsonObject);
  return { ...operatorOf(ctx), body };
}

/** How {@link saveOrgSetting} stores a setting: validates `input` (400 naming the field). */
export type OrgSettingStore<T> = (
  ledger: Ledger,
  orgId: string,
  input: unknown,
  userId: string,
  now: Date,
) => Promise<T>;

/**
 * Stores an organization-wide setting for the acting operator and audits it with the change as
 * sent, the organization as its target.
 *
 * @example
 * ```ts
 * const policy = await saveOrgSetting(operatorOf(ctx), body, setEscalationPolicy, {
 *   action: "incident.policy.update",
 *   summary: (p) => `escalation policy: ${p.levels.length} level(s)`,
 * });
 * ```
 */
export async function saveOrgSetting<T>(
  op: OperatorRequest,
  change: Record<string, unknown>,
  store: OrgSettingStore<T>,
  audit: { action: string; summary: (saved: T) => string },
): Promise<T> {
  const { services, auth, client } = op;
  const orgId = auth.org!.id;
  const saved = await store(services.ledger, orgId, change, auth.user.id, services.clock.now());
  await auditOperatorChange(services, client, auth, {
    action: audit.action,
    summary: audit.summary(saved),
    target: { type: "org", id: orgId },
    details: { change },
  });
  return saved;
}
