import { define } from "@/lib/define.ts";
import { JsonObject, readJson } from "@/lib/http/input.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";
import { rotateEndpointSecret } from "@/lib/notify/endpoint_admin.ts";
import { endpointJson, endpointOr404 } from "@/lib/notify/endpoint_store.ts";

/**
 * Replaces a webhook endpoint's signing secret; the new one is in this answer only. The body is
 * optional: `{graceSeconds}` is how long the old secret keeps signing too (default 86400, 0: it
 * stops at once); `endpoint.previousSecretUntil` says until when.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const auth = authOf(ctx);
    // Another organization's endpoint is a 404 before the body is read.
    await endpointOr404(ctx.state.services.ledger, auth.org!.id, ctx.params.endpointId);
    const empty = ctx.req.body === null || ctx.req.headers.get("content-length") === "0";
    const body = empty ? {} : await readJson(ctx.req, JsonObject);
    const rotated = await rotateEndpointSecret(
      ctx.state.services,
      auth,
      ctx.params.endpointId,
      body,
      clientOf(ctx),
    );
    return ok({ endpoint: endpointJson(rotated.endpoint), secret: rotated.secret });
  },
});
