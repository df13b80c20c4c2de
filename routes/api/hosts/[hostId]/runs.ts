import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { hostOr404 } from "@/lib/hosts/admin.ts";
import { listRuns } from "@/lib/remediation/runs.ts";

/** The host's remediation runs, newest first (`?before=<runId>` pages). */
export const handler = define.handlers({
  async GET(ctx) {
    const { services } = ctx.state;
    const org = authOf(ctx).org!;
    const host = await hostOr404(services, org.id, ctx.params.hostId);
    const before = ctx.url.searchParams.get("before") ?? undefined;
    const runs = await listRuns(services.ledger, org.id, { hostId: host.id, before, limit: 50 });
    return ok({ runs, next: runs.length === 50 ? runs.at(-1)!.id : null });
  },
});
