import { define } from "@/lib/define.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { ok } from "@/lib/auth/http.ts";
import { testEndpoints } from "@/lib/notify/test_send.ts";

/**
 * Sends a test notification now to `{endpointId}`, or to every enabled endpoint with `{}`, and
 * answers each outcome (status, code, latency, error).
 */
export const handler = define.handlers({
  async POST(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const results = await testEndpoints(services, auth, body, client);
    return ok({ results });
  },
});
