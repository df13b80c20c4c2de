import { define } from "@/lib/define.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";
import { rotateEndpointSecret } from "@/lib/notify/endpoint_admin.ts";
import { endpointJson } from "@/lib/notify/endpoint_store.ts";

/** Replaces a webhook endpoint's signing secret; the new one is in this answer only. */
export const handler = define.handlers({
  async POST(ctx) {
    const rotated = await rotateEndpointSecret(
      ctx.state.services,
      authOf(ctx),
      ctx.params.endpointId,
      clientOf(ctx),
    );
    return ok({ endpoint: endpointJson(rotated.endpoint), secret: rotated.secret });
  },
});
