import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { SwitchOrgInput } from "@/lib/auth/inputs.ts";
import { switchOrg } from "@/lib/auth/switch_org.ts";
import { authOf, ok, setSessionCookie } from "@/lib/auth/http.ts";

/** Makes another of the operator's organizations the active one; the session rotates. */
export const handler = define.handlers({
  async POST(ctx) {
    const { orgId } = await readJson(ctx.req, SwitchOrgInput);
    const { org, token } = await switchOrg(ctx, authOf(ctx), orgId);
    return ok({ org }, { headers: setSessionCookie(new Headers(), ctx, token) });
  },
});
