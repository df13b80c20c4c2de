import { define } from "@/lib/define.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { authenticateHostRead } from "@/lib/hosts/read_auth.ts";
import { signedTarget } from "@/lib/http/signed_request.ts";
import { listSnapshots } from "@/lib/ingest/snapshots.ts";

/**
 * Stored snapshots of the host, newest first, for a bearer key or a signed runner request with
 * `host.history.read` (agent-protocol §0.1).
 */
export const handler = define.handlers({
  async GET(ctx) {
    const { services } = ctx.state;
    const auth = await authenticateHostRead(services, {
      hostId: ctx.params.hostId,
      ...signedTarget(ctx.req),
      ip: ctx.state.ip,
    }, "host.history.read");
    const { host } = auth;
    const limit = Number(ctx.url.searchParams.get("limit") ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      throw new HttpError(400, "limit: expected an integer 1-200", { details: { field: "limit" } });
    }
    const snapshots = await listSnapshots(services.ledger, host.orgId, host.id, { limit });
    const headers = new Headers({ "cache-control": "no-store" });
    if (auth.deprecatedUntil) headers.set("x-sentry-key-deprecated", auth.deprecatedUntil);
    return Response.json({ ok: true, hostId: host.id, snapshots }, { headers });
  },
});
