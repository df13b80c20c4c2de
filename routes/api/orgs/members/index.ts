import { define } from "@/lib/define.ts";
import { listMembers } from "@/lib/orgs/members.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { pageQuery } from "@/lib/http/paging.ts";
import { validateEmail } from "@/lib/orgs/users.ts";

/** A cursor is a member's address: the check every stored address passed. */
const EMAIL_CURSOR = { test: (email: string) => validateEmail(email) === null };

/** Members of the active organization by e-mail, paged with `?after=<nextCursor>`. */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const { limit, after } = pageQuery(ctx.url, 50, EMAIL_CURSOR);
    const { ledger } = ctx.state.services;
    const members = await listMembers(ledger, auth.org!.id, { limit, after });
    // A cursor only when another page exists (a full page may be the last one).
    const last = members.length === limit ? members.at(-1)!.email : null;
    const more = last !== null &&
      (await listMembers(ledger, auth.org!.id, { limit: 1, after: last })).length > 0;
    return ok({ members, nextCursor: more ? last : null });
  },
});
