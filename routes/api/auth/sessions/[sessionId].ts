import { define } from "@/lib/define.ts";
import { endSession } from "@/lib/auth/account.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";

/** Ends one of the operator's other sessions; anyone else's id (or this one) answers 404. */
export const handler = define.handlers({
  async DELETE(ctx) {
    await endSession(ctx.state.services, authOf(ctx), ctx.params.sessionId, clientOf(ctx));
    return ok();
  },
});
