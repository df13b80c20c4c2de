import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { RoleChangeInput } from "@/lib/auth/inputs.ts";
import { changeMemberRole, removeOrgMember } from "@/lib/orgs/admin.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";

/** Change a member's role, or remove them. Another organization's user id answers 404. */
export const handler = define.handlers({
  async PATCH(ctx) {
    const { role } = await readJson(ctx.req, RoleChangeInput);
    const change = await changeMemberRole(ctx.state.services, authOf(ctx), {
      userId: ctx.params.userId,
      role,
    }, clientOf(ctx));
    return ok({ ...change });
  },
  async DELETE(ctx) {
    await removeOrgMember(ctx.state.services, authOf(ctx), ctx.params.userId, clientOf(ctx));
    return ok();
  },
});
