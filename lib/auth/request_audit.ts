/**
 * Audit entries for requests: request id, client address and user agent come
 * from the request, so callers only say who did what to which target.
 */
import type { FreshContext } from "../fresh/mod.ts";
import type { Services } from "../services.ts";
import type { State } from "../state.ts";
import { appendAudit, type AuditEntry } from "../audit/append.ts";
import type { ActorRef } from "./roles.ts";
import type { AuthState, OrgChoice } from "./state.ts";
import { HttpError } from "../fresh/mod.ts";

/** Where a request comes from, for throttles and the audit trail. */
export interface ClientInfo {
  ip: string;
  userAgent?: string;
  requestId?: string;
}

/** What happened, for {@link auditForClient}. */
export interface ClientAuditInput {
  /** `<area>.<verb>[.denied|.failed]`, e.g. `org.member.remove`. */
  action: string;
  summary: string;
  actor: ActorRef;
  /** The organization's chain, or `null` for the global chain (sign-ins, lockouts). */
  orgId: string | null;
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
}

/**
 * Appends an audit entry stamped with the client's request id, address and user agent.
 *
 * @example
 * ```ts
 * await auditForClient(services, client, { action: "auth.sign_in", summary, actor, orgId: null });
 * ```
 */
export function auditForClient(
  services: Services,
  client: ClientInfo,
  input: ClientAuditInput,
): Promise<AuditEntry> {
  return appendAudit(services.ledger, {
    ...input,
    requestId: client.requestId,
    ip: client.ip,
    userAgent: client.userAgent,
    ts: services.clock.now(),
  });
}

/** The actor of a request: the signed-in user, else anonymous. */
export function requestActor(state: State): ActorRef {
  const user = state.auth?.user;
  return user ? { type: "user", id: user.id, label: user.email } : { type: "anonymous", id: "" };
}

/** Address, user agent and request id of the request. */
export function clientOf(ctx: FreshContext<State>): ClientInfo {
  return {
    ip: ctx.state.ip,
    userAgent: ctx.req.headers.get("user-agent")?.slice(0, 400) ?? undefined,
    requestId: ctx.requestId,
  };
}

/**
 * Appends an audit entry for the current request: the signed-in user (else anonymous) in the
 * active organization's chain unless told otherwise.
 *
 * @example
 * ```ts
 * await auditRequest(ctx, { action: "org.member.remove", summary: `removed ${email}`, target: { type: "user", id } });
 * ```
 */
export function auditRequest(
  ctx: FreshContext<State>,
  input:
    & Omit<ClientAuditInput, "actor" | "orgId">
    & Partial<Pick<ClientAuditInput, "actor" | "orgId">>,
): Promise<AuditEntry> {
  const { state } = ctx;
  return auditForClient(state.services, clientOf(ctx), {
    ...input,
    orgId: input.orgId !== undefined ? input.orgId : state.auth?.org?.id ?? null,
    actor: input.actor ?? requestActor(state),
  });
}

/** The operator acting in their active organization; 403 when they belong to none. */
export function actingOperator(auth: AuthState): { user: AuthState["user"]; org: OrgChoice } {
  if (!auth.org) {
    throw new HttpError(403, "You are not a member of any organization.", {
      code: "no_organization",
    });
  }
  return { user: auth.user, org: auth.org };
}

/**
 * An administrative change by the acting operator, in their active organization's chain.
 *
 * @example
 * ```ts
 * await auditOperatorChange(services, client, auth, { action: "host.update", summary, target: { type: "host", id } });
 * ```
 */
export function auditOperatorChange(
  services: Services,
  client: ClientInfo,
  auth: AuthState,
  input: Pick<ClientAuditInput, "action" | "summary" | "target" | "details">,
): Promise<AuditEntry> {
  const { user, org } = actingOperator(auth);
  return auditForClient(services, client, {
    ...input,
    orgId: org.id,
    actor: { type: "user", id: user.id, label: user.email },
  });
}
