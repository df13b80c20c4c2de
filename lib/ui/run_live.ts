/**
 * The live part of a remediation run as the console shows it (state, commit-confirm,
 * verification, each job's step results), built the same way on the server (from a `Run` and its
 * jobs) and in the browser (from `GET /api/remediate/:runId`), so the `RunLive` island renders
 * what the page rendered and then keeps it current. Browser-safe: types and pure functions only.
 *
 * @module
 */

import type { StepResult } from "../protocol/job.ts";

/** Run states a run does not leave on its own (dead-letter waits for an operator's replay). */
export const SETTLED_RUN_STATES: readonly string[] = [
  "succeeded",
  "failed",
  "refused",
  "canceled",
  "expired",
  "dead-letter",
];

/** One step of a job result. */
export type LiveStep = StepResult;

/** One signed job of a run (the execute or dry-run job, and a rollback). */
export interface LiveJob {
  jti: string;
  mode: string;
  state: string;
  /** The runner's verdict, null until it reported. */
  status: string | null;
  refusedReason: string | null;
  steps: LiveStep[];
}

/** What the live view of a run shows. */
export interface LiveRun {
  id: string;
  /** The run's host: the island follows that host's live stream. */
  hostId?: string;
  mode: string;
  state: string;
  /** The state will not change without an operator. */
  settled: boolean;
  dispatchedAt: string | null;
  finishedAt: string | null;
  verification: string | null;
  verificationDetail: string | null;
  confirmState: string | null;
  /** While armed: when the run rolls back unless a healthy snapshot confirms it (ISO). */
  confirmDeadline: string | null;
  lastError: string | null;
  deadLetterReason: string | null;
  jobs: LiveJob[];
}

type When = string | Date | null | undefined;

interface StepLike {
  id: string;
  exitCode: number | null;
  signal?: string | null;
  durationMs?: number;
  stdoutTail?: string;
  stderrTail?: string;
  truncated?: boolean;
}

interface ResultLike {
  status: string;
  refusedReason?: string;
  steps: StepLike[];
}

/** A run as the ledger (`Run`) or the JSON API (dates as strings) gives it. */
export interface RunSource {
  id: string;
  hostId?: string;
  mode: string;
  state: string;
  dispatchedAt: When;
  finishedAt: When;
  verification: string | null;
  verificationDetail: string | null;
  confirmState: string | null;
  confirmDeadline?: When;
  lastError: string | null;
  deadLetterReason: string | null;
  result: ResultLike | null;
}

/** A job as the job store (`StoredJob`) or the JSON API gives it. */
export interface JobSource {
  jti: string;
  mode: string;
  state: string;
  result: ResultLike | null;
}

const iso = (when: When): string | null =>
  when === null || when === undefined ? null : when instanceof Date ? when.toISOString() : when;

function stepsOf(result: ResultLike | null): LiveStep[] {
  return (result?.steps ?? []).map((s) => ({
    id: s.id,
    exitCode: s.exitCode ?? null,
    signal: s.signal ?? null,
    durationMs: s.durationMs ?? 0,
    stdoutTail: s.stdoutTail ?? "",
    stderrTail: s.stderrTail ?? "",
    truncated: s.truncated ?? false,
  }));
}

/**
 * The live view of a run and its jobs. A run without jobs yet (queued, awaiting approval) shows
 * its stored result, if any, as one job.
 *
 * @example
 * ```ts
 * const live = liveRunOf(run, await jobsOfRun(ledger, run.id));           // server
 * const live = liveRunOf(body.run, body.jobs);                            // browser, API JSON
 * ```
 */
export function liveRunOf(run: RunSource, jobs: readonly JobSource[]): LiveRun {
  const liveJobs: LiveJob[] = jobs.map((j) => ({
    jti: j.jti,
    mode: j.mode,
    state: j.state,
    status: j.result?.status ?? null,
    refusedReason: j.result?.refusedReason ?? null,
    steps: stepsOf(j.result),
  }));
  if (liveJobs.length === 0 && run.result) {
    liveJobs.push({
      jti: "",
      mode: run.mode,
      state: run.result.status,
      status: run.result.status,
      refusedReason: run.result.refusedReason ?? null,
      steps: stepsOf(run.result),
    });
  }
  return {
    id: run.id,
    ...(run.hostId ? { hostId: run.hostId } : {}),
    mode: run.mode,
    state: run.state,
    settled: SETTLED_RUN_STATES.includes(run.state),
    dispatchedAt: iso(run.dispatchedAt),
    finishedAt: iso(run.finishedAt),
    verification: run.verification,
    verificationDetail: run.verificationDetail,
    confirmState: run.confirmState,
    confirmDeadline: iso(run.confirmDeadline),
    lastError: run.lastError,
    deadLetterReason: run.deadLetterReason,
    jobs: liveJobs,
  };
}

/**
 * Whether the live view should keep asking: the run is still moving, or a succeeded execute is
 * still inside its commit-confirm window or waiting for its verifying snapshot.
 *
 * @example
 * ```ts
 * if (stillMoving(live)) setTimeout(poll, 2000);
 * ```
 */
export function stillMoving(live: LiveRun): boolean {
  if (!live.settled) return true;
  return live.state === "succeeded" &&
    (live.confirmState === "armed" || live.verification === "pending");
}

/** Words for run states, as the console says them. */
export const RUN_STATE_LABELS: Readonly<Record<string, string>> = {
  "queued": "queued",
  "awaiting-approval": "awaiting approval",
  "dispatched": "dispatched",
  "running": "running",
  "succeeded": "succeeded",
  "failed": "failed",
  "refused": "refused",
  "canceled": "canceled",
  "expired": "expired",
  "dead-letter": "dead-lettered",
};

/** The CSS tone of a run state: `ok`, `bad`, `wait` or `off`. */
export function runTone(state: string): "ok" | "bad" | "wait" | "off" {
  if (state === "succeeded" || state === "verified" || state === "confirmed") return "ok";
  if (
    ["failed", "refused", "dead-letter", "unverified", "rolled-back", "rollback-failed"]
      .includes(state)
  ) return "bad";
  if (state === "canceled" || state === "expired") return "off";
  return "wait";
}
