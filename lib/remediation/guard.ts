/**
 * Execution guardrails (product §1.2): every argv element of a plan checked against the policy
 * (`checkPlanArgv`), and the pure go/no-go of a job request (`checkExecution`): kill switch,
 * maintenance windows, cooldown, hourly cap, queue caps, step and argv limits, self-lockout.
 * The caller gathers the counts and state; nothing here reads a store or the clock.
 *
 * @module
 */

import { canonicalIp, type IpNet, netContains, parseIpNet } from "./catalog/ip.ts";
import { stepProblem } from "./catalog/steps.ts";
import {
  applyOverride,
  forbiddenProgram,
  type GuardPolicy,
  type HostGuardOverride,
  isNormalizedAbsolute,
} from "./profiles.ts";
import type { JobMode, Plan, PlanStep } from "./types.ts";
import { counted } from "../text/plural.ts";

export { type SnapshotParts, sshListenPorts, sshSessionIps } from "./catalog/evidence.ts";

/** Rules a refusal can name. */
export const GUARD_RULES = [
  "argv_rule",
  "argv_length",
  "step_limit",
  "kill_switch",
  "maintenance_window",
  "cooldown",
  "armed_run_pending",
  "hourly_cap",
  "host_queue_cap",
  "global_queue_cap",
  "self_lockout",
] as const;
export type GuardRule = typeof GUARD_RULES[number];

/** One reason a request is refused. */
export interface GuardRefusal {
  rule: GuardRule;
  status: 400 | 403 | 409 | 423 | 429;
  message: string;
  /** The step concerned, for argv rules. */
  stepId?: string;
  /** For 429s: when the request could pass. */
  retryAfterSec?: number;
}

/** Characters a shell would interpret; named in refusals. None can pass `SAFE_ARG_RE`. */
export const SHELL_METACHARACTERS = ";|&$`><(){}*?[]~!#'\"\\";

/**
 * The only characters an argv element may hold: ASCII letters and digits and `. _ / : = , @ + -`.
 * Enough for ports (`6379/tcp`), addresses (`2001:db8::/64`), options (`--dry-run`,
 * `--property=Id,ActiveState`), unit names and paths; it excludes every shell metacharacter,
 * quotes, backslash, whitespace, control characters and all non-ASCII (homoglyphs, bidi and
 * zero-width tricks).
 */
export const SAFE_ARG_RE = /^[A-Za-z0-9._/:=,@+-]+$/;

/** Per-element byte cap of §3.2. */
const MAX_ELEMENT_BYTES = 4_096;

function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
  if (SHELL_METACHARACTERS.includes(ch)) return `"${ch}" (shell metacharacter)`;
  if (cp === 0) return "NUL";
  if (cp < 0x20 || cp === 0x7f) return `${hex} (control character)`;
  if (ch === " ") return "a space";
  if (cp > 0x7e) return `${hex} (non-ASCII)`;
  return `"${ch}"`;
}

function firstUnsafeChar(arg: string): string | null {
  for (const ch of arg) if (!SAFE_ARG_RE.test(ch)) return ch;
  return null;
}

/**
 * What is wrong with one argv under the policy for a job mode (empty when it passes): argv[0]
 * absolute, normalized, allowlisted for the mode and not a forbidden program (by basename);
 * every element non-empty, ≤ 4096 bytes and made of safe characters only; the program's
 * argument shapes and required arguments; no blocked pattern; the argv length limit.
 *
 * @example
 * ```ts
 * argvProblems(["/usr/bin/sudo", "ls;", "anything"], "execute", guardPolicy());
 * // ["argv[0] /usr/bin/sudo: sudo runs arbitrary code …", "argv[1] \"ls;\": \";\" (shell metacharacter) …"]
 * ```
 */
export function argvProblems(
  argv: readonly string[],
  mode: JobMode,
  policy: GuardPolicy,
): string[] {
  const problems: string[] = [];
  if (argv.length === 0) return ["argv is empty; give an absolute program path first"];
  argv.forEach((arg, i) => {
    if (typeof arg !== "string" || arg.length === 0) {
      problems.push(`argv[${i}] is empty or not a string`);
      return;
    }
    if (new TextEncoder().encode(arg).length > MAX_ELEMENT_BYTES) {
      problems.push(`argv[${i}] is over ${MAX_ELEMENT_BYTES} bytes`);
    }
    const bad = firstUnsafeChar(arg);
    if (bad !== null) {
      problems.push(
        `argv[${i}] ${JSON.stringify(arg.slice(0, 60))}: ${describeChar(bad)} is not allowed; ` +
          "arguments may only hold A-Z a-z 0-9 . _ / : = , @ + -",
      );
    }
  });
  const program = argv[0];
  if (typeof program !== "string" || problems.some((p) => p.startsWith("argv[0]"))) {
    return problems;
  }
  const forbidden = forbiddenProgram(program);
  if (forbidden) problems.push(`argv[0] ${program}: ${forbidden}`);
  if (!isNormalizedAbsolute(program)) {
    problems.push(`argv[0] ${program}: give an absolute, normalized path (no ., .., //)`);
  }
  const rule = policy.allow.find((r) => r.path === program);
  if (!rule) {
    problems.push(`argv[0] ${program} is not on the allowlist`);
  } else if (!rule.modes.includes(mode)) {
    problems.push(`argv[0] ${program} is not allowed in ${mode} jobs (only ${rule.modes})`);
  }
  const args = argv.slice(1);
  args.forEach((arg, j) => {
    if (typeof arg !== "string") return;
    if (rule?.args && !rule.args.some((re) => re.test(arg))) {
      problems.push(
        `argv[${j + 1}] ${JSON.stringify(arg.slice(0, 60))} is not an argument ${program} ` +
          "accepts here",
      );
    }
    for (const block of policy.blockArgs) {
      if (block.path && block.path !== program) continue;
      if (block.pattern.test(arg)) {
        problems.push(`argv[${j + 1}] ${JSON.stringify(arg.slice(0, 60))}: ${block.reason}`);
      }
    }
  });
  if (rule?.requireOneOf && !args.some((a) => rule.requireOneOf!.includes(a))) {
    problems.push(`${program} needs one of ${rule.requireOneOf.join(", ")} (check mode only)`);
  }
  return problems;
}

/**
 * Characters of an argv joined with single spaces (what the `maxArgvChars` knob limits).
 *
 * @example
 * ```ts
 * argvChars(["/usr/sbin/ufw", "status"]); // 20
 * ```
 */
export function argvChars(argv: readonly string[]): number {
  return argv.reduce((n, a) => n + a.length, 0) + Math.max(0, argv.length - 1);
}

const STEP_LISTS: ReadonlyArray<["steps" | "dryRunSteps" | "rollbackSteps", JobMode]> = [
  ["steps", "execute"],
  ["dryRunSteps", "dry-run"],
  ["rollbackSteps", "rollback"],
];

/**
 * Checks every step of every list of a plan (execute, dry-run, rollback) against the policy:
 * `argv_rule` (403) for disallowed programs or arguments, `argv_length` (400) over
 * `maxArgvChars`, `step_limit` (400) over `maxSteps` or a malformed step.
 *
 * @example
 * ```ts
 * checkPlanArgv(plan, guardPolicy("strict")); // [] when every argv passes
 * ```
 */
export function checkPlanArgv(
  plan: Pick<Plan, "steps" | "dryRunSteps" | "rollbackSteps">,
  policy: GuardPolicy,
): GuardRefusal[] {
  const out: GuardRefusal[] = [];
  const { maxSteps, maxArgvChars } = policy.knobs;
  for (const [list, mode] of STEP_LISTS) {
    const steps: readonly PlanStep[] = plan[list] ?? [];
    if (steps.length > maxSteps) {
      out.push({
        rule: "step_limit",
        status: 400,
        message: `${list} has ${steps.length} steps; this host allows at most ${maxSteps}. ` +
          "Split the work into smaller plans (fewer ports or pids).",
      });
    }
    for (const s of steps) {
      const shape = stepProblem(s);
      if (shape) {
        out.push({ rule: "step_limit", status: 400, stepId: s.id, message: `${s.id}: ${shape}` });
        if (!Array.isArray(s.argv)) continue;
      }
      const chars = argvChars(s.argv);
      if (chars > maxArgvChars) {
        out.push({
          rule: "argv_length",
          status: 400,
          stepId: s.id,
          message: `${list} step ${s.id}: argv is ${chars} characters; the limit is ` +
            `${maxArgvChars}.`,
        });
      }
      for (const problem of argvProblems(s.argv, mode, policy)) {
        out.push({
          rule: "argv_rule",
          status: 403,
          stepId: s.id,
          message: `${list} step ${s.id}: ${problem}`,
        });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// execution context

/** A freeze period (absolute; the caller expands recurring windows). */
export interface MaintenanceWindow {
  startsAt: Date | string;
  endsAt: Date | string;
  reason?: string;
}

/** Everything `checkExecution` needs, filled in by the caller. */
export interface ExecutionContext {
  policy: GuardPolicy;
  /** Merged over `policy.knobs` (its `profile`, when set, replaces the base first). */
  hostOverride?: HostGuardOverride | null;
  now: Date;
  /** The job being requested (a rollback is never frozen or rate-limited: it restores). */
  mode: "dry-run" | "execute" | "rollback";
  /** `automation` = a rule or playbook, not a person; never able to override self-lockout. */
  trigger: "operator" | "automation";
  hostId: string;
  plan: Plan;
  /** Times of earlier executes of this plan's action on this host. */
  recentExecutesOfAction: ReadonlyArray<Date | string>;
  /** Executes of any action on this host in the hour before `now`. */
  executesLastHour: number;
  /** Jobs queued (not yet delivered or finished) for this host / for everyone. */
  queuedForHost: number;
  queuedGlobal: number;
  /** The org's "remediation frozen" switch. */
  killSwitch: boolean;
  /** The reason the admin gave for the freeze, shown in the refusal. */
  killSwitchReason?: string | null;
  /**
   * Succeeded executes of this plan's action on this host whose commit-confirm is still armed:
   * their rollback would undo a second execute, so none may start until they are settled.
   */
  armedRunsOfAction?: ReadonlyArray<{ id: string; confirmDeadline: Date | string | null }>;
  maintenanceWindows: readonly MaintenanceWindow[];
  /** The requesting operator's IP as the server saw it (null for automation/unknown). */
  requesterIp: string | null;
  /** SSH peers of the latest snapshot (`sshSessionIps`). */
  activeSshIps: readonly string[];
  /** SSH ports (`sshListenPorts`); default `["tcp:22"]`. */
  sshPorts?: readonly string[];
  /** The typed self-lockout override, if any. */
  overridePhrase?: string | null;
}

/**
 * The phrase that overrides the self-lockout guard for one plan on one host.
 *
 * @example
 * ```ts
 * selfLockoutPhrase("host_01", "3f9a0c7e…"); // "OVERRIDE SELF-LOCKOUT host_01 3f9a0c7e"
 * ```
 */
export function selfLockoutPhrase(hostId: string, planHash: string): string {
  return `OVERRIDE SELF-LOCKOUT ${hostId} ${planHash.slice(0, 8)}`;
}

/**
 * Why a plan could lock out its requester or a live SSH session (empty when it cannot): a
 * blocked address or network containing the requester's IP or an SSH peer of the latest
 * snapshot, or a denied SSH port.
 *
 * @example
 * ```ts
 * selfLockoutReasons(plan, { requesterIp: "203.0.113.7", activeSshIps: [] });
 * // ["it blocks 203.0.113.0/24, which contains your current address 203.0.113.7"]
 * ```
 */
export function selfLockoutReasons(
  plan: Pick<Plan, "targets">,
  who: {
    requesterIp: string | null;
    activeSshIps: readonly string[];
    sshPorts?: readonly string[];
  },
): string[] {
  const reasons: string[] = [];
  const parse = (ip: string | null): IpNet | null => {
    const c = ip === null ? null : canonicalIp(ip);
    return c ? parseIpNet(c) : null;
  };
  const requester = parse(who.requesterIp);
  const sessions = who.activeSshIps.map((ip) => ({ ip, net: parse(ip) }))
    .filter((s): s is { ip: string; net: IpNet } => s.net !== null);
  for (const target of plan.targets.ips ?? []) {
    const net = parseIpNet(target);
    if (!net) continue;
    if (requester && netContains(net, requester)) {
      reasons.push(
        `it blocks ${target}, which contains your current address ${requester.canonical}`,
      );
    }
    for (const s of sessions) {
      if (netContains(net, s.net)) {
        reasons.push(
          `it blocks ${target}, which contains ${s.net.canonical}, an SSH peer in the latest ` +
            "snapshot",
        );
      }
    }
  }
  const sshPorts = who.sshPorts ?? ["tcp:22"];
  for (const port of plan.targets.ports ?? []) {
    if (!sshPorts.includes(port)) continue;
    reasons.push(
      sessions.length > 0
        ? `it denies the SSH port ${port} while ${counted(sessions.length, "SSH session")} ${
          sessions.length === 1 ? "is" : "are"
        } seen`
        : `it denies the SSH port ${port}, cutting off SSH for everyone`,
    );
  }
  return reasons;
}

function ms(t: Date | string): number {
  return t instanceof Date ? t.getTime() : Date.parse(t);
}

/**
 * Decides whether a job request may proceed: the list of refusals, empty when it may. Pure:
 * the caller fills the context (counts, windows, snapshot-derived SSH peers, the typed phrase).
 * Argv, step and length rules apply to every mode; queue caps to dry-run and execute; kill
 * switch, maintenance windows (automation always, operators per profile), cooldown, an armed
 * earlier execute of the same action, hourly cap and self-lockout to execute. Rollbacks are only
 * argv-checked.
 *
 * @example
 * ```ts
 * const refusals = checkExecution({ policy, now, mode: "execute", trigger: "operator", plan, … });
 * if (refusals.length) throw new HttpError(refusals[0].status, refusals[0].message);
 * ```
 */
export function checkExecution(ctx: ExecutionContext): GuardRefusal[] {
  const knobs = applyOverride(ctx.policy.knobs, ctx.hostOverride);
  const out = checkPlanArgv(ctx.plan, { ...ctx.policy, knobs });
  if (ctx.mode === "rollback") return out;
  const now = ctx.now.getTime();

  if (ctx.mode === "execute") {
    if (ctx.killSwitch) {
      out.push({
        rule: "kill_switch",
        status: 423,
        message:
          `Remediation is frozen for this organization (kill switch${
            ctx.killSwitchReason?.trim() ? `; reason: ${ctx.killSwitchReason.trim()}` : ""
          }). An owner or admin must lift the freeze before anything executes; dry-runs and ` +
          "rollbacks still run.",
      });
    }
    const window = ctx.maintenanceWindows.find((w) => ms(w.startsAt) <= now && now < ms(w.endsAt));
    if (window && (ctx.trigger === "automation" || knobs.freezeManualInMaintenance)) {
      out.push({
        rule: "maintenance_window",
        status: 423,
        message:
          `A maintenance window is in effect until ${new Date(ms(window.endsAt)).toISOString()}` +
          `${window.reason ? ` (${window.reason})` : ""}; ${
            ctx.trigger === "automation" ? "automated actions" : "executes on this host"
          } wait until it ends.`,
      });
    }
    const last = Math.max(-Infinity, ...ctx.recentExecutesOfAction.map(ms).filter(Number.isFinite));
    if (now - last < knobs.cooldownSec * 1000) {
      const wait = Math.ceil((last + knobs.cooldownSec * 1000 - now) / 1000);
      out.push({
        rule: "cooldown",
        status: 429,
        retryAfterSec: wait,
        message:
          `${ctx.plan.actionId} ran on this host ${Math.floor((now - last) / 1000)} s ago; ` +
          `the cooldown is ${knobs.cooldownSec} s. Try again in ${wait} s.`,
      });
    }
    const armed = ctx.armedRunsOfAction?.[0];
    if (armed) {
      const deadline = armed.confirmDeadline === null
        ? null
        : new Date(ms(armed.confirmDeadline)).toISOString();
      out.push({
        rule: "armed_run_pending",
        status: 409,
        message: `Run ${armed.id} of ${ctx.plan.actionId} on this host is still armed: its ` +
          `commit-confirm window ${
            deadline ? `ends at ${deadline}` : "has not ended"
          }, and its rollback would undo this execute. Wait until a healthy snapshot confirms ` +
          "it or its rollback has run, then execute again.",
      });
    }
    if (ctx.executesLastHour >= knobs.maxExecutesPerHostPerHour) {
      out.push({
        rule: "hourly_cap",
        status: 429,
        message: `This host already had ${ctx.executesLastHour} executes in the last hour (limit ` +
          `${knobs.maxExecutesPerHostPerHour}). Wait, or raise the limit in the host's guard override.`,
      });
    }
  }
  if (ctx.queuedForHost >= knobs.maxQueuedPerHost) {
    out.push({
      rule: "host_queue_cap",
      status: 429,
      message: `${ctx.queuedForHost} jobs are already queued for this host (limit ` +
        `${knobs.maxQueuedPerHost}). Wait for them to finish or cancel one.`,
    });
  }
  if (ctx.queuedGlobal >= knobs.maxQueuedGlobal) {
    out.push({
      rule: "global_queue_cap",
      status: 429,
      message: `${ctx.queuedGlobal} jobs are queued fleet-wide (limit ${knobs.maxQueuedGlobal}). ` +
        "Wait for the queue to drain.",
    });
  }
  if (ctx.mode === "execute") {
    const reasons = selfLockoutReasons(ctx.plan, ctx);
    const phrase = selfLockoutPhrase(ctx.hostId, ctx.plan.planHash);
    const overridden = ctx.trigger === "operator" && ctx.overridePhrase?.trim() === phrase;
    if (reasons.length > 0 && !overridden) {
      out.push({
        rule: "self_lockout",
        status: 409,
        message: `This plan could lock you or a live SSH session out: ${reasons.join("; ")}. ` +
          (ctx.trigger === "operator"
            ? `If that is intended, type "${phrase}" as the override.`
            : "Automation cannot override this; an operator must run it."),
      });
    }
  }
  return out;
}
