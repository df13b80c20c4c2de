import { define } from "@/lib/define.ts";
import { HttpError } from "@/lib/fresh/mod.ts";
import { authenticateHostBearer } from "@/lib/hosts/keys.ts";
import { listSnapshots } from "@/lib/ingest/snapshots.ts";

/** Stored snapshots of the host, newest first, for a key with `host.history.read`. */
export const handler = define.handlers({
  async GET(ctx) {
    const { services } = ctx.state;
    const { host } = await authenticateHostBearer(services.ledger, {
      hostId: ctx.params.hostId,
      authorization: ctx.req.headers.get("authorization"),
      requiredScope: "host.history.read",
      now: services.clock.now(),
      ip: ctx.state.ip,
    });
    const limit = Number(ctx.url.searchParams.get("limit") ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      throw new HttpError(400, "limit: expected an integer 1-200", { details: { field: "limit" } });
    }
    const snapshots = await listSnapshots(services.ledger, host.orgId, host.id, { limit });
    return Response.json({ ok: true, hostId: host.id, snapshots }, {
      headers: { "cache-control": "no-store" },
    });
  },
});
