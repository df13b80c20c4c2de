import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { MfaInput } from "@/lib/auth/inputs.ts";
import { completeMfa } from "@/lib/auth/signin.ts";
import { clientOf, ok, setSessionCookie } from "@/lib/auth/http.ts";

/** Second factor: a TOTP code or a recovery code, with the token from the first step. */
export const handler = define.handlers({
  async POST(ctx) {
    const input = await readJson(ctx.req, MfaInput);
    const { session, token } = await completeMfa(ctx.state.services, input, clientOf(ctx));
    return ok({ userId: session.userId }, { headers: setSessionCookie(new Headers(), ctx, token) });
  },
});
