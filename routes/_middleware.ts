import { define } from "@/lib/define.ts";
import { themeFromCookie } from "@/lib/ui/theme.ts";

/** Reads per-operator display preferences before any page renders. */
export default define.middleware((ctx) => {
  ctx.state.theme = themeFromCookie(ctx.req.headers.get("cookie"));
  return ctx.next();
});
