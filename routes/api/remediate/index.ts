import { define } from "@/lib/define.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { ok } from "@/lib/auth/http.ts";
import { requestRemediation } from "@/lib/remediation/request.ts";

/** Plan (viewer), dry-run and execute (ops, checked in the handler) one catalog action. */
export const handler = define.handlers({
  async POST(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const result = await requestRemediation(services, auth, client, body);
    return ok({ ...result.body }, { status: result.status });
  },
});
