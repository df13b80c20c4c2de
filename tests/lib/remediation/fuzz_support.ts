/**
 * Shared pieces of the property tests: a seeded PRNG, the independent argv oracle and the
 * hostile string generators. Seeds are fixed, so a failure reproduces; set FUZZ_SEED to explore.
 */
import { CATALOG_EXECUTABLES } from "@/lib/remediation/catalog/mod.ts";
import type { JobMode } from "@/lib/remediation/types.ts";

export const SEED = Number(Deno.env.get("FUZZ_SEED") ?? 0x5eed);

/** mulberry32: small, fast, good enough for test data. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  next(): number {
    let t = (this.#s += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// ---- the oracle: written independently of the guard ----------------------------------------

const META = [...";|&$`><(){}*?[]~!#'\"\\"];
const SHELLISH = new Set([
  "sh",
  "bash",
  "dash",
  "zsh",
  "ksh",
  "env",
  "sudo",
  "su",
  "doas",
  "xargs",
  "find",
  "awk",
  "sed",
  "busybox",
  "perl",
  "ruby",
  "node",
  "deno",
  "php",
  "python",
  "python3",
  "ssh",
  "nohup",
  "timeout",
]);

/** Why an argv must never be approved, or null. */
export function oracle(argv: readonly string[], mode: JobMode): string | null {
  if (argv.length === 0) return "empty argv";
  for (const arg of argv) {
    if (arg.length === 0) return "empty element";
    for (const ch of arg) {
      const cp = ch.codePointAt(0)!;
      if (cp <= 0x20 || cp >= 0x7f) return `char U+${cp.toString(16)}`;
      if (META.includes(ch)) return `metachar ${ch}`;
    }
    if (arg === ".." || arg.startsWith("../") || arg.includes("/../") || arg.endsWith("/..")) {
      return "traversal";
    }
  }
  const exe = CATALOG_EXECUTABLES.find((e) => e.path === argv[0]);
  if (!exe) return `not a catalog executable: ${argv[0]}`;
  if (!exe.modes.includes(mode)) return `${argv[0]} not for ${mode}`;
  const base = argv[0].split("/").pop()!;
  if (SHELLISH.has(base) || /^python|^perl|sh$/.test(base)) return `shell-like ${base}`;
  return null;
}

// ---- generators -------------------------------------------------------------------------------

export const NASTY = [
  ";",
  "|",
  "&",
  "&&",
  "$(reboot)",
  "`id`",
  "${IFS}",
  ">",
  "<",
  "(",
  ")",
  "{a,b}",
  "*",
  "?",
  "[x]",
  "~",
  "!",
  "#",
  "'",
  '"',
  "\\",
  " ",
  "\t",
  "\n",
  "\r",
  "\0",
  "\u202e",
  "\u200b",
  "\uff1b",
  "\uff53\uff48",
  "\u0430",
  "..",
  "../",
  "/..",
  "//",
  "-",
  "--",
  "-H",
  "--host=x",
  "sudo ls; anything",
  "/bin/sh -c id",
  "%00",
  "\u00a0",
  "é",
  "🙂",
];
export const SAFE_BITS = [
  "tcp",
  "udp",
  ":",
  "/",
  "6379",
  "22",
  "0",
  "1",
  "65535",
  "99999",
  "-",
  ".",
  "service",
  "@",
  "a",
  "Z",
  "=",
  ",",
  "+",
  "_",
  "redis",
  "ssh",
  "sshd",
  "203.0.113.7",
  "::1",
  "2001:db8::",
  "/24",
  "/64",
  "10.0.0.0",
  "fe80::",
  "ffff",
  "127.0.0.1",
  "ufw",
  "status",
  "--dry-run",
];

export function randomString(rng: Rng): string {
  const parts = rng.int(0, 4);
  let out = "";
  for (let i = 0; i < parts; i++) out += rng.chance(0.3) ? rng.pick(NASTY) : rng.pick(SAFE_BITS);
  return out;
}

export function randomValue(rng: Rng): unknown {
  switch (rng.int(0, 7)) {
    case 0:
      return randomString(rng);
    case 1:
      return rng.int(-5, 70_000);
    case 2:
      return rng.next() * 1e7 - 10;
    case 3:
      return rng.chance(0.5);
    case 4:
      return null;
    case 5:
      return [randomString(rng), rng.int(-2, 70_000)];
    case 6:
      return { x: randomString(rng) };
    default:
      return undefined;
  }
}

/** The three step lists of a plan and the job mode each runs in. */
export const LISTS = [
  ["steps", "execute"],
  ["dryRunSteps", "dry-run"],
  ["rollbackSteps", "rollback"],
] as const;
