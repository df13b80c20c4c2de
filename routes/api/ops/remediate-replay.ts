import { z } from "zod";
import { define } from "@/lib/define.ts";
import { readJson } from "@/lib/http/input.ts";
import { authOf, ok } from "@/lib/auth/http.ts";
import { replayRuns } from "@/lib/remediation/lifecycle.ts";

const Replay = z.object({
  /** Empty or absent: every dead-lettered run of the organization. */
  runIds: z.array(z.string().min(1).max(64)).max(200).default([]),
}).strict();

/** Puts dead-lettered runs back in the queue, one or in a batch (ops). */
export const handler = define.handlers({
  async POST(ctx) {
    const auth = authOf(ctx);
    const { runIds } = await readJson(ctx.req, Replay);
    const replayed = await replayRuns(ctx.state.services, {
      orgId: auth.org!.id,
      runIds,
      actor: { type: "user", id: auth.user.id, label: auth.user.email },
    });
    const skipped = runIds.filter((id) => !replayed.includes(id));
    return ok({ replayed, skipped });
  },
});
