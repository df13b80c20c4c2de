import { define } from "@/lib/define.ts";
import { JsonObject, readJson } from "@/lib/http/input.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";
import { deleteEndpoint, updateEndpoint } from "@/lib/notify/endpoint_admin.ts";
import { endpointJson, endpointOr404 } from "@/lib/notify/endpoint_store.ts";

/** One notification endpoint: read (ops), change or delete (admin). Never shows the secret. */
export const handler = define.handlers({
  async GET(ctx) {
    const endpoint = await endpointOr404(
      ctx.state.services.ledger,
      authOf(ctx).org!.id,
      ctx.params.endpointId,
    );
    return ok({ endpoint: endpointJson(endpoint) });
  },
  async PATCH(ctx) {
    const auth = authOf(ctx);
    await endpointOr404(ctx.state.services.ledger, auth.org!.id, ctx.params.endpointId);
    const body = await readJson(ctx.req, JsonObject);
    const endpoint = await updateEndpoint(
      ctx.state.services,
      auth,
      ctx.params.endpointId,
      body,
      clientOf(ctx),
    );
    return ok({ endpoint: endpointJson(endpoint) });
  },
  async DELETE(ctx) {
    const endpoint = await deleteEndpoint(
      ctx.state.services,
      authOf(ctx),
      ctx.params.endpointId,
      clientOf(ctx),
    );
    return ok({ deleted: endpoint.id });
  },
});
