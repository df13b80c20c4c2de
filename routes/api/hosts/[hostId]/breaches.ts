import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { hostOr404 } from "@/lib/hosts/admin.ts";
import { operatorJson } from "@/lib/http/operator_request.ts";
import { breachAction } from "@/lib/breaches/admin.ts";
import { listBreaches } from "@/lib/breaches/query.ts";
import { breachQuery } from "@/lib/timeline/query.ts";

/** One host's breaches (viewer); POST `{action: create|fix|reopen|ignore, …}` (ops and above). */
export const handler = define.handlers({
  async GET(ctx) {
    const orgId = authOf(ctx).org!.id;
    const options = breachQuery(ctx.url);
    const host = await hostOr404(ctx.state.services, orgId, ctx.params.hostId);
    const breaches = await listBreaches(ctx.state.services.ledger, orgId, {
      ...options,
      hostId: host.id,
    });
    return ok({
      breaches,
      nextCursor: breaches.length === options.limit ? breaches.at(-1)!.id : null,
    });
  },
  async POST(ctx) {
    const { services, auth, body, client } = await operatorJson(ctx);
    const { breach, created } = await breachAction(services, auth, ctx.params.hostId, body, client);
    return ok({ breach }, { status: created ? 201 : 200 });
  },
});
