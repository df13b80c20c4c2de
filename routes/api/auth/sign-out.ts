import { define } from "@/lib/define.ts";
import { revokeSession } from "@/lib/auth/sessions.ts";
import { auditRequest } from "@/lib/auth/request_audit.ts";
import { authOf, clearSessionCookie, ok } from "@/lib/auth/http.ts";

/** Ends this session. */
export const handler = define.handlers({
  async POST(ctx) {
    const auth = authOf(ctx);
    await revokeSession(ctx.state.services.kv, auth.user.id, auth.session.id);
    await auditRequest(ctx, {
      action: "auth.sign_out",
      summary: `${auth.user.email} signed out`,
      orgId: null,
    });
    return ok({}, { headers: clearSessionCookie(new Headers(), ctx) });
  },
});
