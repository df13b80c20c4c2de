/**
 * The poll side of the job channel (agent-protocol §3.1): `wait` parsing, and the long poll's
 * ways to end — a new job, an abort, the end of `wait` (with already-delivered jobs delivered
 * again). No timings are asserted; a broken wake-up would show as a 25 s test.
 */
import { deepEqual, equal, throws } from "node:assert/strict";
import { HttpError } from "@/lib/fresh/errors.ts";
import { parseWait, pollJobs } from "@/lib/remediation/job_channel.ts";
import { createJob, getJob } from "@/lib/remediation/job_store.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { jobServices, seedJobHosts, STEPS } from "../../support/remediation_jobs.ts";

Deno.test("[job channel] wait: absent 0, capped at 25, anything else 400 naming wait", () => {
  const wait = (q: string) => parseWait(new URLSearchParams(q));
  equal(wait(""), 0);
  equal(wait("wait=0"), 0);
  equal(wait("wait=7"), 7);
  equal(wait("wait=25"), 25);
  equal(wait("wait=600"), 25);
  for (const q of ["wait=", "wait=-1", "wait=1.5", "wait=abc", "wait=1&wait=2", "wait=1e3"]) {
    throws(() => wait(q), (error: unknown) => {
      equal(error instanceof HttpError && error.status, 400, q);
      deepEqual((error as HttpError).details, { field: "wait" }, q);
      return true;
    });
  }
});

forEachLedger(
  "[job channel] a long poll ends on a new job, on abort, and at the end of wait",
  async (ledger) => {
    await using services = await jobServices(ledger);
    const { org, web } = await seedJobHosts(ledger);
    const key = { createdAt: services.clock.now() };

    // Woken by a job created while it waits.
    const waiting = pollJobs(services, { host: web, key, waitSec: 25 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const job = await createJob(services, {
      orgId: org.id,
      hostId: web.id,
      runId: "run_1",
      mode: "verify",
      actionId: "ufw-deny-port",
      actionVersion: 3,
      steps: STEPS,
    });
    deepEqual((await waiting).jobs, [job.jws]);
    equal((await getJob(ledger, job.jti))?.state, "delivered");

    // An aborted request stops waiting; the job already delivered does not cut the wait short.
    const abort = new AbortController();
    const aborted = pollJobs(services, { host: web, key, waitSec: 25, signal: abort.signal });
    await new Promise((resolve) => setTimeout(resolve, 50));
    abort.abort();
    deepEqual((await aborted).jobs, [job.jws]);

    // The end of wait: delivered again.
    const answer = await pollJobs(services, { host: web, key, waitSec: 1 });
    deepEqual(answer.jobs, [job.jws]);
    deepEqual(answer.confirmed, []);
    equal(answer.keyRollover, undefined);
  },
);
