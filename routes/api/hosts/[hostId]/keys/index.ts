import { define } from "@/lib/define.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { type HostKey, listHostKeys } from "@/lib/hosts/keys.ts";
import { hostKeyAction, hostOr404 } from "@/lib/hosts/admin.ts";
import { pageOf, pageParams } from "@/lib/http/paging.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

/** A key's cursor: `<createdAt in ms>.<id>` (ids are ULIDs), the list's sort key. */
const KEY_CURSOR = /^(\d{1,15})\.([0-9A-HJKMNP-TV-Z]{26})$/;

function keyCursor(key: HostKey): string {
  return `${key.createdAt.getTime()}.${key.id}`;
}

/**
 * A host's keys (never their hashes or tokens), newest first, paged with `?limit=` (default 50)
 * and `?before=<nextCursor>`; POST `{action: create|rotate|revoke}`. Admins only.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const { limit, cursor } = pageParams(ctx.url, { param: "before", pattern: KEY_CURSOR });
    const host = await hostOr404(ctx.state.services, auth.org!.id, ctx.params.hostId);
    const m = cursor === undefined ? null : KEY_CURSOR.exec(cursor)!;
    const rows = await listHostKeys(ctx.state.services.ledger, auth.org!.id, host.id, {
      limit: limit + 1,
      before: m ? { createdAt: new Date(Number(m[1])), id: m[2] } : undefined,
    });
    const page = pageOf(rows, limit, keyCursor);
    return ok({ keys: page.items, nextCursor: page.nextCursor });
  },
  async POST(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const result = await hostKeyAction(services, auth, ctx.params.hostId, body, client);
    return ok(result.body, { status: result.status });
  },
});
