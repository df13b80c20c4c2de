import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { ChangePasswordInput } from "@/lib/auth/inputs.ts";
import { changePassword } from "@/lib/auth/account.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";

/** Changes the password; other sessions end. */
export const handler = define.handlers({
  async POST(ctx) {
    const auth = authOf(ctx);
    const input = await readJson(ctx.req, ChangePasswordInput);
    await changePassword(ctx.state.services, auth.user, input, {
      ...clientOf(ctx),
      sessionId: auth.session.id,
    });
    return ok();
  },
});
