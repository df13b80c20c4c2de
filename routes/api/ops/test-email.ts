import { define } from "@/lib/define.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { ok } from "@/lib/auth/http.ts";
import { sendTestEmail } from "@/lib/notify/test_send.ts";

/**
 * Sends a test e-mail now, to `{to}` or the caller's own address; 503 when SMTP_URL is unset,
 * 502 when the mail server refused it.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const sent = await sendTestEmail(services, auth, body, client);
    return ok({ sent: true, ...sent });
  },
});
