/**
 * The runner's side of the job channel over HTTP (agent-protocol §3.1, §3.6): authentication of
 * `GET /api/agent/jobs` and `POST /api/agent/jobs/{jti}/result` (signed requests, §2.3-2.4, no
 * `X-Sentry-Seq`, no `Authorization`), and the long poll.
 *
 * **Long poll.** The poll answers at once when a job was never delivered before, or when `wait`
 * is 0. Otherwise it waits in `kv.watch` on the host's "jobs changed" key (bumped by job
 * creation, rollback release, cancel and confirm) and answers as soon as a change brings an
 * undelivered job or a new confirmation, when `wait` seconds have passed, or when the request
 * is aborted. Jobs already delivered but without a result are included in every answer
 * (delivery is at least once) without cutting the wait short, so a runner busy with a long job
 * does not spin.
 *
 * @module
 */

import { markRunsRunning } from "./runs.ts";
import { noteRun } from "../live/notes.ts";
import { agentJobsChangedKey } from "../db/kv.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Host } from "../hosts/host.ts";
import { noteJobPoll } from "../hosts/job_channel_state.ts";
import type { HostScope } from "../hosts/key_format.ts";
import type { RunnerKey } from "../hosts/runner_keys.ts";
import { JOB_RESULT_LIMIT_PER_MINUTE, JOBS_POLL_LIMIT_PER_MINUTE } from "../ingest/rate_limit.ts";
import { refuse, type VerifiedSignedRequest, verifySignedRequest } from "../ingest/signed.ts";
import type { Services } from "../services.ts";
import { keyRolloverFor } from "./job_keys.ts";
import {
  confirmedJtisForHost,
  markDelivered,
  MAX_RESULT_BYTES,
  pendingJobsForHost,
  type StoredJob,
} from "./job_store.ts";

/** Longest long poll, seconds (§3.1: larger values are treated as this). */
export const MAX_POLL_WAIT_S = 25;

/** A job route's request, as the route hands it over. */
export interface JobRouteRequest {
  headers: Headers;
  method: string;
  /** Origin-form target as received (path plus `?query`), as the runner signed it. */
  path: string;
  readBody: (maxBytes: number) => Promise<Uint8Array>;
}

/** The poll response of §3.1. */
export interface PollResponse {
  ok: true;
  /** 0-10 compact JWS, oldest first. */
  jobs: string[];
  /** Execute `jti`s confirmed by commit-confirm (§3.7). */
  confirmed: string[];
  /** §3.8, while a rotated-out key is in its overlap. */
  keyRollover?: string;
  serverTime: number;
}

/**
 * Authenticates a signed job-channel request with `scope`: `400 auth_mode_conflict` with an
 * `Authorization` header too, `401 malformed_signature` with `X-Sentry-Seq`, then the §2.4
 * checks (rate limit: polls 120/min, results 120/min per key; results up to 1 MiB, polls no
 * body).
 *
 * @example
 * ```ts
 * const v = await authenticateJobRequest(services, { headers, method, path, readBody }, "host.jobs.pull");
 * ```
 */
export async function authenticateJobRequest(
  services: Pick<Services, "kv" | "ledger" | "clock">,
  req: JobRouteRequest,
  scope: Extract<HostScope, "host.jobs.pull" | "host.jobs.report">,
): Promise<VerifiedSignedRequest> {
  if (req.headers.has("authorization") && req.headers.has("x-sentry-signature")) {
    throw new HttpError(
      400,
      "Send the X-Sentry-* signature headers only; job routes take no Authorization header.",
      { code: "auth_mode_conflict" },
    );
  }
  if (req.headers.has("x-sentry-seq")) {
    throw refuse(
      401,
      "malformed_signature",
      "X-Sentry-Seq belongs to snapshot posts only; sign job requests without it " +
        "(agent-protocol §2.3).",
      { header: "X-Sentry-Seq" },
    );
  }
  const pull = scope === "host.jobs.pull";
  return await verifySignedRequest(services, {
    method: req.method,
    path: req.path,
    headers: req.headers,
    routeHostId: null,
    requiredScope: scope,
    rateLimit: pull
      ? { bucket: "jobs-poll", perMinute: JOBS_POLL_LIMIT_PER_MINUTE }
      : { bucket: "job-result", perMinute: JOB_RESULT_LIMIT_PER_MINUTE },
    maxBodyBytes: pull ? 0 : MAX_RESULT_BYTES,
    readBody: req.readBody,
  });
}

/**
 * The `wait` query parameter: absent → 0; a decimal integer ≥ 0, values over 25 count as 25;
 * anything else `400 invalid_input` naming `wait`.
 *
 * @example
 * ```ts
 * parseWait(new URL("http://x/api/agent/jobs?wait=60").searchParams); // 25
 * ```
 */
export function parseWait(params: URLSearchParams): number {
  const values = params.getAll("wait");
  if (values.length === 0) return 0;
  if (values.length > 1 || !/^[0-9]{1,6}$/.test(values[0])) {
    throw new HttpError(400, "wait: expected one whole number of seconds, 0-25", {
      code: "invalid_input",
      details: { field: "wait" },
    });
  }
  return Math.min(Number(values[0]), MAX_POLL_WAIT_S);
}

interface Snapshot {
  jobs: StoredJob[];
  confirmed: string[];
}

async function snapshot(services: Pick<Services, "ledger" | "clock">, hostId: string) {
  const now = services.clock.now();
  const [jobs, confirmed] = await Promise.all([
    pendingJobsForHost(services.ledger, hostId, now),
    confirmedJtisForHost(services.ledger, hostId, now),
  ]);
  return { jobs, confirmed } satisfies Snapshot;
}

const hasNewJob = (s: Snapshot) => s.jobs.some((j) => j.state === "created");

/**
 * Answers one poll (§3.1) for a verified runner: waits as described in the module doc, marks
 * the returned jobs delivered, and adds the host's rollover statement, if any.
 *
 * @example
 * ```ts
 * const body = await pollJobs(services, { host: v.host, key: v.key, waitSec: 25, signal: req.signal });
 * ```
 */
export async function pollJobs(
  services: Pick<Services, "ledger" | "kv" | "clock" | "config">,
  input: {
    host: Pick<Host, "id" | "orgId">;
    key: Pick<RunnerKey, "createdAt">;
    waitSec: number;
    signal?: AbortSignal;
  },
): Promise<PollResponse> {
  const { host } = input;
  // Part 5: a poll is the job channel's liveness, not a heartbeat (last_seen_at stays).
  await noteJobPoll(services.ledger, host, services.clock.now());
  let current: Snapshot;
  if (input.waitSec <= 0) {
    current = await snapshot(services, host.id);
  } else {
    // Watch first, read after: a change between the two is seen by the watch.
    const reader = services.kv.watch([agentJobsChangedKey(host.orgId, host.id)]).getReader();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    try {
      await reader.read();
      current = await snapshot(services, host.id);
      if (!hasNewJob(current)) {
        const initial = current.confirmed.join(",");
        const stop = new Promise<"stop">((resolve) => {
          timer = setTimeout(() => resolve("stop"), input.waitSec * 1000);
          onAbort = () => resolve("stop");
          if (input.signal?.aborted) resolve("stop");
          input.signal?.addEventListener("abort", onAbort, { once: true });
        });
        while (true) {
          const next = await Promise.race([reader.read(), stop]);
          current = await snapshot(services, host.id);
          if (next === "stop" || next.done) break;
          if (hasNewJob(current) || current.confirmed.join(",") !== initial) break;
        }
      }
    } finally {
      clearTimeout(timer);
      if (onAbort) input.signal?.removeEventListener("abort", onAbort);
      await reader.cancel().catch(() => {});
    }
  }
  const now = services.clock.now();
  await markDelivered(services.ledger, current.jobs.map((j) => j.jti), now);
  await markRunsRunning(services.ledger, current.jobs.map((j) => j.jti), now);
  for (const runId of new Set(current.jobs.map((j) => j.runId))) {
    await noteRun(services, { id: runId, orgId: host.orgId, hostId: host.id }, "delivered");
  }
  const keyRollover = await keyRolloverFor(services, {
    hostId: host.id,
    pinnedSince: input.key.createdAt,
  });
  return {
    ok: true,
    jobs: current.jobs.map((j) => j.jws),
    confirmed: current.confirmed,
    ...(keyRollover ? { keyRollover } : {}),
    serverTime: Math.floor(now.getTime() / 1000),
  };
}
