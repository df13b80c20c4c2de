import { define } from "@/lib/define.ts";
import { themeFromCookie } from "@/lib/ui/theme.ts";
import { loadAuth } from "@/lib/auth/load_auth.ts";

/** Resolves who is asking (session cookie) and their display preferences, before any route. */
export default define.middleware(async (ctx) => {
  ctx.state.theme = themeFromCookie(ctx.req.headers.get("cookie"));
  ctx.state.ip = ctx.remoteAddr?.hostname ?? "unknown";
  ctx.state.auth = await loadAuth(ctx.state.services, ctx.hono);
  return await ctx.next();
});
