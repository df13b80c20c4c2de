import { define } from "@/lib/define.ts";
import { signedRequestOf } from "@/lib/http/signed_request.ts";
import { authenticateJobRequest, parseWait, pollJobs } from "@/lib/remediation/job_channel.ts";

/**
 * GET: the host runner pulls its signed jobs (agent-protocol §3.1): a signed request with
 * `host.jobs.pull`, no body, no `X-Sentry-Seq`; `?wait=0..25` long-polls. Answers
 * `{ok, jobs, confirmed, keyRollover?, serverTime}` and marks the returned jobs delivered.
 */
export const handler = define.handlers({
  async GET(ctx) {
    const { services } = ctx.state;
    const verified = await authenticateJobRequest(
      services,
      signedRequestOf(ctx.req),
      "host.jobs.pull",
    );
    const waitSec = parseWait(new URL(ctx.req.url).searchParams);
    const body = await pollJobs(services, {
      host: verified.host,
      key: verified.key,
      waitSec,
      // Only a long poll listens for the client going away.
      signal: waitSec > 0 ? ctx.req.signal : undefined,
    });
    return Response.json(body, { headers: { "cache-control": "no-store" } });
  },
});
