import { define } from "@/lib/define.ts";
import { revokeSession } from "@/lib/auth/sessions.ts";
import { auditRequest } from "@/lib/auth/request_audit.ts";
import { authOf } from "@/lib/auth/http.ts";
import { seeOther } from "@/lib/ui/navigation.ts";

/** The header's "Sign out" form: ends this session, clears the cookie, back to sign-in. */
export const handler = define.handlers({
  async POST(ctx) {
    const auth = authOf(ctx);
    await revokeSession(ctx.state.services.kv, auth.user.id, auth.session.id);
    await auditRequest(ctx, {
      action: "auth.sign_out",
      summary: `${auth.user.email} signed out`,
      orgId: null,
    });
    return seeOther(ctx, "/sign-in?done=signed_out", { clear: true });
  },
});
