import { define } from "@/lib/define.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { auditRequest } from "@/lib/auth/request_audit.ts";
import { drainQueue } from "@/lib/remediation/lifecycle.ts";

/** Dispatches every queued run of the organization now (ops). */
export const handler = define.handlers({
  async POST(ctx) {
    const drained = await drainQueue(ctx.state.services, authOf(ctx).org!.id);
    await auditRequest(ctx, {
      action: "remediation.queue.drain",
      summary: `queue drained: ${drained.dispatched} dispatched, ${drained.expired} expired`,
      details: { ...drained },
    });
    return ok({ ...drained });
  },
});
