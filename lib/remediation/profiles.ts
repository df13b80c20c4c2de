/**
 * Guardrail profiles (product §1.2): the strict / balanced / rapid knob sets, per-host partial
 * overrides, and the argv policy: executable allow rules (exact absolute paths, the job modes
 * each may run in, the argument shapes each accepts), argument block patterns, and the forbidden
 * programs of agent-protocol §3.4, which no policy can allow.
 *
 * @module
 */

import { z } from "zod";
import { isNormalizedAbsolutePath } from "../protocol/job.ts";
import { EXE } from "./catalog/steps.ts";
import { SSHD_DROPIN_PATH, SSHD_DROPIN_SOURCE_DIR } from "./catalog/harden_ssh_auth.ts";
import { type JobMode, RISK_TIERS, type RiskTier } from "./types.ts";

export const PROFILE_NAMES = ["strict", "balanced", "rapid"] as const;
export type ProfileName = typeof PROFILE_NAMES[number];

/** Every knob a profile sets. */
export interface GuardKnobs {
  /** Per host + action: no new execute this soon after the last one. */
  cooldownSec: number;
  maxExecutesPerHostPerHour: number;
  maxQueuedPerHost: number;
  maxQueuedGlobal: number;
  /** A queued job not delivered within this expires. */
  queueTtlMin: number;
  /** Delivery retries: attempts in total, exponential backoff from `baseSec` capped at `maxSec`. */
  retry: { attempts: number; baseSec: number; maxSec: number };
  /** Steps per job (each of execute / dry-run / rollback). */
  maxSteps: number;
  /** Characters per step argv, elements joined with one space. */
  maxArgvChars: number;
  /** Plans at or above this tier (and every `risky_manual` plan) need a second person. */
  approvalThreshold: RiskTier;
  /** An execute needs a succeeded dry-run of the same plan hash at most this old. */
  dryRunMaxAgeMin: number;
  /** Maintenance windows always freeze automated executes; with this, operators' too. */
  freezeManualInMaintenance: boolean;
}

/** The three profiles; `balanced` holds the product §1.2 defaults. */
export const PROFILES: Readonly<Record<ProfileName, Readonly<GuardKnobs>>> = {
  strict: {
    cooldownSec: 900,
    maxExecutesPerHostPerHour: 3,
    maxQueuedPerHost: 2,
    maxQueuedGlobal: 100,
    queueTtlMin: 60,
    retry: { attempts: 2, baseSec: 30, maxSec: 900 },
    maxSteps: 16,
    maxArgvChars: 600,
    approvalThreshold: "safe_auto",
    dryRunMaxAgeMin: 15,
    freezeManualInMaintenance: true,
  },
  balanced: {
    cooldownSec: 300,
    maxExecutesPerHostPerHour: 6,
    maxQueuedPerHost: 4,
    maxQueuedGlobal: 200,
    queueTtlMin: 120,
    retry: { attempts: 3, baseSec: 15, maxSec: 900 },
    maxSteps: 20,
    maxArgvChars: 800,
    approvalThreshold: "guarded_auto",
    dryRunMaxAgeMin: 30,
    freezeManualInMaintenance: false,
  },
  rapid: {
    cooldownSec: 60,
    maxExecutesPerHostPerHour: 12,
    maxQueuedPerHost: 8,
    maxQueuedGlobal: 400,
    queueTtlMin: 240,
    retry: { attempts: 5, baseSec: 5, maxSec: 300 },
    maxSteps: 24,
    maxArgvChars: 1_000,
    approvalThreshold: "risky_manual",
    dryRunMaxAgeMin: 30,
    freezeManualInMaintenance: false,
  },
};

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * A per-host override: any subset of the knobs (the retry object partially too), and optionally
 * another base profile. Bounds keep overrides inside what jobs allow (§3.2: ≤ 32 steps).
 *
 * @example
 * ```ts
 * hostOverrideSchema.parse({ profile: "strict", cooldownSec: 60, retry: { attempts: 1 } });
 * ```
 */
export const hostOverrideSchema = z.object({
  profile: z.enum(PROFILE_NAMES).optional(),
  cooldownSec: int(0, 86_400).optional(),
  maxExecutesPerHostPerHour: int(0, 120).optional(),
  maxQueuedPerHost: int(0, 50).optional(),
  maxQueuedGlobal: int(0, 10_000).optional(),
  queueTtlMin: int(1, 1_440).optional(),
  retry: z.object({
    attempts: int(1, 10),
    baseSec: int(1, 3_600),
    maxSec: int(1, 86_400),
  }).partial().strict().optional(),
  maxSteps: int(1, 32).optional(),
  maxArgvChars: int(64, 4_096).optional(),
  approvalThreshold: z.enum(RISK_TIERS).optional(),
  dryRunMaxAgeMin: int(1, 120).optional(),
  freezeManualInMaintenance: z.boolean().optional(),
}).strict();

/** A per-host override (what `hostOverrideSchema` accepts). */
export type HostGuardOverride = z.infer<typeof hostOverrideSchema>;

/**
 * `base` with a host override merged over it; the override's `profile`, when set, replaces
 * `base` with that profile first. Unset members keep their value; `retry` merges member-wise.
 *
 * @example
 * ```ts
 * applyOverride(PROFILES.balanced, { retry: { attempts: 1 } }).retry;
 * // { attempts: 1, baseSec: 15, maxSec: 900 }
 * ```
 */
export function applyOverride(base: GuardKnobs, override?: HostGuardOverride | null): GuardKnobs {
  const from = override?.profile ? PROFILES[override.profile] : base;
  const { profile: _profile, retry, ...rest } = override ?? {};
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return {
    ...from,
    ...defined,
    retry: {
      ...from.retry,
      ...Object.fromEntries(Object.entries(retry ?? {}).filter(([, v]) => v !== undefined)),
    },
  };
}

/**
 * The knobs for a host: its profile (the override's `profile` wins) with the override merged.
 *
 * @example
 * ```ts
 * resolveKnobs("balanced", { cooldownSec: 60 }).cooldownSec; // 60
 * ```
 */
export function resolveKnobs(
  profile: ProfileName,
  override?: HostGuardOverride | null,
): GuardKnobs {
  return applyOverride(PROFILES[profile], override);
}

/**
 * Seconds to wait before retry number `attempt` (1 = the first retry), or `null` when the
 * attempts are used up: `min(maxSec, baseSec × 2^(attempt−1))`.
 *
 * @example
 * ```ts
 * retryDelaySec(PROFILES.balanced, 1); // 15
 * retryDelaySec(PROFILES.balanced, 3); // null (3 attempts = first try + 2 retries)
 * ```
 */
export function retryDelaySec(knobs: GuardKnobs, attempt: number): number | null {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt >= knobs.retry.attempts) return null;
  return Math.min(knobs.retry.maxSec, knobs.retry.baseSec * 2 ** (attempt - 1));
}

/**
 * Whether a plan of `tier` needs a second person's approval: always for `risky_manual`, and for
 * any tier at or above the threshold (`observe` never).
 *
 * @example
 * ```ts
 * needsApproval("guarded_auto", PROFILES.balanced); // true
 * ```
 */
export function needsApproval(tier: RiskTier, knobs: GuardKnobs): boolean {
  if (tier === "observe") return false;
  if (tier === "risky_manual") return true;
  return RISK_TIERS.indexOf(tier) >= RISK_TIERS.indexOf(knobs.approvalThreshold);
}

// ---------------------------------------------------------------------------------------------
// argv policy

/** One allowed executable. */
export interface ExecutableRule {
  /** Absolute, normalized path; matched byte for byte. */
  path: string;
  modes: readonly JobMode[];
  /** When set, every argument (argv[1..]) must match one of these whole-string patterns. */
  args?: readonly RegExp[];
  /** When set, at least one argument must equal one of these (e.g. sshd only in test mode). */
  requireOneOf?: readonly string[];
}

/** An argument pattern that is refused wherever it appears (or only for `path`). */
export interface ArgBlockRule {
  id: string;
  pattern: RegExp;
  reason: string;
  path?: string;
}

/** The complete argv policy the guard checks plans against. */
export interface GuardPolicy {
  profile: ProfileName;
  knobs: GuardKnobs;
  allow: readonly ExecutableRule[];
  blockArgs: readonly ArgBlockRule[];
}

/** The programs §3.4 forbids by name (shells, wrappers that run programs, interpreters, ssh). */
export const SPEC_FORBIDDEN_PROGRAMS: readonly string[] = (
  "sh bash dash zsh ksh mksh csh tcsh fish ash rbash yash env sudo su doas runuser setpriv " +
  "nohup nice ionice timeout stdbuf xargs find awk gawk mawk nawk sed busybox perl ruby " +
  "node nodejs deno php lua luajit tclsh expect ssh"
).split(" ");

/** Not named in §3.4 but in the same class: they run other programs or code from arguments. */
export const EXTRA_FORBIDDEN_PROGRAMS: readonly string[] = (
  "toybox bun pkexec chroot nsenter unshare setsid systemd-run flock watch strace ltrace " +
  "gdb script taskset chrt prlimit capsh firejail bwrap systemd-nspawn parallel unbuffer " +
  "socat wish vi vim nvim ex ed less more man tar rsync scp sftp git make crontab at batch " +
  "screen tmux nc ncat netcat curl wget pwsh osascript dbus-run-session cgexec run-parts " +
  "start-stop-daemon su-exec gosu chpst"
).split(" ");

/** Every program refused by name. */
export const FORBIDDEN_PROGRAMS: readonly string[] = [
  ...SPEC_FORBIDDEN_PROGRAMS,
  ...EXTRA_FORBIDDEN_PROGRAMS,
];

const FORBIDDEN_SET = new Set(FORBIDDEN_PROGRAMS);
/** Versioned interpreter and shell names (`python3.11`, `perl5.36`, `bash5`, `lua5.4`, …). */
const FORBIDDEN_NAME_RE =
  /^(?:python|pypy|perl|ruby|irb|node|php|lua|tclsh|wish|jruby|[a-z]{0,4}sh)[0-9.]*(?:-cli)?$/;

/**
 * Why a program path is forbidden whatever the allowlist says (by basename, so `/tmp/bash` and
 * `/opt/x/python3.12` are caught), or `null`.
 *
 * @example
 * ```ts
 * forbiddenProgram("/tmp/bash"); // "bash runs arbitrary code from its arguments (§3.4)"
 * forbiddenProgram("/usr/sbin/ufw"); // null
 * ```
 */
export function forbiddenProgram(path: string): string | null {
  const base = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  if (FORBIDDEN_SET.has(base) || FORBIDDEN_NAME_RE.test(base)) {
    return `${base} runs arbitrary code from its arguments (§3.4)`;
  }
  return null;
}

const PORT_OR_RULE = /^[0-9]{1,5}(?:\/(?:tcp|udp))?$/;
const IP_TEXT = /^[0-9A-Fa-f:.]{2,45}(?:\/[0-9]{1,3})?$/;
const UNIT = /^[A-Za-z0-9@_:][A-Za-z0-9@._:-]*\.service$/;
const DROPIN = /^\/etc\/ssh\/sshd_config\.d\/[A-Za-z0-9_-][A-Za-z0-9._-]*\.conf$/;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const SHIPPED = new RegExp(`^${esc(SSHD_DROPIN_SOURCE_DIR)}/[A-Za-z0-9_-][A-Za-z0-9._-]*\\.conf$`);
const words = (...w: string[]) => new RegExp(`^(?:${w.map(esc).join("|")})$`);
/** A pid other than 0 and 1 (init), never negative (a process group). */
const PID = /^(?:[2-9]|[1-9][0-9]{1,6})$/;
const PROC_PATH = /^\/proc\/[1-9][0-9]{0,6}\/(?:exe|cwd|fd)$/;
const READ_ONLY: JobMode[] = ["dry-run", "execute"];

/**
 * The allow rules the catalog needs: each program with the modes and argument shapes the
 * catalog emits, nothing wider (e.g. ufw never `allow`/`disable`/`reset`, systemctl only
 * stop/start/enable/disable/reload/show of `.service` units, rm only the sshd drop-in).
 */
export const CATALOG_ALLOW_RULES: readonly ExecutableRule[] = [
  {
    path: EXE.ufw,
    modes: ["dry-run", "execute", "rollback"],
    args: [
      words("--dry-run", "prepend", "delete", "deny", "from", "comment", "status", "verbose"),
      PORT_OR_RULE,
      IP_TEXT,
      /^vps-sentry:[a-z0-9:-]{1,60}$/,
    ],
  },
  {
    path: EXE.systemctl,
    modes: ["dry-run", "execute", "rollback"],
    args: [
      words(
        "stop",
        "start",
        "enable",
        "disable",
        "try-reload-or-restart",
        "show",
        "--no-pager",
        "--",
      ),
      /^--property=[A-Za-z,]{1,200}$/,
      UNIT,
    ],
  },
  { path: EXE.kill, modes: ["execute"], args: [words("-s", "TERM", "KILL"), PID] },
  { path: EXE.ps, modes: READ_ONLY, args: [words("-p", "-o", "-eww"), PID, /^[a-z,=]{1,80}$/] },
  { path: EXE.ss, modes: READ_ONLY, args: [words("-tunapH")] },
  {
    path: EXE.sshd,
    modes: ["dry-run", "execute", "rollback"],
    args: [
      words("-t", "-T", "-o"),
      /^(?:PasswordAuthentication|KbdInteractiveAuthentication|PermitRootLogin)=no$/,
    ],
    requireOneOf: ["-t", "-T"],
  },
  {
    path: EXE.install,
    modes: ["execute"],
    args: [words("-m", "0644", "-o", "-g", "root"), SHIPPED, words(SSHD_DROPIN_PATH)],
  },
  { path: EXE.rm, modes: ["rollback"], args: [words("-f", "--"), DROPIN] },
  { path: EXE.test, modes: ["dry-run"], args: [words("-f"), SHIPPED] },
  {
    path: EXE.dpkg,
    modes: READ_ONLY,
    args: [words("--verify"), /^[a-z0-9][a-z0-9+.-]{1,99}$/],
    requireOneOf: ["--verify"],
  },
  { path: EXE.debsums, modes: READ_ONLY, args: [words("-s"), /^[a-z0-9][a-z0-9+.-]{1,99}$/] },
  { path: EXE.last, modes: READ_ONLY, args: [words("-F", "-i", "-n"), /^[0-9]{1,4}$/] },
  {
    path: EXE.journalctl,
    modes: READ_ONLY,
    args: [
      words("--no-pager", "--output=short-iso"),
      /^--since=-[0-9]{1,5}min$/,
      /^--lines=[0-9]{1,5}$/,
    ],
  },
  { path: EXE.ls, modes: READ_ONLY, args: [words("-l", "--time-style=full-iso"), PROC_PATH] },
  { path: EXE.sha256sum, modes: READ_ONLY, args: [PROC_PATH] },
];

/** Argument patterns refused everywhere (on top of the allowed character set). */
export const DEFAULT_BLOCK_ARGS: readonly ArgBlockRule[] = [
  {
    id: "path-traversal",
    pattern: /(?:^|\/)\.{1,2}(?:\/|$)/,
    reason: "`.`/`..` path segments are refused; give normalized absolute paths",
  },
  { id: "double-slash", pattern: /\/\//, reason: "`//` (URLs, unnormalized paths) is refused" },
  {
    id: "exec-option",
    pattern:
      /^--?(?:exec|execdir|ok|okdir|command|eval|rsh|rsync-path|to-command|checkpoint-action|use-compress-program|pager|editor|shell|host|machine|root|image)(?:=|$)/i,
    reason: "options that run another program, or act on another host or root, are refused",
  },
  {
    id: "device-socket",
    pattern: /^\/dev\/(?:tcp|udp)\//,
    reason: "/dev/tcp and /dev/udp are refused",
  },
];

/**
 * The argv policy for a profile and a host override: the catalog's allow rules (plus any extra
 * rules an org adds) and the default block patterns. Throws when an allow rule names a
 * forbidden or unnormalized program, the way the runner refuses such an allowlist file.
 *
 * @example
 * ```ts
 * const policy = guardPolicy("balanced", { maxSteps: 10 });
 * policy.knobs.maxSteps; // 10
 * ```
 */
export function guardPolicy(
  profile: ProfileName = "balanced",
  override?: HostGuardOverride | null,
  extra: { allow?: readonly ExecutableRule[]; blockArgs?: readonly ArgBlockRule[] } = {},
): GuardPolicy {
  const allow = [...CATALOG_ALLOW_RULES, ...extra.allow ?? []];
  for (const rule of allow) {
    const why = forbiddenProgram(rule.path);
    if (why) throw new Error(`allow rule ${rule.path}: ${why}; remove it`);
    if (!isNormalizedAbsolute(rule.path)) {
      throw new Error(`allow rule ${rule.path}: give an absolute path without ., .., // or a /`);
    }
  }
  return {
    profile: override?.profile ?? profile,
    knobs: resolveKnobs(profile, override),
    allow,
    blockArgs: [...DEFAULT_BLOCK_ARGS, ...extra.blockArgs ?? []],
  };
}

/**
 * Absolute and normalized (§3.4, `isNormalizedAbsolutePath` of the protocol: starts with `/`, no
 * empty, `.` or `..` segment, no trailing `/`), and only the safe path characters.
 *
 * @example
 * ```ts
 * isNormalizedAbsolute("/usr/sbin/ufw");     // true
 * isNormalizedAbsolute("/usr/../bin/sh");    // false
 * ```
 */
export function isNormalizedAbsolute(path: string): boolean {
  return /^[A-Za-z0-9._+@:/-]*$/.test(path) && isNormalizedAbsolutePath(path);
}
