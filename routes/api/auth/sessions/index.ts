import { define } from "@/lib/define.ts";
import { listSessions } from "@/lib/auth/sessions.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

/** The operator's own sessions, newest first; `current` marks this one. */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const sessions = await listSessions(ctx.state.services.kv, auth.user.id);
    return ok({
      sessions: sessions.map((s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        expiresAt: s.expiresAt,
        ip: s.ip,
        userAgent: s.userAgent,
        mfa: s.mfa,
        current: s.id === auth.session.id,
      })),
    });
  },
});
