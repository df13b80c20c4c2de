import { define } from "@/lib/define.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { listHostKeys } from "@/lib/hosts/keys.ts";
import { hostKeyAction, hostOr404 } from "@/lib/hosts/admin.ts";
import { authOf, ok } from "@/lib/auth/http.ts";

/** A host's keys (never their hashes or tokens); POST `{action: create|rotate|revoke}`. Admins only. */
export const handler = define.handlers({
  async GET(ctx) {
    const auth = authOf(ctx);
    const host = await hostOr404(ctx.state.services, auth.org!.id, ctx.params.hostId);
    return ok({ keys: await listHostKeys(ctx.state.services.ledger, auth.org!.id, host.id) });
  },
  async POST(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const result = await hostKeyAction(services, auth, ctx.params.hostId, body, client);
    return ok(result.body, { status: result.status });
  },
});
