import { define } from "@/lib/define.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";
import { auditOperatorChange } from "@/lib/auth/request_audit.ts";
import { JsonObject, readJson } from "@/lib/http/input.ts";
import { getEscalationPolicy, setEscalationPolicy } from "@/lib/incidents/policy.ts";

/**
 * The organization's escalation policy: read (ops), replace (admin, audited). Levels name
 * members of the organization and its notification endpoints (400 naming the field otherwise).
 */
export const handler = define.handlers({
  async GET(ctx) {
    const policy = await getEscalationPolicy(ctx.state.services.ledger, authOf(ctx).org!.id);
    return ok({ policy });
  },
  async PUT(ctx) {
    const auth = authOf(ctx);
    const { services } = ctx.state;
    const body = await readJson(ctx.req, JsonObject);
    const policy = await setEscalationPolicy(
      services.ledger,
      auth.org!.id,
      body,
      auth.user.id,
      services.clock.now(),
    );
    await auditOperatorChange(services, clientOf(ctx), auth, {
      action: "incident.policy.update",
      summary: `escalation policy: ${policy.levels.length} level(s), ack ` +
        `${policy.ackMinutes.critical}/${policy.ackMinutes.high}/${policy.ackMinutes.medium} min`,
      target: { type: "org", id: auth.org!.id },
      details: { change: body },
    });
    return ok({ policy });
  },
});
