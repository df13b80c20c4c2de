import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { hostOr404 } from "@/lib/hosts/admin.ts";
import { listTimeline } from "@/lib/timeline/timeline.ts";
import { timelineQuery } from "@/lib/timeline/query.ts";

/** The fleet timeline of the active organization (`?host=` narrows to one host). */
export const handler = define.handlers({
  async GET(ctx) {
    const orgId = authOf(ctx).org!.id;
    const options = timelineQuery(ctx.url);
    const hostParam = ctx.url.searchParams.get("host");
    const host = hostParam ? await hostOr404(ctx.state.services, orgId, hostParam) : undefined;
    const page = await listTimeline(ctx.state.services.ledger, orgId, {
      ...options,
      hostId: host?.id,
    });
    return ok({ ...page });
  },
});
