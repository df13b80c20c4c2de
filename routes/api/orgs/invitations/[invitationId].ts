import { define } from "@/lib/define.ts";
import { revokeMemberInvitation } from "@/lib/orgs/admin.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";

/** Withdraws a pending invitation; another organization's id answers 404. */
export const handler = define.handlers({
  async DELETE(ctx) {
    await revokeMemberInvitation(
      ctx.state.services,
      authOf(ctx),
      ctx.params.invitationId,
      clientOf(ctx),
    );
    return ok();
  },
});
