/**
 * The local allowlist (agent-protocol §3.4) and the executable checks (§3.3 checks 13-17). The
 * file must be a regular file (not a symlink) owned by the trusted uid (root) and not writable
 * by group or others, must list only absolute normalized paths with known modes, and must not
 * list any program able to run other programs or code from its arguments. It is read again for
 * every job.
 *
 * @module
 */

import { isNormalizedAbsolutePath, JOB_MODES, type JobMode } from "../../lib/protocol/job.ts";

/** Program path → the modes it may run in. */
export type Allowlist = Map<string, ReadonlySet<JobMode>>;

/** A loaded allowlist, or why it cannot be used. */
export type AllowlistLoad = { ok: true; allowlist: Allowlist } | { ok: false; problem: string };

const FORBIDDEN_EXACT = new Set([
  // shells
  "sh",
  "bash",
  "dash",
  "zsh",
  "ksh",
  "ksh93",
  "mksh",
  "pdksh",
  "csh",
  "tcsh",
  "fish",
  "ash",
  "yash",
  "rbash",
  "posh",
  "elvish",
  "nu",
  "xonsh",
  "pwsh",
  // run another program
  "env",
  "sudo",
  "su",
  "doas",
  "runuser",
  "setpriv",
  "nohup",
  "nice",
  "ionice",
  "timeout",
  "stdbuf",
  "xargs",
  "find",
  "chroot",
  "nsenter",
  "unshare",
  "setsid",
  "systemd-run",
  "flock",
  "watch",
  "script",
  "time",
  "chrt",
  "taskset",
  "strace",
  "ltrace",
  "gdb",
  "pkexec",
  "capsh",
  "parallel",
  "run-parts",
  "start-stop-daemon",
  "firejail",
  "bwrap",
  "sg",
  "newgrp",
  // text processors that execute code
  "awk",
  "gawk",
  "mawk",
  "nawk",
  "busybox",
  "sed",
  "gsed",
  "vim",
  "vi",
  "ex",
  "ed",
  "emacs",
  // interpreters
  "perl",
  "ruby",
  "irb",
  "node",
  "nodejs",
  "deno",
  "bun",
  "php",
  "tclsh",
  "wish",
  "expect",
  "guile",
  "racket",
  "Rscript",
  "R",
  "julia",
  "osascript",
  "java",
  "jshell",
  "pypy",
  "pypy3",
  // remote shells
  "ssh",
  "rsh",
  "telnet",
  "socat",
  "nc",
  "ncat",
  "netcat",
]);
const FORBIDDEN_PATTERNS = [
  /^python/,
  /^perl/,
  /^ruby/,
  /^php/,
  /^lua/,
  /^tclsh/,
  /^node/,
  /^pypy/,
  /^(ba|z|k|mk|da|c|tc)sh[0-9.]*$/,
];

/**
 * True when `name` (a file name, not a path) is a program the allowlist may never list: shells,
 * wrappers that run other programs, code-executing text tools, interpreters and ssh (§3.4).
 *
 * @example
 * ```ts
 * forbiddenProgram("python3.11"); // true
 * forbiddenProgram("ufw"); // false
 * ```
 */
export function forbiddenProgram(name: string): boolean {
  return FORBIDDEN_EXACT.has(name) || FORBIDDEN_PATTERNS.some((re) => re.test(name));
}

const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/**
 * Parses allowlist text: `<absolute path> [mode,mode…]` per line, `#` comments. Any bad line
 * makes the whole file unusable.
 *
 * @example
 * ```ts
 * parseAllowlist("/usr/sbin/ufw\n/usr/sbin/nft dry-run,verify\n");
 * ```
 */
export function parseAllowlist(text: string): AllowlistLoad {
  const allowlist: Allowlist = new Map();
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    const fields = line.split(/\s+/);
    const where = `line ${i + 1}`;
    if (fields.length > 2) return { ok: false, problem: `${where}: too many fields` };
    const [path, modeList] = fields;
    if (!isNormalizedAbsolutePath(path)) {
      return { ok: false, problem: `${where}: ${path} is not an absolute normalized path` };
    }
    if (forbiddenProgram(baseName(path))) {
      return { ok: false, problem: `${where}: ${path} can run arbitrary programs or code` };
    }
    let modes: JobMode[] = [...JOB_MODES];
    if (modeList !== undefined) {
      modes = modeList.split(",") as JobMode[];
      const bad = modes.find((m) => !(JOB_MODES as readonly string[]).includes(m));
      if (bad !== undefined) return { ok: false, problem: `${where}: unknown mode "${bad}"` };
    }
    if (allowlist.has(path)) return { ok: false, problem: `${where}: ${path} is listed twice` };
    allowlist.set(path, new Set(modes));
  }
  return { ok: true, allowlist };
}

/** Why a file is not trusted, or null: owner, type and group/other write bits. */
function trustProblem(info: Deno.FileInfo, trustedUid: number): string | null {
  if (info.isSymlink) return "is a symlink";
  if (!info.isFile) return "is not a regular file";
  if (info.uid !== trustedUid) return `is owned by uid ${info.uid}, not ${trustedUid}`;
  if (info.mode === null || (info.mode & 0o022) !== 0) {
    return `is writable by group or others (mode ${(info.mode ?? 0).toString(8)})`;
  }
  return null;
}

/**
 * Check 13: loads and trusts the allowlist at `path`. Listed programs whose symlinks resolve
 * to a forbidden program (e.g. `/usr/bin/sh` → `dash`) also make the file unusable.
 *
 * @example
 * ```ts
 * const loaded = await loadAllowlist("/etc/vps-sentry-runner/allowlist", 0);
 * if (!loaded.ok) refuse("allowlist_unavailable");
 * ```
 */
export async function loadAllowlist(path: string, trustedUid: number): Promise<AllowlistLoad> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    return { ok: false, problem: `${path}: ${(error as Error).message}` };
  }
  const problem = trustProblem(info, trustedUid);
  if (problem) return { ok: false, problem: `${path} ${problem}` };
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    return { ok: false, problem: `${path}: ${(error as Error).message}` };
  }
  const parsed = parseAllowlist(text);
  if (!parsed.ok) return { ok: false, problem: `${path}: ${parsed.problem}` };
  for (const program of parsed.allowlist.keys()) {
    const real = await Deno.realPath(program).catch(() => null);
    if (real !== null && forbiddenProgram(baseName(real))) {
      return { ok: false, problem: `${path}: ${program} resolves to ${real}, a forbidden program` };
    }
  }
  return parsed;
}

/**
 * Check 17: why `program` (symlinks resolved) is not a trusted executable, or null when it is a
 * regular file owned by `trustedUid` and not writable by group or others.
 *
 * @example
 * ```ts
 * await executableProblem("/usr/sbin/ufw", 0); // null
 * ```
 */
export async function executableProblem(
  program: string,
  trustedUid: number,
): Promise<string | null> {
  let real: string;
  let info: Deno.FileInfo;
  try {
    real = await Deno.realPath(program);
    info = await Deno.stat(real);
  } catch (error) {
    return `${program}: ${(error as Error).message}`;
  }
  const problem = trustProblem(info, trustedUid);
  return problem ? `${program} (${real}) ${problem}` : null;
}
