import { define } from "@/lib/define.ts";
import { signOut } from "@/lib/auth/account.ts";
import { authOf, clearSessionCookie, clientOf, ok } from "@/lib/auth/http.ts";

/** Ends this session. */
export const handler = define.handlers({
  async POST(ctx) {
    await signOut(ctx.state.services, authOf(ctx), clientOf(ctx), "this");
    return ok({}, { headers: clearSessionCookie(new Headers(), ctx) });
  },
});
