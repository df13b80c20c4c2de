/**
 * Breach actions over HTTP: `POST /api/hosts/:hostId/breaches` with
 * `{action: "create" | "fix" | "reopen" | "ignore", …}`. Validates the body (400 naming the
 * field), scopes the host and breach to the active organization (404 otherwise), runs the
 * action and appends its audit entry (`breach.create|fix|reopen|ignore`).
 *
 * @module
 */

import { z } from "zod";
import { actingOperator, auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import type { AuthState } from "../auth/state.ts";
import { HttpError } from "../fresh/errors.ts";
import { hostOr404 } from "../hosts/admin.ts";
import { validate } from "../http/input.ts";
import type { Services } from "../services.ts";
import { SEVERITIES } from "../signals/types.ts";
import { createManualBreach, ignoreBreach, markBreachFixed, reopenBreach } from "./actions.ts";
import type { Breach } from "./model.ts";
import { noteBreach } from "../live/notes.ts";

const CODE = "1 to 64 lowercase letters, digits or underscores";
const BreachId = z.string({ error: "expected a breach id" })
  .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, "expected a breach id");
const Reason = z.string({ error: "write a reason (at most 1000 characters)" }).trim()
  .min(1, "write a reason").max(1000, "at most 1000 characters");
const OptionalReason = z.string({ error: "a reason of at most 1000 characters" }).trim()
  .min(1, "write a reason, or leave the field out").max(1000, "at most 1000 characters")
  .optional();

/** The body of a breach action. */
export const BreachActionInput = z.discriminatedUnion("action", [
  z.object({
    action: z.literal("create"),
    title: z.string({ error: "write a title" }).trim().min(1, "write a title")
      .max(200, "at most 200 characters"),
    severity: z.enum(SEVERITIES, { error: `one of ${SEVERITIES.join(", ")}` }),
    detail: z.string({ error: "text of at most 4000 characters" })
      .max(4000, "at most 4000 characters").optional(),
    code: z.string({ error: CODE }).regex(/^[a-z0-9_]{1,64}$/, CODE).optional(),
    fingerprint: z.string({ error: "1 to 300 characters" }).trim()
      .min(1, "1 to 300 characters").max(300, "1 to 300 characters").optional(),
    evidence: z.record(z.string(), z.unknown(), { error: "a JSON object" }).optional(),
  }),
  z.object({ action: z.literal("fix"), breachId: BreachId, reason: OptionalReason }),
  z.object({ action: z.literal("reopen"), breachId: BreachId, reason: OptionalReason }),
  z.object({
    action: z.literal("ignore"),
    breachId: BreachId,
    reason: Reason,
    until: z.iso.datetime({
      offset: true,
      error: "a time with its zone, e.g. 2026-12-01T08:00:00Z",
    }).nullable().optional(),
  }),
], { error: "expected one of create, fix, reopen, ignore" });

/**
 * Runs one breach action for the acting operator and audits it.
 *
 * @example
 * ```ts
 * const breach = await breachAction(services, authOf(ctx), ctx.params.hostId, body, clientOf(ctx));
 * ```
 */
export async function breachAction(
  services: Services,
  auth: AuthState,
  hostId: string,
  body: unknown,
  client: ClientInfo,
): Promise<{ breach: Breach; created: boolean }> {
  const input = validate(BreachActionInput, body);
  const { user, org } = actingOperator(auth);
  const host = await hostOr404(services, org.id, hostId);
  const now = services.clock.now();
  const actor = { type: "user" as const, id: user.id };
  let breach: Breach;
  let summary: string;
  if (input.action === "create") {
    breach = await createManualBreach(
      services.ledger,
      {
        orgId: org.id,
        hostId: host.id,
        title: input.title,
        severity: input.severity,
        detail: input.detail,
        code: input.code,
        fingerprint: input.fingerprint,
        evidence: input.evidence,
      },
      actor,
      now,
    );
    summary = `recorded breach "${breach.title}" on ${host.name}`;
  } else {
    const target = { orgId: org.id, hostId: host.id, breachId: input.breachId, actor, now };
    if (input.action === "fix") {
      breach = await markBreachFixed(services.ledger, target, input.reason);
      summary = `marked breach "${breach.title}" on ${host.name} fixed`;
    } else if (input.action === "reopen") {
      breach = await reopenBreach(services.ledger, target, input.reason);
      summary = `re-opened breach "${breach.title}" on ${host.name}`;
    } else {
      const until = input.until ? new Date(input.until) : null;
      if (until !== null && until.getTime() <= now.getTime()) {
        throw new HttpError(400, "until: must be in the future", {
          code: "invalid_input",
          details: { field: "until" },
        });
      }
      breach = await ignoreBreach(services.ledger, target, { reason: input.reason, until });
      summary = `ignored breach "${breach.title}" on ${host.name}` +
        (until ? ` until ${until.toISOString()}` : "");
    }
  }
  await auditOperatorChange(services, client, auth, {
    action: `breach.${input.action}`,
    summary,
    target: { type: "breach", id: breach.id },
    details: {
      hostId: host.id,
      state: breach.state,
      ...("reason" in input && input.reason ? { reason: input.reason } : {}),
    },
  });
  await noteBreach(services, breach, input.action);
  return { breach, created: input.action === "create" };
}
