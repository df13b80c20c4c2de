/**
 * Building blocks every catalog action shares: the executables the catalog may name (with the
 * job modes each is used in, which is exactly what a host's allowlist file needs, agent-protocol
 * §3.4), the step constructor with the §3.2 limits, and the timing budget of reversible actions.
 *
 * @module
 */

import type { JobMode, PlanStep } from "../types.ts";

/** Absolute paths of every program a catalog plan can name (Debian/Ubuntu, merged `/usr`). */
export const EXE = {
  ufw: "/usr/sbin/ufw",
  systemctl: "/usr/bin/systemctl",
  kill: "/usr/bin/kill",
  ps: "/usr/bin/ps",
  ss: "/usr/bin/ss",
  sshd: "/usr/sbin/sshd",
  install: "/usr/bin/install",
  rm: "/usr/bin/rm",
  test: "/usr/bin/test",
  dpkg: "/usr/bin/dpkg",
  debsums: "/usr/bin/debsums",
  last: "/usr/bin/last",
  journalctl: "/usr/bin/journalctl",
  ls: "/usr/bin/ls",
  sha256sum: "/usr/bin/sha256sum",
} as const;

/** One line of the runner's allowlist file: a program and the job modes the catalog uses it in. */
export interface CatalogExecutable {
  path: string;
  modes: JobMode[];
  /** Why the catalog needs it, for the allowlist file's comment. */
  use: string;
}

/**
 * The allowlist the catalog needs, one entry per program, modes as narrow as the catalog allows
 * (a host may list them verbatim in `/etc/vps-sentry-runner/allowlist`).
 */
export const CATALOG_EXECUTABLES: readonly CatalogExecutable[] = [
  {
    path: EXE.ufw,
    modes: ["dry-run", "execute", "rollback"],
    use: "deny ports / ban addresses; `--dry-run` in dry-run jobs",
  },
  {
    path: EXE.systemctl,
    modes: ["dry-run", "execute", "rollback"],
    use: "stop/disable a listener's unit, reload sshd; `show` in dry-run jobs",
  },
  { path: EXE.kill, modes: ["execute"], use: "terminate a listener's process (no unit)" },
  { path: EXE.ps, modes: ["dry-run", "execute"], use: "process checks and evidence" },
  { path: EXE.ss, modes: ["dry-run", "execute"], use: "socket evidence" },
  { path: EXE.sshd, modes: ["dry-run", "execute", "rollback"], use: "`sshd -t` config tests" },
  { path: EXE.install, modes: ["execute"], use: "install the shipped sshd hardening drop-in" },
  { path: EXE.rm, modes: ["rollback"], use: "remove the sshd hardening drop-in" },
  { path: EXE.test, modes: ["dry-run"], use: "check the shipped drop-in exists" },
  { path: EXE.dpkg, modes: ["dry-run", "execute"], use: "`dpkg --verify` (read-only)" },
  { path: EXE.debsums, modes: ["dry-run", "execute"], use: "`debsums -s` (read-only)" },
  { path: EXE.last, modes: ["dry-run", "execute"], use: "login history (read-only)" },
  { path: EXE.journalctl, modes: ["dry-run", "execute"], use: "bounded journal excerpt" },
  { path: EXE.ls, modes: ["dry-run", "execute"], use: "/proc/<pid> links (read-only)" },
  { path: EXE.sha256sum, modes: ["dry-run", "execute"], use: "hash a process image" },
];

/** §3.2 step limits. */
export const STEP_LIMITS = {
  idPattern: /^[a-z0-9][a-z0-9._-]{0,63}$/,
  minTimeoutMs: 1_000,
  maxTimeoutMs: 600_000,
  maxOutputBytes: 262_144,
  maxArgv: 256,
} as const;

/** Default per-stream output tail; the runner's own default maximum (§3.2). */
export const DEFAULT_OUTPUT_BYTES = 65_536;

/**
 * Commit-confirm budget of reversible actions (§3.7, check 18): the embedded rollback token lives
 * 900 s; `Σ execute timeouts + confirmWindowSec + 30 s` must leave room for delivery delay. The
 * catalog keeps reversible execute steps within 180 s in total, so a 600 s window leaves 90 s.
 */
export const REVERSIBLE_EXECUTE_BUDGET_MS = 180_000;

/** Default commit-confirm window of reversible actions (§3.7). */
export const DEFAULT_CONFIRM_WINDOW_SEC = 600;

export interface StepOptions {
  timeoutMs?: number;
  allowFailure?: boolean;
  maxOutputBytes?: number;
}

/**
 * One step, with the §3.2 limits checked (a catalog bug fails loudly here, never on a host).
 *
 * @example
 * ```ts
 * step("deny-tcp-6379", [EXE.ufw, "insert", "1", "deny", "6379/tcp"], { timeoutMs: 10_000 });
 * ```
 */
export function step(id: string, argv: string[], opts: StepOptions = {}): PlanStep {
  const out: PlanStep = {
    id,
    argv: [...argv],
    timeoutMs: opts.timeoutMs ?? 30_000,
    allowFailure: opts.allowFailure ?? false,
    maxOutputBytes: opts.maxOutputBytes ?? DEFAULT_OUTPUT_BYTES,
  };
  const problem = stepProblem(out);
  if (problem) throw new Error(`catalog step ${JSON.stringify(id)}: ${problem}`);
  return out;
}

/**
 * What is wrong with a step's shape per §3.2, or `null`. Content rules (allowlist,
 * metacharacters) are the guard's (`checkPlanArgv`).
 *
 * @example
 * ```ts
 * stepProblem({ id: "Bad", argv: ["ls"], timeoutMs: 5, allowFailure: false, maxOutputBytes: 1 });
 * // "id must match [a-z0-9][a-z0-9._-]{0,63}"
 * ```
 */
export function stepProblem(s: PlanStep): string | null {
  if (!STEP_LIMITS.idPattern.test(s.id)) return "id must match [a-z0-9][a-z0-9._-]{0,63}";
  if (!Array.isArray(s.argv) || s.argv.length < 1 || s.argv.length > STEP_LIMITS.maxArgv) {
    return `argv must have 1–${STEP_LIMITS.maxArgv} elements`;
  }
  if (s.argv.some((a) => typeof a !== "string")) return "argv elements must be strings";
  if (!s.argv[0].startsWith("/")) return "argv[0] must be an absolute path";
  if (
    !Number.isInteger(s.timeoutMs) || s.timeoutMs < STEP_LIMITS.minTimeoutMs ||
    s.timeoutMs > STEP_LIMITS.maxTimeoutMs
  ) return "timeoutMs must be an integer in 1,000–600,000";
  if (
    !Number.isInteger(s.maxOutputBytes) || s.maxOutputBytes < 1 ||
    s.maxOutputBytes > STEP_LIMITS.maxOutputBytes
  ) return "maxOutputBytes must be an integer in 1–262,144";
  if (typeof s.allowFailure !== "boolean") return "allowFailure must be a boolean";
  return null;
}

/**
 * Total time a step list may take, in ms (the sum of its timeouts).
 *
 * @example
 * ```ts
 * totalTimeoutMs(plan.steps) <= REVERSIBLE_EXECUTE_BUDGET_MS;
 * ```
 */
export function totalTimeoutMs(steps: readonly PlanStep[]): number {
  return steps.reduce((sum, s) => sum + s.timeoutMs, 0);
}
