import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { getOrgPolicy } from "@/lib/remediation/policy_store.ts";
import { PROFILES } from "@/lib/remediation/profiles.ts";
import { changeRemediationPolicy } from "@/lib/ui/remediation_policy.ts";

/** The organization's remediation policy: read (ops), change (admin): kill switch and more. */
export const handler = define.handlers({
  async GET(ctx) {
    const policy = await getOrgPolicy(ctx.state.services.ledger, authOf(ctx).org!.id);
    return ok({ policy, knobs: PROFILES[policy.profile] });
  },
  async PUT(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    return ok({ policy: await changeRemediationPolicy(services, auth, client, body) });
  },
});
