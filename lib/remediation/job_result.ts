/**
 * Validation of a runner's job result, `POST /api/agent/jobs/{jti}/result` (agent-protocol
 * §3.6), against the job it reports on: the body's shape, step ids as an in-order prefix of the
 * job's steps, output tails within each step's `maxOutputBytes` (UTF-8 bytes), `refusedReason`
 * if and only if `refused`, RFC 3339 times. Pure: nothing is stored here.
 *
 * @module
 */

import { HttpError } from "../fresh/errors.ts";
import {
  type JobResult,
  type JobStep,
  REFUSAL_CODES,
  type RefusalCode,
  type StepResult,
} from "../protocol/job.ts";
import { counted } from "../text/plural.ts";

export type { JobResult, StepResult } from "../protocol/job.ts";

/** A result that breaks §3.6: `400 invalid_result` naming the field. */
export class InvalidResultError extends HttpError {
  constructor(readonly field: string, message: string) {
    super(400, `${field}: ${message}`, { code: "invalid_result", details: { field } });
    this.name = "InvalidResultError";
  }
}

/** RFC 3339 date-time (`T`/`Z` in either case, fraction and offset optional as RFC 3339 allows). */
const RFC3339 =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d{1,9})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

const RESULT_STATUSES = ["succeeded", "failed", "refused"] as const;
const encoder = new TextEncoder();

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);

function time(body: Record<string, unknown>, field: "startedAt" | "finishedAt"): string {
  const value = body[field];
  if (typeof value !== "string" || !RFC3339.test(value) || !Number.isFinite(Date.parse(value))) {
    throw new InvalidResultError(
      field,
      "must be an RFC 3339 date-time, e.g. 2026-11-25T17:00:11.204Z",
    );
  }
  return value;
}

function tail(step: Record<string, unknown>, i: number, name: string, max: number): string {
  const value = step[name];
  const field = `steps[${i}].${name}`;
  if (typeof value !== "string") throw new InvalidResultError(field, "must be a string");
  const bytes = encoder.encode(value).length;
  if (bytes > max) {
    throw new InvalidResultError(
      field,
      `is ${bytes} bytes (UTF-8), over the step's maxOutputBytes ${max}`,
    );
  }
  return value;
}

function stepResult(value: unknown, i: number, jobStep: JobStep | undefined): StepResult {
  const at = `steps[${i}]`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidResultError(at, "must be an object");
  }
  const s = value as Record<string, unknown>;
  if (jobStep === undefined) {
    throw new InvalidResultError(at, "the job has fewer steps than the result reports");
  }
  if (s.id !== jobStep.id) {
    throw new InvalidResultError(
      `${at}.id`,
      `must be "${jobStep.id}": step ids are the job's steps, in order, as a prefix`,
    );
  }
  if (s.exitCode !== null && !isInt(s.exitCode)) {
    throw new InvalidResultError(`${at}.exitCode`, "must be an integer or null");
  }
  if (s.signal !== null && (typeof s.signal !== "string" || s.signal.length > 32)) {
    throw new InvalidResultError(`${at}.signal`, 'must be null or a signal name like "SIGKILL"');
  }
  if (!isInt(s.durationMs) || s.durationMs < 0) {
    throw new InvalidResultError(`${at}.durationMs`, "must be a non-negative integer");
  }
  if (typeof s.truncated !== "boolean") {
    throw new InvalidResultError(`${at}.truncated`, "must be a boolean");
  }
  return {
    id: jobStep.id,
    exitCode: s.exitCode as number | null,
    signal: s.signal as string | null,
    durationMs: s.durationMs,
    stdoutTail: tail(s, i, "stdoutTail", jobStep.maxOutputBytes),
    stderrTail: tail(s, i, "stderrTail", jobStep.maxOutputBytes),
    truncated: s.truncated,
  };
}

/**
 * Parses and validates a result body for a job with `steps`; returns it normalized (known
 * members only, in the protocol's order). Throws {@link InvalidResultError} naming the first
 * bad field.
 *
 * @example
 * ```ts
 * const result = parseJobResult(bodyBytes, job.claims.steps);
 * result.status; // "succeeded"
 * ```
 */
export function parseJobResult(bytes: Uint8Array, steps: readonly JobStep[]): JobResult {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new InvalidResultError("(body)", "must be a UTF-8 JSON object (agent-protocol §3.6)");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new InvalidResultError("(body)", "must be a JSON object (agent-protocol §3.6)");
  }
  const b = body as Record<string, unknown>;
  if (!(RESULT_STATUSES as readonly unknown[]).includes(b.status)) {
    throw new InvalidResultError("status", "must be succeeded, failed or refused");
  }
  const status = b.status as JobResult["status"];
  const reasonGiven = b.refusedReason !== undefined && b.refusedReason !== null;
  if (status === "refused") {
    if (!(REFUSAL_CODES as readonly unknown[]).includes(b.refusedReason)) {
      throw new InvalidResultError(
        "refusedReason",
        `is required for a refusal and must be one of ${REFUSAL_CODES.join(", ")}`,
      );
    }
  } else if (reasonGiven) {
    throw new InvalidResultError("refusedReason", "is allowed only when status is refused");
  }
  if (!Array.isArray(b.steps)) throw new InvalidResultError("steps", "must be an array");
  if (status === "refused" && b.steps.length > 0) {
    throw new InvalidResultError("steps", "must be [] for a refusal (nothing ran)");
  }
  if (b.steps.length > steps.length) {
    throw new InvalidResultError(
      `steps[${steps.length}]`,
      `the job has only ${counted(steps.length, "step")}`,
    );
  }
  const results = b.steps.map((s, i) => stepResult(s, i, steps[i]));
  return {
    status,
    ...(status === "refused" ? { refusedReason: b.refusedReason as RefusalCode } : {}),
    steps: results,
    startedAt: time(b, "startedAt"),
    finishedAt: time(b, "finishedAt"),
  };
}
