import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { TokenInput } from "@/lib/auth/inputs.ts";
import { signInWithMagicLink } from "@/lib/auth/account.ts";
import { clientOf, ok, setSessionCookie } from "@/lib/auth/http.ts";

/** Exchanges a sign-in link token (single use) for a session, or for the TOTP step. */
export const handler = define.handlers({
  async POST(ctx) {
    const { token } = await readJson(ctx.req, TokenInput);
    const result = await signInWithMagicLink(ctx.state.services, token, clientOf(ctx));
    if (result.kind === "mfa_required") return ok({ mfaRequired: true, mfaToken: result.mfaToken });
    return ok({ mfaRequired: false, userId: result.session.userId }, {
      headers: setSessionCookie(new Headers(), ctx, result.token),
    });
  },
});
