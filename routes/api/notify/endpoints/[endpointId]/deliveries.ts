import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { deliveryLog } from "@/lib/notify/deliveries.ts";
import { endpointOr404 } from "@/lib/notify/endpoint_store.ts";
import { deliveryJson } from "@/lib/notify/views.ts";
import { queryLimit, queryText } from "@/lib/ui/list_query.ts";
import { cursorIfMore } from "@/lib/http/paging.ts";

/** `nextCursor` text: `<created_at ms since epoch>.<delivery id>`. */
const CURSOR = /^(\d{1,15})\.(nd_[0-7][0-9A-HJKMNP-TV-Z]{25})$/;

/**
 * An endpoint's delivery log, newest first, each delivery with its attempts, paged with
 * `?limit=1-200` (default 50) and `?before=<nextCursor>`; `nextCursor` is null on the last page.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const { ledger } = ctx.state.services;
    const orgId = authOf(ctx).org!.id;
    const endpoint = await endpointOr404(ledger, orgId, ctx.params.endpointId);
    const limit = queryLimit(ctx.url);
    const cursor = queryText(ctx.url, "before", 64, CURSOR)?.match(CURSOR);
    const log = await deliveryLog(ledger, orgId, endpoint.id, {
      limit,
      before: cursor ? { createdAt: new Date(Number(cursor[1])), id: cursor[2] } : undefined,
    });
    const nextCursor = await cursorIfMore(
      log,
      limit,
      (d) => `${d.createdAt.getTime()}.${d.id}`,
      () => {
        const last = log[log.length - 1];
        return deliveryLog(ledger, orgId, endpoint.id, {
          limit: 1,
          before: { createdAt: last.createdAt, id: last.id },
        });
      },
    );
    return ok({ deliveries: log.map(deliveryJson), nextCursor });
  },
});
