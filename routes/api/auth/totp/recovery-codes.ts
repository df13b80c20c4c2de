import { define } from "@/lib/define.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { regenerateRecoveryCodes } from "@/lib/auth/account.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";

/** Replaces the recovery codes; the new ones are shown once. */
export const handler = define.handlers({
  async POST(ctx) {
    const auth = authOf(ctx);
    if (!auth.user.totpEnabled) {
      throw new HttpError(409, "Turn on two-factor sign-in first.", { code: "totp_off" });
    }
    return ok({
      recoveryCodes: await regenerateRecoveryCodes(ctx.state.services, auth.user, clientOf(ctx)),
    });
  },
});
