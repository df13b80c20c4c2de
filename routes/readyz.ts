import { define } from "@/lib/define.ts";
import { checkReadiness } from "@/lib/ops/readiness.ts";

/** Readiness: KV and ledger reachable and migrations current; 503 names the failing check. */
export const handler = define.handlers({
  async GET(ctx) {
    const result = await checkReadiness(ctx.state.services);
    if (!result.ok) {
      const failing = Object.entries(result.checks).filter(([, c]) => c && !c.ok);
      return Response.json(
        {
          ok: false,
          error: {
            code: "not_ready",
            message: `Not ready: ${
              failing.map(([n, c]) => `${n} (${c?.detail ?? "failing"})`).join("; ")
            }`,
            details: result.checks,
          },
        },
        { status: 503, headers: { "cache-control": "no-store", "retry-after": "5" } },
      );
    }
    return Response.json({ ok: true, checks: result.checks }, {
      headers: { "cache-control": "no-store" },
    });
  },
});
