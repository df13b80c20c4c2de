import { define } from "@/lib/define.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { authOf } from "@/lib/auth/http.ts";
import { hostOr404 } from "@/lib/hosts/admin.ts";
import { lastEventIdOf, openLiveStream, stillMember } from "@/lib/live/stream.ts";

/**
 * Live updates of the active organization as server-sent events (viewer): every change, or
 * with `?host=<id>` one host's (404 for a host of another organization). Resumes after
 * `Last-Event-ID` (or `?lastEventId=`). Only `Accept: text/event-stream` clients get the
 * stream (EventSource sends it); anything else gets 406, so a stray fetch never hangs.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const org = auth.org!;
    const { services } = ctx.state;
    if (!(ctx.req.headers.get("accept") ?? "").includes("text/event-stream")) {
      throw new HttpError(
        406,
        "This is a server-sent event stream: open it with EventSource, or send " +
          "Accept: text/event-stream.",
        { code: "not_acceptable" },
      );
    }
    const hostParam = ctx.url.searchParams.get("host");
    const host = hostParam === null ? null : await hostOr404(services, org.id, hostParam);
    const lastEventId = lastEventIdOf(ctx.req.headers, ctx.url);
    if (ctx.req.method === "HEAD") {
      return new Response(null, {
        headers: {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-store",
        },
      });
    }
    return openLiveStream(services, {
      orgId: org.id,
      hostId: host?.id ?? null,
      lastEventId,
      sessionId: auth.session.id,
      signal: ctx.req.signal,
      stillAllowed: stillMember(services, auth.session.id, org.id, auth.user.id),
    });
  },
});
