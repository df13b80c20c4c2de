import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { InviteInput } from "@/lib/auth/inputs.ts";
import { listInvitations } from "@/lib/orgs/invitations.ts";
import { inviteMember } from "@/lib/orgs/admin.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";

/** Pending invitations of the active organization; POST invites an address. */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const invitations = await listInvitations(ctx.state.services.ledger, auth.org!.id, {
      pendingOnly: true,
    });
    return ok({ invitations });
  },
  async POST(ctx) {
    const input = await readJson(ctx.req, InviteInput);
    const created = await inviteMember(ctx.state.services, authOf(ctx), input, clientOf(ctx));
    return ok({ ...created }, { status: 201 });
  },
});
