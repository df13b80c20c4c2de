import { define } from "@/lib/define.ts";
import { signOut } from "@/lib/auth/account.ts";
import { authOf, clearSessionCookie, clientOf, ok } from "@/lib/auth/http.ts";

/** Ends every session of the signed-in operator, this one included. */
export const handler = define.handlers({
  async POST(ctx) {
    await signOut(ctx.state.services, authOf(ctx), clientOf(ctx), "everywhere");
    return ok({}, { headers: clearSessionCookie(new Headers(), ctx) });
  },
});
