/**
 * Audit entries for requests: actor, organization, request id, client address
 * and user agent come from the request context, so routes only say what happened.
 */
import type { FreshContext } from "../fresh/mod.ts";
import type { State } from "../state.ts";
import { appendAudit, type AuditEntry } from "../audit/append.ts";
import type { ActorRef } from "./roles.ts";

export interface RequestAuditInput {
  /** `<area>.<verb>[.denied|.failed]`, e.g. `org.member.remove`. */
  action: string;
  summary: string;
  target?: { type: string; id: string };
  details?: Record<string, unknown>;
  /** Defaults to the active organization; `null` for the global chain. */
  orgId?: string | null;
  /** Defaults to the signed-in user, else anonymous. */
  actor?: ActorRef;
}

/** The actor of a request: the signed-in user, else anonymous. */
export function requestActor(state: State): ActorRef {
  const user = state.auth?.user;
  return user ? { type: "user", id: user.id, label: user.email } : { type: "anonymous", id: "" };
}

/**
 * Appends an audit entry for the current request.
 *
 * @example
 * ```ts
 * await auditRequest(ctx, { action: "org.member.remove", summary: `removed ${email}`, target: { type: "user", id } });
 * ```
 */
export function auditRequest(
  ctx: FreshContext<State>,
  input: RequestAuditInput,
): Promise<AuditEntry> {
  const { state } = ctx;
  return appendAudit(state.services.ledger, {
    orgId: input.orgId !== undefined ? input.orgId : state.auth?.org?.id ?? null,
    actor: input.actor ?? requestActor(state),
    action: input.action,
    target: input.target,
    requestId: ctx.requestId,
    ip: state.ip,
    userAgent: ctx.req.headers.get("user-agent")?.slice(0, 400) ?? undefined,
    summary: input.summary,
    details: input.details,
    ts: state.services.clock.now(),
  });
}
