import { define } from "@/lib/define.ts";
import { ingestStatus } from "@/lib/ingest/ingest.ts";
import { signedRequestOf, signedTarget } from "@/lib/http/signed_request.ts";
import { authenticateHostRead } from "@/lib/hosts/read_auth.ts";
import { hostHeartbeat } from "@/lib/hosts/host_heartbeat.ts";
import { latestHostState } from "@/lib/ingest/store.ts";

/**
 * POST: a status push: the agent's (bearer host key, agent-protocol §1.10) or the host runner's
 * (signed, Part 2); `host.status.write`.
 * GET: the latest stored state and heartbeat, for a bearer key or a signed runner request with
 * `host.status.read` (agent-protocol §0.1).
 */
export const handler = define.handlers({
  async POST(ctx) {
    const { services } = ctx.state;
    const result = await ingestStatus(services, {
      hostId: ctx.params.hostId,
      authorization: ctx.req.headers.get("authorization"),
      ip: ctx.state.ip,
      ...signedRequestOf(ctx.req),
    });
    const headers = new Headers({ "cache-control": "no-store" });
    if (result.deprecatedUntil) headers.set("x-sentry-key-deprecated", result.deprecatedUntil);
    return Response.json(result.body, { headers });
  },
  async GET(ctx) {
    const { services } = ctx.state;
    const auth = await authenticateHostRead(services, {
      hostId: ctx.params.hostId,
      ...signedTarget(ctx.req),
      ip: ctx.state.ip,
    }, "host.status.read");
    const { host } = auth;
    const latest = await latestHostState(services.kv, host.orgId, host.id);
    const heartbeat = hostHeartbeat(host, services.clock.now(), services.config.heartbeat);
    const headers = new Headers({ "cache-control": "no-store" });
    if (auth.deprecatedUntil) headers.set("x-sentry-key-deprecated", auth.deprecatedUntil);
    return Response.json({ ok: true, hostId: host.id, heartbeat, latest }, { headers });
  },
});
