import { z } from "zod";
import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { PasswordField } from "@/lib/auth/inputs.ts";
import { disableTotp } from "@/lib/auth/account.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";

/** Turns two-factor sign-in off; needs the password. */
export const handler = define.handlers({
  async POST(ctx) {
    const { password } = await readJson(ctx.req, z.strictObject({ password: PasswordField }));
    await disableTotp(ctx.state.services, authOf(ctx).user, password, clientOf(ctx));
    return ok();
  },
});
