import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { hostOr404 } from "@/lib/hosts/admin.ts";
import { listBreaches } from "@/lib/breaches/query.ts";
import { breachQuery } from "@/lib/timeline/query.ts";

/** The organization's breach ledger: filter by state/severity/host, search, cursor paging. */
export const handler = define.handlers({
  async GET(ctx) {
    const orgId = authOf(ctx).org!.id;
    const options = breachQuery(ctx.url);
    const hostParam = ctx.url.searchParams.get("host");
    const host = hostParam ? await hostOr404(ctx.state.services, orgId, hostParam) : undefined;
    const breaches = await listBreaches(ctx.state.services.ledger, orgId, {
      ...options,
      hostId: host?.id,
    });
    return ok({
      breaches,
      nextCursor: breaches.length === options.limit ? breaches.at(-1)!.id : null,
    });
  },
});
