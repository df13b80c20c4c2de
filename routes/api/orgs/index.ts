import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

/** The organizations of the signed-in operator, with their role in each. */
export const handler = define.handlers({
  GET(ctx) {
    const auth = authOf(ctx);
    return ok({ orgs: auth.orgs, activeOrgId: auth.org?.id ?? null });
  },
});
