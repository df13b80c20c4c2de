import { define } from "@/lib/define.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { listSessions, revokeSession } from "@/lib/auth/sessions.ts";
import { auditRequest } from "@/lib/auth/request_audit.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

/** Revokes one of the operator's own sessions; anyone else's id answers 404. */
export const handler = define.handlers({
  async DELETE(ctx) {
    const auth = authOf(ctx);
    const { kv } = ctx.state.services;
    const mine = (await listSessions(kv, auth.user.id)).some((s) => s.id === ctx.params.sessionId);
    if (!mine) throw new HttpError(404, "No such session.");
    await revokeSession(kv, auth.user.id, ctx.params.sessionId);
    await auditRequest(ctx, {
      action: "auth.session.revoke",
      summary: `${auth.user.email} ended a session`,
      target: { type: "session", id: ctx.params.sessionId },
      orgId: null,
    });
    return ok();
  },
});
