import { z } from "zod";
import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { decideRun } from "@/lib/remediation/lifecycle.ts";
import { listRuns, PENDING_RUN_STATES } from "@/lib/remediation/runs.ts";

const Decision = z.object({
  runId: z.string().min(1).max(64),
  decision: z.enum(["approve", "reject", "cancel"]),
  reason: z.string().trim().max(500).optional(),
}).strict();

/** The remediation queue: pending and dead-lettered runs (ops); approve, reject or cancel one. */
export const handler = define.handlers({
  async GET(ctx) {
    const runs = await listRuns(ctx.state.services.ledger, authOf(ctx).org!.id, {
      states: [...PENDING_RUN_STATES, "dead-letter"],
      limit: 200,
    });
    return ok({ runs });
  },
  async POST(ctx) {
    const auth = authOf(ctx);
    const body = await readJson(ctx.req, Decision);
    const run = await decideRun(ctx.state.services, {
      orgId: auth.org!.id,
      runId: body.runId,
      decision: body.decision,
      userId: auth.user.id,
      actor: { type: "user", id: auth.user.id, label: auth.user.email },
      reason: body.reason || null,
    });
    return ok({ run });
  },
});
