import { define } from "@/lib/define.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { createEndpoint } from "@/lib/notify/endpoint_admin.ts";
import { endpointJson, listEndpoints } from "@/lib/notify/endpoint_store.ts";
import { lastDeliveries } from "@/lib/notify/deliveries.ts";
import { pageOf, pageParams, parseTextCursor, textCursor } from "@/lib/http/paging.ts";

/** An endpoint name as stored: trimmed, 1-80 characters (`lib/notify/endpoint_admin.ts`). */
const isName = (name: string) => name.length >= 1 && name.length <= 80 && name.trim() === name;

/**
 * The organization's notification endpoints by name (ops read; admins create), paged with
 * `?limit=` (default 50) and `?after=<nextCursor>` (the name, base64url-encoded). A webhook's
 * signing secret is in the create answer only.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const { ledger } = ctx.state.services;
    const orgId = authOf(ctx).org!.id;
    const { limit, cursor } = pageParams(ctx.url, { param: "after" });
    const after = cursor === undefined ? undefined : parseTextCursor(cursor, "after", isName);
    const [rows, last] = await Promise.all([
      listEndpoints(ledger, orgId, { limit: limit + 1, after }),
      lastDeliveries(ledger, orgId),
    ]);
    const page = pageOf(rows, limit, (e) => textCursor(e.name));
    return ok({
      nextCursor: page.nextCursor,
      endpoints: page.items.map((e) => {
        const l = last.get(e.id);
        return {
          ...endpointJson(e),
          lastDelivery: l
            ? { id: l.id, status: l.status, code: l.lastCode, at: l.updatedAt.toISOString() }
            : null,
        };
      }),
    });
  },
  async POST(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const created = await createEndpoint(services, auth, body, client);
    return ok({
      endpoint: endpointJson(created.endpoint),
      ...(created.secret ? { secret: created.secret } : {}),
    }, { status: 201 });
  },
});
