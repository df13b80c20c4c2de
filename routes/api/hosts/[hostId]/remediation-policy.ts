import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { changeHostOverride, hostPolicyView } from "@/lib/remediation/host_overrides.ts";

/**
 * A host's remediation guard overrides and the knobs in force for it: read (ops), set or clear
 * with `{"overrides": {…} | null}` (admin).
 */
export const handler = define.handlers({
  async GET(ctx) {
    const { services } = ctx.state;
    return ok({ policy: await hostPolicyView(services, authOf(ctx).org!.id, ctx.params.hostId) });
  },
  async PUT(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    if (!("overrides" in body)) {
      throw new HttpError(400, "overrides: required (an object of knobs, or null to clear)", {
        code: "invalid_input",
        details: { field: "overrides" },
      });
    }
    const { hostId } = ctx.params;
    return ok({ policy: await changeHostOverride(services, auth, client, hostId, body.overrides) });
  },
});
