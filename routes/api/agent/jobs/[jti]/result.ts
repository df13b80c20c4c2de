import { define } from "@/lib/define.ts";
import { signedRequestOf } from "@/lib/http/signed_request.ts";
import { authenticateJobRequest } from "@/lib/remediation/job_channel.ts";
import { recordResult } from "@/lib/remediation/job_store.ts";

/**
 * POST: the host runner reports a job's result (agent-protocol §3.6): a signed request with
 * `host.jobs.report`, no `X-Sentry-Seq`, body up to 1 MiB. `200 {ok, jti, state, duplicate}`;
 * `404 job_not_found`, `400 invalid_result`, `409 result_conflict`. Audited as `host.job.result`.
 */
export const handler = define.handlers({
  async POST(ctx) {
    const { services } = ctx.state;
    const verified = await authenticateJobRequest(
      services,
      signedRequestOf(ctx.req),
      "host.jobs.report",
    );
    const { duplicate, job } = await recordResult(services, {
      jti: ctx.params.jti,
      host: verified.host,
      body: verified.body,
      bodySha256: verified.bodySha256,
      ip: ctx.state.ip,
    });
    return Response.json(
      { ok: true, jti: job.jti, state: job.state, duplicate },
      { headers: { "cache-control": "no-store" } },
    );
  },
});
