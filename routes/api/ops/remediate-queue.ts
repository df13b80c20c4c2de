import { z } from "zod";
import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { decideRun } from "@/lib/remediation/lifecycle.ts";
import { listRuns, PENDING_RUN_STATES, RUN_ID_PATTERN } from "@/lib/remediation/runs.ts";
import { queryLimit, queryText } from "@/lib/ui/list_query.ts";
import { cursorIfMore } from "@/lib/http/paging.ts";

const Decision = z.object({
  runId: z.string().min(1).max(64),
  decision: z.enum(["approve", "reject", "cancel"]),
  reason: z.string().trim().max(500).optional(),
}).strict();

/**
 * The remediation queue (ops): pending and dead-lettered runs as one list, newest first, paged
 * with `?limit=1-200` (default 50) and `?before=<nextCursor>` (a run id); `nextCursor` is null on
 * the last page. POST approves, rejects or cancels one run.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const limit = queryLimit(ctx.url);
    const before = queryText(ctx.url, "before", 64, RUN_ID_PATTERN);
    const { ledger } = ctx.state.services;
    const orgId = authOf(ctx).org!.id;
    const states = [...PENDING_RUN_STATES, "dead-letter" as const];
    const runs = await listRuns(ledger, orgId, { states, before, limit });
    const nextCursor = await cursorIfMore(
      runs,
      limit,
      (r) => r.id,
      (cursor) => listRuns(ledger, orgId, { states, before: cursor, limit: 1 }),
    );
    return ok({ runs, nextCursor });
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
