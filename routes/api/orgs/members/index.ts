import { define } from "@/lib/define.ts";
import { listMembers } from "@/lib/orgs/members.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { pageQuery } from "@/lib/http/paging.ts";

/** Members of the active organization by e-mail, paged with `?after=<nextCursor>`. */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const { limit, after } = pageQuery(ctx.url);
    const members = await listMembers(ctx.state.services.ledger, auth.org!.id, { limit, after });
    return ok({ members, nextCursor: members.length === limit ? members.at(-1)!.email : null });
  },
});
