import { define } from "@/lib/define.ts";
import { listSessions, SESSION_LIST_LIMIT } from "@/lib/auth/sessions.ts";
import { pageOf, pageParams, ULID_CURSOR } from "@/lib/http/paging.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

/**
 * The operator's own sessions, newest first, paged with `?limit=` (default 50) and
 * `?before=<nextCursor>` (a session id); `current` marks this one.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const { limit, cursor } = pageParams(ctx.url, {
      defaultLimit: SESSION_LIST_LIMIT,
      param: "before",
      pattern: ULID_CURSOR,
    });
    const { services } = ctx.state;
    // Live sessions only, as the account page lists them (an expired or idle one is gone).
    const rows = await listSessions(services.kv, auth.user.id, {
      limit: limit + 1,
      before: cursor,
      now: services.clock.now(),
      idleMinutes: services.config.sessionIdleMinutes,
    });
    const page = pageOf(rows, limit, (s) => s.id);
    return ok({
      sessions: page.items.map((s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastSeenAt: s.lastSeenAt,
        expiresAt: s.expiresAt,
        ip: s.ip,
        userAgent: s.userAgent,
        mfa: s.mfa,
        current: s.id === auth.session.id,
      })),
      nextCursor: page.nextCursor,
    });
  },
});
