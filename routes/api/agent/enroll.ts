import { define } from "@/lib/define.ts";
import { enrollRunner } from "@/lib/hosts/enroll.ts";
import { signedRequestOf } from "@/lib/http/signed_request.ts";

/**
 * POST: enrolls a host runner (agent-protocol §2.2), authenticated by the one-time enrollment
 * token plus a proof-of-possession signature by the runner's new Ed25519 key.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const result = await enrollRunner(ctx.state.services, {
      authorization: ctx.req.headers.get("authorization"),
      ...signedRequestOf(ctx.req),
      ip: ctx.state.ip,
    });
    return Response.json(result.body, {
      status: result.status,
      headers: { "cache-control": "no-store" },
    });
  },
});
