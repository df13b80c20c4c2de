import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { SignInInput } from "@/lib/auth/inputs.ts";
import { signInWithPassword } from "@/lib/auth/signin.ts";
import { clientOf, ok, setSessionCookie } from "@/lib/auth/http.ts";

/** Password sign-in; TOTP users get `mfaRequired` and finish at /api/auth/mfa. */
export const handler = define.handlers({
  async POST(ctx) {
    const input = await readJson(ctx.req, SignInInput);
    const result = await signInWithPassword(ctx.state.services, input, clientOf(ctx));
    if (result.kind === "mfa_required") return ok({ mfaRequired: true, mfaToken: result.mfaToken });
    return ok({ mfaRequired: false, userId: result.session.userId }, {
      headers: setSessionCookie(new Headers(), ctx, result.token),
    });
  },
});
