import { define } from "@/lib/define.ts";
import { revokeAllSessions } from "@/lib/auth/sessions.ts";
import { auditRequest } from "@/lib/auth/request_audit.ts";
import { authOf, clearSessionCookie, ok } from "@/lib/auth/http.ts";

/** Ends every session of the signed-in operator, this one included. */
export const handler = define.handlers({
  async POST(ctx) {
    const auth = authOf(ctx);
    await revokeAllSessions(ctx.state.services.kv, auth.user.id);
    await auditRequest(ctx, {
      action: "auth.sign_out_everywhere",
      summary: `${auth.user.email} signed out everywhere`,
      orgId: null,
    });
    return ok({}, { headers: clearSessionCookie(new Headers(), ctx) });
  },
});
