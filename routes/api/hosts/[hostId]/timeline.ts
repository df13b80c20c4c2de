import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { hostOr404 } from "@/lib/hosts/admin.ts";
import { listTimeline } from "@/lib/timeline/timeline.ts";
import { timelineQuery } from "@/lib/timeline/query.ts";

/** One host's timeline: deduped signals, filtered, cursor-paged (`?before=`). */
export const handler = define.handlers({
  async GET(ctx) {
    const orgId = authOf(ctx).org!.id;
    const options = timelineQuery(ctx.url);
    const host = await hostOr404(ctx.state.services, orgId, ctx.params.hostId);
    const page = await listTimeline(ctx.state.services.ledger, orgId, {
      ...options,
      hostId: host.id,
    });
    return ok({ ...page });
  },
});
