import { define } from "@/lib/define.ts";
import { enrollRunner } from "@/lib/hosts/enroll.ts";
import { readBodyCapped } from "@/lib/http/body.ts";
import { requestTarget } from "@/lib/ingest/signed.ts";

/**
 * POST: enrolls a host runner (agent-protocol §2.2), authenticated by the one-time enrollment
 * token plus a proof-of-possession signature by the runner's new Ed25519 key.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const result = await enrollRunner(ctx.state.services, {
      authorization: ctx.req.headers.get("authorization"),
      headers: ctx.req.headers,
      method: ctx.req.method,
      path: requestTarget(ctx.req.url),
      ip: ctx.state.ip,
      readBody: (max) => readBodyCapped(ctx.req, max),
    });
    return Response.json(result.body, {
      status: result.status,
      headers: { "cache-control": "no-store" },
    });
  },
});
