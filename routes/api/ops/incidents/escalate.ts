import { z } from "zod";
import { define } from "@/lib/define.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";
import { auditOperatorChange } from "@/lib/auth/request_audit.ts";
import { readJson } from "@/lib/http/input.ts";
import { operatorActor } from "@/lib/incidents/admin.ts";
import { escalateByHand } from "@/lib/incidents/escalation.ts";

const Body = z.object({ incidentId: z.string().trim().min(1).max(64) }).strict();

/**
 * Escalates an open or acknowledged incident to the next level of the escalation policy now
 * (ops and above, audited). 409 when it is resolved or closed, or no level is left.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const auth = authOf(ctx);
    const { services } = ctx.state;
    const body = await readJson(ctx.req, Body);
    const incident = await escalateByHand(services, {
      orgId: auth.org!.id,
      incidentId: body.incidentId,
      actor: operatorActor(auth),
    });
    await auditOperatorChange(services, clientOf(ctx), auth, {
      action: "incident.escalate",
      summary: `escalated incident "${incident.title}" to level ${incident.escalationLevel}`,
      target: { type: "incident", id: incident.id },
      details: { level: incident.escalationLevel, state: incident.state },
    });
    return ok({ incident });
  },
});
