import { define } from "@/lib/define.ts";
import { ingestStatus } from "@/lib/ingest/ingest.ts";
import { readBodyCapped } from "@/lib/http/body.ts";
import { requestTarget } from "@/lib/ingest/signed.ts";
import { authenticateHostBearer } from "@/lib/hosts/keys.ts";
import { latestHostState } from "@/lib/ingest/store.ts";
import { heartbeatState } from "@/lib/signals/heartbeat.ts";

/**
 * POST: a status push: the agent's (bearer host key, agent-protocol §1.10) or the host runner's
 * (signed, Part 2); `host.status.write`.
 * GET: the latest stored state for a key with `host.status.read`.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const { services } = ctx.state;
    const result = await ingestStatus(services, {
      hostId: ctx.params.hostId,
      authorization: ctx.req.headers.get("authorization"),
      ip: ctx.state.ip,
      readBody: (max) => readBodyCapped(ctx.req, max),
      headers: ctx.req.headers,
      method: ctx.req.method,
      path: requestTarget(ctx.req.url),
    });
    const headers = new Headers({ "cache-control": "no-store" });
    if (result.deprecatedUntil) headers.set("x-sentry-key-deprecated", result.deprecatedUntil);
    return Response.json(result.body, { headers });
  },
  async GET(ctx) {
    const { services } = ctx.state;
    const { host } = await authenticateHostBearer(services.ledger, {
      hostId: ctx.params.hostId,
      authorization: ctx.req.headers.get("authorization"),
      requiredScope: "host.status.read",
      now: services.clock.now(),
      ip: ctx.state.ip,
    });
    const latest = await latestHostState(services.kv, host.orgId, host.id);
    const heartbeat = heartbeatState(
      host.lastSeenAt,
      services.clock.now(),
      services.config.heartbeat,
    );
    return Response.json({ ok: true, hostId: host.id, heartbeat, latest }, {
      headers: { "cache-control": "no-store" },
    });
  },
});
