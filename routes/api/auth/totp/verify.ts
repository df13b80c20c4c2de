import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { TotpCodeInput } from "@/lib/auth/inputs.ts";
import { confirmTotpEnrolment } from "@/lib/auth/account.ts";
import { rotateSession } from "@/lib/auth/sessions.ts";
import { appSecretOf } from "@/lib/auth/secret.ts";
import { authOf, clientOf, ok, setSessionCookie } from "@/lib/auth/http.ts";

/** Confirms set-up with a current code; returns recovery codes once; the session rotates. */
export const handler = define.handlers({
  async POST(ctx) {
    const auth = authOf(ctx);
    const { code } = await readJson(ctx.req, TotpCodeInput);
    const { services } = ctx.state;
    const { recoveryCodes } = await confirmTotpEnrolment(services, auth.user, code, clientOf(ctx));
    const rotated = await rotateSession(services.kv, appSecretOf(services.config), auth.session, {
      mfa: true,
    }, {
      idleMinutes: services.config.sessionIdleMinutes,
      maxHours: services.config.sessionMaxHours,
      now: services.clock.now(),
    });
    return ok({ recoveryCodes }, { headers: setSessionCookie(new Headers(), ctx, rotated.token) });
  },
});
