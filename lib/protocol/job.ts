/**
 * Job tokens and results of the remediation channel (agent-protocol §3.2, §3.3 check 10, §3.6):
 * the claim and step shapes, their limits, the refusal codes and the result body. Pure and
 * dependency-free, so the control plane and the host runner agree on one definition.
 *
 * @module
 */

/** `typ` of a job token. */
export const JOB_TYP = "vps-sentry-job+jwt";
/** `typ` of a job-signing key rollover statement (§3.8). */
export const ROLLOVER_TYP = "vps-sentry-key-rollover+jwt";
/** Largest `exp − iat` of a job token, seconds. */
export const MAX_JOB_LIFETIME_S = 900;
/** How far `iat` may be ahead of the runner's clock, seconds (check 8). */
export const MAX_IAT_AHEAD_S = 300;
/** `jti` syntax (it appears in the result URL). */
export const JTI_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Step id syntax. */
export const STEP_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The four job modes. */
export const JOB_MODES = ["dry-run", "execute", "rollback", "verify"] as const;
/** A job mode. */
export type JobMode = typeof JOB_MODES[number];

/** Refusal reasons a runner reports (Appendix A), in the order of the checks. */
export const REFUSAL_CODES = [
  "expired",
  "not_yet_valid",
  "lifetime_too_long",
  "invalid_claims",
  "plan_hash_mismatch",
  "jobs_disabled",
  "allowlist_unavailable",
  "argv_not_absolute",
  "argv_not_allowlisted",
  "mode_not_allowed",
  "executable_untrusted",
  "confirm_window_unsatisfiable",
] as const;
/** A refusal reason. */
export type RefusalCode = typeof REFUSAL_CODES[number];

/** One step of a job (§3.2): an argv array run by direct execve on the host (never a shell). */
export interface JobStep {
  /** `[a-z0-9][a-z0-9._-]{0,63}`, unique within the job. */
  id: string;
  /** `argv[0]` is an absolute path; 1–256 elements. */
  argv: string[];
  /** 1,000–600,000. */
  timeoutMs: number;
  allowFailure: boolean;
  /** 1–262,144; per-stream cap on the retained output tail. */
  maxOutputBytes: number;
}

/** Commit-confirm arming data of an execute job (§3.7). */
export interface JobConfirm {
  windowSec: number;
  /** Compact JWS of the rollback job. */
  rollback: string;
}

/** The claims of a job token after check 10. */
export interface JobClaims {
  jti: string;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  runId: string;
  actionId: string;
  actionVersion: number;
  mode: JobMode;
  planHash: string;
  steps: JobStep[];
  rollbackOf?: string;
  confirm?: JobConfirm;
}

/** One step's outcome in a result (§3.6). */
export interface StepResult {
  id: string;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  stdoutTail: string;
  stderrTail: string;
  truncated: boolean;
}

/** The body of `POST /api/agent/jobs/{jti}/result` (§3.6). */
export interface JobResult {
  status: "succeeded" | "failed" | "refused";
  refusedReason?: RefusalCode;
  steps: StepResult[];
  startedAt: string;
  finishedAt: string;
}

const encoder = new TextEncoder();
const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);
const isText = (v: unknown, max = 256): v is string =>
  typeof v === "string" && v.length > 0 && v.length <= max;

/**
 * Problems with one step object (§3.2 step rules), or [] when it is well-formed. `argv[0]`
 * being absolute is check 14, not part of this.
 */
function stepProblems(step: unknown, i: number, ids: Set<string>): string[] {
  if (typeof step !== "object" || step === null || Array.isArray(step)) {
    return [`steps[${i}] is not an object`];
  }
  const s = step as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof s.id !== "string" || !STEP_ID_PATTERN.test(s.id)) problems.push(`steps[${i}].id`);
  else if (ids.has(s.id)) problems.push(`steps[${i}].id is not unique`);
  else ids.add(s.id);
  const argv = s.argv;
  if (!Array.isArray(argv) || argv.length < 1 || argv.length > 256) {
    problems.push(`steps[${i}].argv must have 1-256 elements`);
  } else {
    let total = 0;
    for (const [j, arg] of argv.entries()) {
      if (typeof arg !== "string" || arg.includes("\0")) {
        problems.push(`steps[${i}].argv[${j}] must be a string without NUL`);
        continue;
      }
      const bytes = encoder.encode(arg).length;
      total += bytes;
      if (bytes > 4096) problems.push(`steps[${i}].argv[${j}] is over 4096 bytes`);
    }
    if (total > 65536) problems.push(`steps[${i}].argv is over 64 KiB`);
  }
  if (!isInt(s.timeoutMs) || s.timeoutMs < 1000 || s.timeoutMs > 600_000) {
    problems.push(`steps[${i}].timeoutMs must be an integer 1000-600000`);
  }
  if (typeof s.allowFailure !== "boolean") problems.push(`steps[${i}].allowFailure`);
  if (!isInt(s.maxOutputBytes) || s.maxOutputBytes < 1 || s.maxOutputBytes > 262_144) {
    problems.push(`steps[${i}].maxOutputBytes must be an integer 1-262144`);
  }
  return problems;
}

/**
 * Check 10 of §3.3: claim types, the `mode` enum, the `rollbackOf`/`confirm` rules and the
 * step limits. Returns the problems found ([] when the claims are valid).
 *
 * @example
 * ```ts
 * claimProblems(vectors.job.claims); // []
 * ```
 */
export function claimProblems(claims: Record<string, unknown>): string[] {
  const c = claims;
  const problems: string[] = [];
  if (typeof c.jti !== "string" || !JTI_PATTERN.test(c.jti)) problems.push("jti");
  if (!isText(c.iss, 2048)) problems.push("iss");
  if (!isText(c.aud, 64)) problems.push("aud must be a single string");
  if (!isInt(c.iat)) problems.push("iat");
  if (!isInt(c.exp)) problems.push("exp");
  if (!isText(c.runId)) problems.push("runId");
  if (!isText(c.actionId)) problems.push("actionId");
  if (!isInt(c.actionVersion) || c.actionVersion < 0) problems.push("actionVersion");
  if (!(JOB_MODES as readonly unknown[]).includes(c.mode)) problems.push("mode");
  if (typeof c.planHash !== "string" || !/^[0-9a-f]{64}$/.test(c.planHash)) {
    problems.push("planHash");
  }
  if (!Array.isArray(c.steps) || c.steps.length < 1 || c.steps.length > 32) {
    problems.push("steps must have 1-32 elements");
  } else {
    const ids = new Set<string>();
    c.steps.forEach((step, i) => problems.push(...stepProblems(step, i, ids)));
  }
  if (c.mode === "rollback") {
    if (typeof c.rollbackOf !== "string" || !JTI_PATTERN.test(c.rollbackOf)) {
      problems.push("rollbackOf is required for mode rollback");
    }
  } else if (c.rollbackOf !== undefined) {
    problems.push("rollbackOf is only allowed for mode rollback");
  }
  if (c.confirm !== undefined) {
    const confirm = c.confirm as Record<string, unknown> | null;
    if (c.mode !== "execute") problems.push("confirm is only allowed for mode execute");
    if (typeof confirm !== "object" || confirm === null || Array.isArray(confirm)) {
      problems.push("confirm must be an object");
    } else {
      if (!isInt(confirm.windowSec) || confirm.windowSec < 120 || confirm.windowSec > 600) {
        problems.push("confirm.windowSec must be an integer 120-600");
      }
      if (typeof confirm.rollback !== "string") problems.push("confirm.rollback");
    }
  }
  return problems;
}

/**
 * True when `path` is absolute and normalized: starts with `/`, no `.` or `..` segments, no
 * `//`, no trailing `/`, no NUL (§3.3 check 14, §3.4).
 *
 * @example
 * ```ts
 * isNormalizedAbsolutePath("/usr/sbin/ufw"); // true
 * isNormalizedAbsolutePath("/usr/sbin/../bin/sh"); // false
 * ```
 */
export function isNormalizedAbsolutePath(path: string): boolean {
  if (typeof path !== "string" || !path.startsWith("/") || path.length < 2) return false;
  if (path.includes("\0") || path.endsWith("/")) return false;
  return path.slice(1).split("/").every((seg) => seg !== "" && seg !== "." && seg !== "..");
}
