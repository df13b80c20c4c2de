import { define } from "@/lib/define.ts";
import { JsonObject, readJson } from "@/lib/http/input.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";
import { testEndpoints } from "@/lib/notify/test_send.ts";

/**
 * Sends a test notification now to `{endpointId}`, or to every enabled endpoint with `{}`, and
 * answers each outcome (status, code, latency, error).
 */
export const handler = define.handlers({
  async POST(ctx) {
    const body = await readJson(ctx.req, JsonObject);
    const results = await testEndpoints(ctx.state.services, authOf(ctx), body, clientOf(ctx));
    return ok({ results });
  },
});
