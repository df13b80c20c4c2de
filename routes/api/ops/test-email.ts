import { define } from "@/lib/define.ts";
import { JsonObject, readJson } from "@/lib/http/input.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";
import { sendTestEmail } from "@/lib/notify/test_send.ts";

/**
 * Sends a test e-mail now, to `{to}` or the caller's own address; 503 when SMTP_URL is unset,
 * 502 when the mail server refused it.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const body = await readJson(ctx.req, JsonObject);
    const sent = await sendTestEmail(ctx.state.services, authOf(ctx), body, clientOf(ctx));
    return ok({ sent: true, ...sent });
  },
});
