import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { pageLimit } from "@/lib/db/ledger/values.ts";
import { deliveryLog } from "@/lib/notify/deliveries.ts";
import { endpointOr404 } from "@/lib/notify/endpoint_store.ts";
import { deliveryJson } from "@/lib/notify/views.ts";

/** An endpoint's delivery log, newest first, each delivery with its attempts (`?limit=1-200`). */
export const handler = define.handlers({
  async GET(ctx) {
    const { ledger } = ctx.state.services;
    const orgId = authOf(ctx).org!.id;
    const endpoint = await endpointOr404(ledger, orgId, ctx.params.endpointId);
    const raw = ctx.url.searchParams.get("limit");
    const limit = pageLimit(raw === null ? undefined : Number(raw), 200, 50);
    const log = await deliveryLog(ledger, orgId, endpoint.id, { limit });
    return ok({ deliveries: log.map(deliveryJson) });
  },
});
