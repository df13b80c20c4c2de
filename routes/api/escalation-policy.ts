import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { operatorJson, saveOrgSetting } from "@/lib/http/operator_request.ts";
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
    const { body, ...op } = await operatorJson(ctx);
    const policy = await saveOrgSetting(op, body, setEscalationPolicy, {
      action: "incident.policy.update",
      summary: (p) =>
        `escalation policy: ${p.levels.length} level(s), ack ` +
        `${p.ackMinutes.critical}/${p.ackMinutes.high}/${p.ackMinutes.medium} min`,
    });
    return ok({ policy });
  },
});
