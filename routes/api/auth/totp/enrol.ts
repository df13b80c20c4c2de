import { define } from "@/lib/define.ts";
import { startTotpEnrolment } from "@/lib/auth/account.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

/** Starts authenticator set-up: the secret and its QR code (confirm with /verify within 10 min). */
export const handler = define.handlers({
  async POST(ctx) {
    const enrolment = await startTotpEnrolment(ctx.state.services, authOf(ctx).user);
    return ok({ secret: enrolment.secret, uri: enrolment.uri, qrSvg: enrolment.qrSvg });
  },
});
