import { define } from "@/lib/define.ts";
import { removeOrgMember } from "@/lib/orgs/admin.ts";
import { authOf, clientOf } from "@/lib/auth/http.ts";
import { seeOther } from "@/lib/ui/navigation.ts";

/**
 * "Leave organization" on the members page, for every member (the members page's own POST is
 * for admins). The last owner is refused (409) by the repository; the page does not offer it.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const auth = authOf(ctx);
    await removeOrgMember(ctx.state.services, auth, auth.user.id, clientOf(ctx));
    return seeOther(ctx, "/account?done=left");
  },
});
