/**
 * Plays the host runner for one remediation run without a real host: dispatches the run (signs
 * its job) and records a result for every step of that job, with the output given, through the
 * job store as `POST /api/agent/jobs/:jti/result` would.
 */
import { equal } from "node:assert/strict";
import { createHash } from "node:crypto";
import { dispatchRun } from "@/lib/remediation/lifecycle.ts";
import { recordResult } from "@/lib/remediation/job_store.ts";
import { getJob } from "@/lib/remediation/job_rows.ts";
import { getRun, type Run } from "@/lib/remediation/runs.ts";
import type { Services } from "@/lib/services.ts";

/**
 * Dispatches `runId` and reports its job's result. `stdout` becomes every step's stdout tail
 * (`{step}` is replaced with the step id); a failed result fails the first step.
 *
 * @example
 * ```ts
 * const run = await reportRun(services, runId, { stdout: "Would add rule {step}" });
 * ```
 */
export async function reportRun(
  services: Services,
  runId: string,
  opts: { status?: "succeeded" | "failed"; stdout?: string; stderr?: string } = {},
): Promise<Run> {
  const status = opts.status ?? "succeeded";
  const run = await dispatchRun(services, runId);
  equal(run?.state, "dispatched", `run ${runId} should be dispatched, is ${run?.state}`);
  const job = (await getJob(services.ledger, run!.jobJti!))!;
  const now = services.clock.now().toISOString();
  const steps = job.claims.steps.map((s, i) => ({
    id: s.id,
    exitCode: status === "failed" && i === 0 ? 1 : 0,
    signal: null,
    durationMs: 12,
    stdoutTail: (opts.stdout ?? "").replaceAll("{step}", s.id),
    stderrTail: status === "failed" && i === 0 ? (opts.stderr ?? "error") : "",
    truncated: false,
  }));
  const bytes = new TextEncoder().encode(JSON.stringify({
    status,
    steps: status === "failed" ? steps.slice(0, 1) : steps,
    startedAt: now,
    finishedAt: now,
  }));
  await recordResult(services, {
    jti: job.jti,
    host: { id: run!.hostId, orgId: run!.orgId, slug: "host" },
    body: bytes,
    bodySha256: createHash("sha256").update(bytes).digest("hex"),
  });
  return (await getRun(services.ledger, runId))!;
}
