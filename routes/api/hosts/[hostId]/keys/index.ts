import { define } from "@/lib/define.ts";
import { JsonObject, readJson } from "@/lib/http/input.ts";
import { listHostKeys } from "@/lib/hosts/keys.ts";
import { hostKeyAction, hostOr404 } from "@/lib/hosts/admin.ts";
import { authOf, clientOf, ok } from "@/lib/auth/http.ts";

/** A host's keys (never their hashes or tokens); POST `{action: create|rotate|revoke}`. Admins only. */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const host = await hostOr404(ctx.state.services, auth.org!.id, ctx.params.hostId);
    return ok({ keys: await listHostKeys(ctx.state.services.ledger, auth.org!.id, host.id) });
  },
  async POST(ctx) {
    const body = await readJson(ctx.req, JsonObject);
    const result = await hostKeyAction(
      ctx.state.services,
      authOf(ctx),
      ctx.params.hostId,
      body,
      clientOf(ctx),
    );
    return ok(result.body, { status: result.status });
  },
});
