import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { hostOr404 } from "@/lib/hosts/admin.ts";
import { listRuns, RUN_ID_PATTERN } from "@/lib/remediation/runs.ts";
import { queryLimit, queryText } from "@/lib/ui/list_query.ts";
import { cursorIfMore } from "@/lib/http/paging.ts";

/**
 * The host's remediation runs, newest first, paged with `?limit=1-200` (default 50) and
 * `?before=<nextCursor>` (a run id, 400 `invalid_input` naming `before` otherwise); `nextCursor`
 * is null on the last page.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const { services } = ctx.state;
    const org = authOf(ctx).org!;
    const host = await hostOr404(services, org.id, ctx.params.hostId);
    const limit = queryLimit(ctx.url);
    const before = queryText(ctx.url, "before", 64, RUN_ID_PATTERN);
    const runs = await listRuns(services.ledger, org.id, { hostId: host.id, before, limit });
    const nextCursor = await cursorIfMore(
      runs,
      limit,
      (r) => r.id,
      (cursor) => listRuns(services.ledger, org.id, { hostId: host.id, before: cursor, limit: 1 }),
    );
    return ok({ runs, nextCursor });
  },
});
