/**
 * `status`: a summary of the runner's state for operators (never the private key).
 *
 * @module
 */

import type { RunnerContext } from "./context.ts";
import { readJsonFile } from "./fsutil.ts";
import { listArmed } from "./jobs/confirm.ts";
import { JobLedger } from "./jobs/ledger.ts";
import type { JobStats } from "./jobs/process.ts";
import { listSpool } from "./spool.ts";
import { loadSeq, loadState, statePaths } from "./state.ts";
import { RUNNER_VERSION } from "./version.ts";

/** What `status` reports. */
export interface StatusSummary {
  runnerVersion: string;
  stateDir: string;
  enrolled: boolean;
  hostId: string | null;
  baseUrl: string | null;
  keyId: string | null;
  issuer: string | null;
  jobKeys: { kid: string; retireAt: number | null }[];
  stopped: { code: string; at: string } | null;
  nextSeq: number | null;
  droppedTotal: number;
  lost: { from: number; to: number; reason: string }[];
  snapshotSpool: { depth: number; bytes: number };
  resultSpool: { depth: number };
  ledger: { received: number; started: number; done: number };
  armedRollbacks: { executeJti: string; deadline: string }[];
  jobsDisabled: boolean;
  discardedJobs: number;
}

/**
 * Reads the state directory into a {@link StatusSummary}; works before enrollment too.
 *
 * @example
 * ```ts
 * console.log(JSON.stringify(await statusSummary(ctx), null, 2));
 * ```
 */
export async function statusSummary(ctx: RunnerContext): Promise<StatusSummary> {
  const paths = statePaths(ctx.config.stateDir);
  const state = await loadState(paths.dir).catch(() => null);
  const snapshots = await listSpool(paths.snapshots);
  const results = await listSpool(paths.results);
  const ledger = { received: 0, started: 0, done: 0 };
  let armed: { executeJti: string; deadline: string }[] = [];
  let seq = null;
  if (state) {
    seq = await loadSeq(paths.dir);
    for (const e of await new JobLedger(paths.ledger).list()) ledger[e.phase]++;
    armed = (await listArmed({ paths })).map((a) => ({
      executeJti: a.executeJti,
      deadline: new Date(a.deadline).toISOString(),
    }));
  }
  const stats = await readJsonFile(paths.stats).catch(() => null) as JobStats | null;
  return {
    runnerVersion: RUNNER_VERSION,
    stateDir: paths.dir,
    enrolled: state !== null,
    hostId: state?.hostId ?? null,
    baseUrl: state?.baseUrl ?? null,
    keyId: state?.keyId ?? null,
    issuer: state?.issuer ?? null,
    jobKeys: (state?.jobKeys ?? []).map((k) => ({ kid: k.kid, retireAt: k.retireAt })),
    stopped: state?.stopped ?? null,
    nextSeq: seq?.nextSeq ?? null,
    droppedTotal: seq?.droppedTotal ?? 0,
    lost: seq?.lost ?? [],
    snapshotSpool: { depth: snapshots.length, bytes: snapshots.reduce((n, e) => n + e.size, 0) },
    resultSpool: { depth: results.length },
    ledger,
    armedRollbacks: armed,
    jobsDisabled: await Deno.lstat(ctx.config.killSwitchPath).then(() => true, () => false),
    discardedJobs: stats?.discarded ?? 0,
  };
}

/**
 * The summary as text lines.
 *
 * @example
 * ```ts
 * console.log(formatStatus(await statusSummary(ctx)));
 * ```
 */
export function formatStatus(s: StatusSummary): string {
  if (!s.enrolled) {
    return [
      `vps-sentry-runner ${s.runnerVersion}`,
      `state: ${s.stateDir}`,
      "enrolled: no (run `vps-sentry-runner enroll --base-url … --host-id … --token …`)",
    ].join("\n");
  }
  return [
    `vps-sentry-runner ${s.runnerVersion}`,
    `state: ${s.stateDir}`,
    `enrolled: yes, host ${s.hostId} at ${s.baseUrl}`,
    `key id: ${s.keyId}`,
    `issuer: ${s.issuer}`,
    `job-signing keys: ${
      s.jobKeys.length === 0
        ? "none (jobs refused; re-enroll)"
        : s.jobKeys.map((k) => k.kid + (k.retireAt ? ` (retires ${k.retireAt})` : "")).join(", ")
    }`,
    `stopped: ${s.stopped ? `${s.stopped.code} at ${s.stopped.at}: re-enroll` : "no"}`,
    `next seq: ${s.nextSeq}, dropped: ${s.droppedTotal}, lost ranges: ${s.lost.length}`,
    `snapshot spool: ${s.snapshotSpool.depth} (${s.snapshotSpool.bytes} bytes)`,
    `result spool: ${s.resultSpool.depth}`,
    `ledger: ${s.ledger.done} done, ${s.ledger.started} started, ${s.ledger.received} received`,
    `armed rollbacks: ${
      s.armedRollbacks.map((a) => `${a.executeJti} at ${a.deadline}`).join(", ") || "none"
    }`,
    `jobs disabled (kill switch): ${s.jobsDisabled ? "yes" : "no"}`,
    `discarded job tokens: ${s.discardedJobs}`,
  ].join("\n");
}
