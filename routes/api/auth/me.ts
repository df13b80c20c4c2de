import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

/** The signed-in operator, their organizations and the active one. */
export const handler = define.handlers({
  GET(ctx) {
    const auth = authOf(ctx);
    return ok({
      user: auth.user,
      org: auth.org,
      orgs: auth.orgs,
      session: { id: auth.session.id, mfa: auth.session.mfa },
    });
  },
});
