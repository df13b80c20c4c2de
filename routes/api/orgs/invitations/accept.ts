import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { AcceptInvitationInput } from "@/lib/auth/inputs.ts";
import { acceptMemberInvitation } from "@/lib/orgs/admin.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";

/** Accepts an invitation sent to the signed-in operator's address (single use). */
export const handler = define.handlers({
  async POST(ctx) {
    const { token } = await readJson(ctx.req, AcceptInvitationInput);
    const accepted = await acceptMemberInvitation(
      ctx.state.services,
      authOf(ctx).user,
      token,
      clientOf(ctx),
    );
    return ok({ ...accepted });
  },
});
