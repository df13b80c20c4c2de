import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { EmailInput } from "@/lib/auth/inputs.ts";
import { requestMagicLink } from "@/lib/auth/account.ts";
import { clientOf, ok } from "@/lib/auth/http.ts";

/** Sends a sign-in link. 202 whether or not the address has an account. */
export const handler = define.handlers({
  async POST(ctx) {
    const { email } = await readJson(ctx.req, EmailInput);
    await requestMagicLink(ctx.state.services, email, clientOf(ctx));
    return ok({ message: "If this address has an account, a sign-in link is on its way." }, {
      status: 202,
    });
  },
});
