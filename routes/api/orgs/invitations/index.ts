import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { pageParams, ULID_CURSOR } from "@/lib/http/paging.ts";
import { InviteInput } from "@/lib/auth/inputs.ts";
import { listInvitations } from "@/lib/orgs/invitations.ts";
import { inviteMember } from "@/lib/orgs/admin.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";

/**
 * Pending invitations of the active organization, newest first, paged with `?limit=` (default
 * 100) and `?before=<nextCursor>`; POST invites an address.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const { ledger, clock } = ctx.state.services;
    const { limit, cursor } = pageParams(ctx.url, {
      defaultLimit: 100,
      param: "before",
      pattern: ULID_CURSOR,
    });
    const options = { pendingOnly: true, now: clock.now() };
    const invitations = await listInvitations(ledger, auth.org!.id, {
      ...options,
      limit,
      before: cursor,
    });
    // A full page is the last one when nothing pending is older than its last invitation.
    const last = invitations.at(-1);
    const more = invitations.length === limit && last !== undefined &&
      (await listInvitations(ledger, auth.org!.id, { ...options, limit: 1, before: last.id }))
          .length > 0;
    return ok({ invitations, nextCursor: more ? last.id : null });
  },
  async POST(ctx) {
    const input = await readJson(ctx.req, InviteInput);
    const created = await inviteMember(ctx.state.services, authOf(ctx), input, clientOf(ctx));
    return ok({ ...created }, { status: 201 });
  },
});
