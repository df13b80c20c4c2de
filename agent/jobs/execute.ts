/**
 * Step execution (agent-protocol §3.5): `argv[0]` by direct execve with the exact argv (no
 * shell, no PATH lookup, no expansion), a scrubbed environment, stdin `/dev/null`, cwd `/`,
 * umask 0022, its own process group; SIGTERM to the group at `timeoutMs`, SIGKILL after the
 * grace; both streams read to EOF keeping only the last `maxOutputBytes`, cut on a UTF-8
 * character boundary. A job stops at its first failing step unless that step allows failure.
 *
 * @module
 */

import {
  isNormalizedAbsolutePath,
  type JobClaims,
  type JobMode,
  type JobStep,
  type StepResult,
} from "../../lib/protocol/job.ts";

/** The only variables a step sees (§3.5). */
export function scrubbedEnv(
  job: { jti: string; runId: string; mode: JobMode },
  stepId: string,
): Record<string, string> {
  return {
    PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
    LANG: "C.UTF-8",
    LC_ALL: "C.UTF-8",
    HOME: "/root",
    TERM: "dumb",
    DEBIAN_FRONTEND: "noninteractive",
    VPS_SENTRY_JOB_ID: job.jti,
    VPS_SENTRY_RUN_ID: job.runId,
    VPS_SENTRY_JOB_MODE: job.mode,
    VPS_SENTRY_STEP_ID: stepId,
  };
}

/**
 * Keeps the last `cap` bytes of a stream while counting all of it.
 *
 * @example
 * ```ts
 * const tail = new TailBuffer(4);
 * tail.push(new TextEncoder().encode("hello")); // tail.bytes() = "ello", tail.total = 5
 * ```
 */
export class TailBuffer {
  #chunks: Uint8Array[] = [];
  #kept = 0;
  /** Bytes seen in all. */
  total = 0;

  constructor(readonly cap: number) {}

  /** Adds a chunk, forgetting whole chunks that fall out of the tail. */
  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    this.#chunks.push(chunk);
    this.#kept += chunk.length;
    while (this.#chunks.length > 1 && this.#kept - this.#chunks[0].length >= this.cap) {
      this.#kept -= this.#chunks.shift()!.length;
    }
  }

  /** True when more than `cap` bytes were seen. */
  get truncated(): boolean {
    return this.total > this.cap;
  }

  /** The last `cap` bytes. */
  bytes(): Uint8Array {
    const all = new Uint8Array(this.#kept);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all.length > this.cap ? all.subarray(all.length - this.cap) : all;
  }
}

const encoder = new TextEncoder();

/**
 * Decodes a tail as UTF-8: when the stream was cut, leading continuation bytes are skipped so
 * the text starts on a character boundary; invalid bytes become U+FFFD; characters are then
 * dropped from the front until the UTF-8 size is within `cap` again (U+FFFD is 3 bytes).
 *
 * @example
 * ```ts
 * decodeTail(new Uint8Array([0xa9, 0x41]), 2, true); // "A"
 * ```
 */
export function decodeTail(bytes: Uint8Array, cap: number, cut: boolean): string {
  let start = 0;
  if (cut) { while (start < 3 && start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++; }
  let text = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(start));
  if (encoder.encode(text).length > cap) {
    const chars = [...text];
    let size = encoder.encode(text).length;
    let drop = 0;
    while (size > cap && drop < chars.length) size -= encoder.encode(chars[drop++]).length;
    text = chars.slice(drop).join("");
  }
  return text;
}

/** How steps run. */
export interface ExecOptions {
  /** The runner's local maximum tail per stream; the step's own cap applies if lower. */
  maxOutputBytes: number;
  /** SIGTERM → SIGKILL grace, ms (5000 in production). */
  killGraceMs: number;
}

function killGroup(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    Deno.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
}

async function drain(stream: ReadableStream<Uint8Array>, tail: TailBuffer): Promise<void> {
  for await (const chunk of stream) tail.push(chunk);
}

/**
 * Runs one step and reports it (§3.6 step object). A step that cannot be started has
 * `exitCode: null` and the reason in `stderrTail`; one killed by a signal has `exitCode: null`
 * and `signal` set.
 *
 * @example
 * ```ts
 * const r = await runStep(claims, claims.steps[0], { maxOutputBytes: 65536, killGraceMs: 5000 });
 * ```
 */
export async function runStep(
  job: { jti: string; runId: string; mode: JobMode },
  step: JobStep,
  opts: ExecOptions,
): Promise<StepResult> {
  const cap = Math.min(step.maxOutputBytes, opts.maxOutputBytes);
  const started = performance.now();
  const duration = () => Math.round(performance.now() - started);
  let child: Deno.ChildProcess;
  try {
    // Validation guarantees this; checked again so a bare name can never be looked up in PATH.
    if (!isNormalizedAbsolutePath(step.argv[0])) throw new Error("not an absolute path");
    child = new Deno.Command(step.argv[0], {
      args: step.argv.slice(1),
      cwd: "/",
      clearEnv: true,
      env: scrubbedEnv(job, step.id),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
  } catch (error) {
    const reason = `cannot start ${step.argv[0]}: ${(error as Error).message}`;
    return {
      id: step.id,
      exitCode: null,
      signal: null,
      durationMs: duration(),
      stdoutTail: "",
      stderrTail: decodeTail(encoder.encode(reason), cap, false),
      truncated: encoder.encode(reason).length > cap,
    };
  }
  const out = new TailBuffer(cap);
  const err = new TailBuffer(cap);
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const termTimer = setTimeout(() => {
    killGroup(child, "SIGTERM");
    killTimer = setTimeout(() => killGroup(child, "SIGKILL"), opts.killGraceMs);
  }, step.timeoutMs);
  try {
    const [status] = await Promise.all([
      child.status,
      drain(child.stdout, out),
      drain(child.stderr, err),
    ]);
    return {
      id: step.id,
      exitCode: status.signal ? null : status.code,
      signal: status.signal ?? null,
      durationMs: duration(),
      stdoutTail: decodeTail(out.bytes(), cap, out.truncated),
      stderrTail: decodeTail(err.bytes(), cap, err.truncated),
      truncated: out.truncated || err.truncated,
    };
  } finally {
    clearTimeout(termTimer);
    clearTimeout(killTimer);
  }
}

/** A finished (not refused) job. */
export interface JobRun {
  status: "succeeded" | "failed";
  steps: StepResult[];
  startedAt: string;
  finishedAt: string;
}

/**
 * Runs a validated job's steps in order, one at a time, stopping at the first failing step
 * unless it has `allowFailure`. `onStep` sees each step as it finishes (the ledger records it).
 *
 * @example
 * ```ts
 * const run = await runJob(claims, opts, Date.now, (steps) => ledger.put({ ...entry, steps }));
 * ```
 */
export async function runJob(
  claims: Pick<JobClaims, "jti" | "runId" | "mode" | "steps">,
  opts: ExecOptions,
  now: () => number = Date.now,
  onStep?: (steps: StepResult[]) => Promise<void>,
): Promise<JobRun> {
  try {
    Deno.umask(0o022);
  } catch {
    // umask is best effort where the runtime does not offer it.
  }
  const startedAt = new Date(now()).toISOString();
  const steps: StepResult[] = [];
  let status: JobRun["status"] = "succeeded";
  for (const step of claims.steps) {
    const result = await runStep(claims, step, opts);
    steps.push(result);
    await onStep?.(steps);
    if (result.exitCode !== 0 && !step.allowFailure) {
      status = "failed";
      break;
    }
  }
  return { status, steps, startedAt, finishedAt: new Date(now()).toISOString() };
}
