import { define } from "@/lib/define.ts";
import { JsonObject, readJson } from "@/lib/http/input.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";
import { requestRemediation } from "@/lib/remediation/request.ts";

/** Plan (viewer), dry-run and execute (ops, checked in the handler) one catalog action. */
export const handler = define.handlers({
  async POST(ctx) {
    const { status, body } = await requestRemediation(
      ctx.state.services,
      authOf(ctx),
      clientOf(ctx),
      await readJson(ctx.req, JsonObject),
    );
    return ok({ ...body }, { status });
  },
});
