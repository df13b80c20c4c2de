import { define } from "@/lib/define.ts";
import { JsonObject, readJson } from "@/lib/http/input.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";
import { auditOperatorChange } from "@/lib/auth/request_audit.ts";
import { getOrgPolicy, setOrgPolicy } from "@/lib/remediation/policy_store.ts";
import { PROFILES } from "@/lib/remediation/profiles.ts";

/** The organization's remediation policy: read (ops), change (admin): kill switch and more. */
export const handler = define.handlers({
  async GET(ctx) {
    const policy = await getOrgPolicy(ctx.state.services.ledger, authOf(ctx).org!.id);
    return ok({ policy, knobs: PROFILES[policy.profile] });
  },
  async PUT(ctx) {
    const auth = authOf(ctx);
    const { services } = ctx.state;
    const body = await readJson(ctx.req, JsonObject);
    const policy = await setOrgPolicy(
      services.ledger,
      auth.org!.id,
      body,
      auth.user.id,
      services.clock.now(),
    );
    await auditOperatorChange(services, clientOf(ctx), auth, {
      action: "remediation.policy.update",
      summary: `remediation policy: ${policy.profile}${policy.frozen ? ", FROZEN" : ""}` +
        `, approval from ${policy.approvalThreshold}`,
      target: { type: "org", id: auth.org!.id },
      details: { change: body },
    });
    return ok({ policy });
  },
});
