import { define } from "@/lib/define.ts";
import { signOut } from "@/lib/auth/account.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { seeOther } from "@/lib/ui/navigation.ts";

/** The header's "Sign out" form: ends this session, clears the cookie, back to sign-in. */
export const handler = define.handlers({
  async POST(ctx) {
    await signOut(ctx.state.services, authOf(ctx), clientOf(ctx), "this");
    return seeOther(ctx, "/sign-in?done=signed_out", { clear: true });
  },
});
