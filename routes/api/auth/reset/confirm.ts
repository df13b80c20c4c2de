import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { ResetConfirmInput } from "@/lib/auth/inputs.ts";
import { confirmPasswordReset } from "@/lib/auth/account.ts";
import { clientOf, ok } from "@/lib/auth/http.ts";

/** Sets a new password with a reset token (single use); every session of the account ends. */
export const handler = define.handlers({
  async POST(ctx) {
    const input = await readJson(ctx.req, ResetConfirmInput);
    await confirmPasswordReset(ctx.state.services, input, clientOf(ctx));
    return ok({ message: "Password changed. Sign in with the new password." });
  },
});
