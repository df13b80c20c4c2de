/**
 * Job results (agent-protocol §3.6): each waits in the result spool (at most 500; beyond that
 * the oldest is dropped and logged as an error) until `POST /api/agent/jobs/{jti}/result`
 * accepts it, retried as in §2.8. The body is stored as sent, so a re-post has the same bytes
 * and the server answers `duplicate: true`.
 *
 * @module
 */

import type { JobResult } from "../../lib/protocol/job.ts";
import { signedCall } from "../http.ts";
import type { Runtime } from "../runtime.ts";
import { type Channel, listSpool, putSpool, removeSpool } from "../spool.ts";
import { withLock } from "../state.ts";

const jtiOf = (name: string) => name.slice(17, -".json".length);

/**
 * Queues a result unless one for `jti` is already waiting.
 *
 * @example
 * ```ts
 * await enqueueResult(rt, jti, { status: "refused", refusedReason: "expired", steps: [], startedAt, finishedAt });
 * ```
 */
export async function enqueueResult(rt: Runtime, jti: string, result: JobResult): Promise<void> {
  await withLock(rt.paths.dir, "results", async () => {
    const entries = await listSpool(rt.paths.results);
    if (entries.some((e) => jtiOf(e.name) === jti)) return;
    while (entries.length >= rt.ctx.config.resultSpoolMax) {
      const oldest = entries.shift()!;
      await removeSpool(oldest);
      rt.ctx.log.error("result_dropped", { jti: jtiOf(oldest.name), reason: "result spool full" });
    }
    const name = `${String(rt.ctx.now()).padStart(16, "0")}-${jti}.json`;
    await putSpool(rt.paths.results, name, JSON.stringify(result));
    rt.ctx.log.info("result_queued", { jti, status: result.status });
  });
}

/**
 * The result spool as a {@link Channel}. `404 job_not_found` and `409 result_conflict` drop
 * the entry (the first stored result stands) with a log line; so does any other 4xx.
 *
 * @example
 * ```ts
 * await drainChannel(rt, resultChannel(rt), { deadline: Date.now() });
 * ```
 */
export function resultChannel(rt: Runtime): Channel {
  return {
    name: "results",
    dir: rt.paths.results,
    deliveryPath: rt.paths.resultDelivery,
    keepOnStop: true,
    send: async (entry, signal) =>
      await signedCall(rt.ctx, {
        baseUrl: rt.state.baseUrl,
        signer: rt.signer,
        method: "POST",
        path: `/api/agent/jobs/${jtiOf(entry.name)}/result`,
        body: await Deno.readFile(entry.path),
        signal,
      }),
    delivered: async (entry, outcome) => {
      rt.ctx.log.info("result_delivered", {
        jti: jtiOf(entry.name),
        duplicate: outcome.body.duplicate === true,
      });
      await Promise.resolve();
    },
    rejected: async (entry, outcome) => {
      const level = outcome.code === "result_conflict" ? "warn" : "error";
      rt.ctx.log[level]("result_rejected", {
        jti: jtiOf(entry.name),
        status: outcome.status,
        code: outcome.code,
      });
      await Promise.resolve();
    },
  };
}

/** Removes every queued result (used by tests). */
export async function clearResults(rt: Runtime): Promise<void> {
  for (const e of await listSpool(rt.paths.results)) await removeSpool(e);
}
