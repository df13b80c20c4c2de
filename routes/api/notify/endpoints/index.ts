import { define } from "@/lib/define.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { createEndpoint } from "@/lib/notify/endpoint_admin.ts";
import { endpointJson, listEndpoints } from "@/lib/notify/endpoint_store.ts";
import { lastDeliveries } from "@/lib/notify/deliveries.ts";

/**
 * The organization's notification endpoints (ops read; admins create). A webhook's signing
 * secret is in the create answer only.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const { ledger } = ctx.state.services;
    const orgId = authOf(ctx).org!.id;
    const [endpoints, last] = await Promise.all([
      listEndpoints(ledger, orgId),
      lastDeliveries(ledger, orgId),
    ]);
    return ok({
      endpoints: endpoints.map((e) => {
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
