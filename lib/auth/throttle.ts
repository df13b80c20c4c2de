/**
 * Brute-force defence for sign-in, kept in Deno KV so it holds across app instances.
 *
 * Two independent counters of failed sign-ins: per account (keyed by SHA-256 of the normalized
 * e-mail, so an unknown e-mail is throttled exactly like a real one and answers look the same) and
 * per client address (IPv6 grouped by /64, the block one host usually gets). Each counter first
 * imposes a growing delay before the next attempt, then a temporary lockout. Failures are
 * forgotten {@link THROTTLE_WINDOW_MS} after the last one (or when a lockout ends).
 *
 * Expiry is decided by comparing timestamps stored in the value with the `now` argument (so tests
 * move time); KV `expireIn` only collects old counters.
 *
 * @module
 */

import { signInThrottleKey } from "../db/kv.ts";
import { HttpError } from "../fresh/errors.ts";

/** Failures are forgotten this long after the most recent one: 15 minutes. */
export const THROTTLE_WINDOW_MS = 15 * 60_000;
/** A lockout lasts 15 minutes from the failure that caused it. */
export const THROTTLE_LOCK_MS = 15 * 60_000;
/** Longest delay between attempts before a lockout: 60 s. */
export const THROTTLE_MAX_DELAY_MS = 60_000;

/** When each scope starts delaying and when it locks, in failures within the window. */
export const THROTTLE_POLICY = {
  /** One account: after 3 failures wait 2^(n-3) s (1, 2, 4, … max 60 s); after 10, lock. */
  account: { delayAfter: 3, lockAfter: 10 },
  /** One address (any e-mails): after 20 failures wait 2^(n-20) s (max 60 s); after 50, lock. */
  ip: { delayAfter: 20, lockAfter: 50 },
} as const;

/** What a counter throttles: one account or one client address. */
export type ThrottleScope = keyof typeof THROTTLE_POLICY;

/** Who is signing in. */
export interface SignInAttempt {
  email: string;
  ip: string;
}

/** The answer of {@link checkSignInAllowed}. */
export type SignInAllowed =
  | { ok: true }
  | { ok: false; retryAfterS: number; scope: ThrottleScope; locked: boolean };

/** A failure counter as stored (times in epoch ms). */
interface ThrottleState {
  failures: number;
  lastFailureAt: number;
  /** Set while a lockout is in force; null otherwise. */
  lockedUntil: number | null;
}

/** Optimistic write attempts: enough for dozens of parallel failures on one counter. */
const MAX_ATTEMPTS = 64;

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return new Uint8Array(digest).toHex();
}

/** The account counter's id: SHA-256 of the trimmed, lowercased e-mail. */
function accountId(email: string): Promise<string> {
  return sha256Hex(email.trim().toLowerCase());
}

/**
 * The address counter's id: IPv4 as is (also when IPv4-mapped), IPv6 reduced to its /64.
 *
 * @example
 * ```ts
 * throttleAddress("2001:db8:1:2:aaaa::1"); // "2001:db8:1:2::/64"
 * throttleAddress("::ffff:203.0.113.7");   // "203.0.113.7"
 * ```
 */
export function throttleAddress(ip: string): string {
  const address = ip.trim().toLowerCase().replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return mapped[1];
  if (!address.includes(":")) return address.slice(0, 64) || "unknown";
  const [head, tail = ""] = address.split("::", 2);
  const headParts = head === "" ? [] : head.split(":");
  const tailParts = tail === "" ? [] : tail.split(":");
  const groups = address.includes("::")
    ? [...headParts, ...Array(Math.max(0, 8 - headParts.length - tailParts.length)).fill("0")]
    : headParts;
  const prefix = groups.slice(0, 4).map((g) => (g.replace(/^0+/, "") || "0").slice(0, 4));
  while (prefix.length < 4) prefix.push("0");
  return `${prefix.join(":")}::/64`;
}

async function throttleKeys(attempt: SignInAttempt): Promise<Record<ThrottleScope, Deno.KvKey>> {
  return {
    account: signInThrottleKey("account", await accountId(attempt.email)),
    ip: signInThrottleKey("ip", throttleAddress(attempt.ip)),
  };
}

/** The state at `now`: a counter whose window or lockout is over counts as empty. */
function current(state: ThrottleState | null, now: number): ThrottleState | null {
  if (state === null) return null;
  if (state.lockedUntil !== null) return state.lockedUntil > now ? state : null;
  return now - state.lastFailureAt < THROTTLE_WINDOW_MS ? state : null;
}

/** Until when `state` blocks attempts, and whether by lockout; null when not blocked. */
function blockedUntil(
  scope: ThrottleScope,
  state: ThrottleState,
): { until: number; locked: boolean } | null {
  if (state.lockedUntil !== null) return { until: state.lockedUntil, locked: true };
  const { delayAfter } = THROTTLE_POLICY[scope];
  if (state.failures < delayAfter) return null;
  const delay = Math.min(2 ** (state.failures - delayAfter) * 1000, THROTTLE_MAX_DELAY_MS);
  return { until: state.lastFailureAt + delay, locked: false };
}

/**
 * Whether a sign-in attempt may go ahead at `now`. When both scopes block, the longer wait wins.
 * Check before verifying the password; a refused attempt is not counted again.
 *
 * @example
 * ```ts
 * const allowed = await checkSignInAllowed(kv, { email, ip }, clock.now());
 * if (!allowed.ok) throw new HttpError(429, "…", { headers: { "retry-after": String(allowed.retryAfterS) } });
 * ```
 */
export async function checkSignInAllowed(
  kv: Deno.Kv,
  attempt: SignInAttempt,
  now: Date,
): Promise<SignInAllowed> {
  const keys = await throttleKeys(attempt);
  const [account, ip] = await kv.getMany<[ThrottleState, ThrottleState]>([keys.account, keys.ip]);
  const at = now.getTime();
  let worst: Extract<SignInAllowed, { ok: false }> | null = null;
  for (const [scope, entry] of [["account", account], ["ip", ip]] as const) {
    const state = current(entry.value, at);
    const blocked = state && blockedUntil(scope, state);
    if (!blocked || blocked.until <= at) continue;
    const retryAfterS = Math.max(1, Math.ceil((blocked.until - at) / 1000));
    if (!worst || retryAfterS > worst.retryAfterS) {
      worst = { ok: false, retryAfterS, scope, locked: blocked.locked };
    }
  }
  return worst ?? { ok: true };
}

/** Counts one failure on one counter (atomic check + retry); true when it locked just now. */
async function countFailure(
  kv: Deno.Kv,
  scope: ThrottleScope,
  key: Deno.KvKey,
  at: number,
): Promise<boolean> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const entry = await kv.get<ThrottleState>(key);
    const state = current(entry.value, at);
    const failures = (state?.failures ?? 0) + 1;
    const lockNow = state?.lockedUntil == null && failures >= THROTTLE_POLICY[scope].lockAfter;
    const next: ThrottleState = {
      failures,
      lastFailureAt: Math.max(at, state?.lastFailureAt ?? 0),
      lockedUntil: lockNow ? at + THROTTLE_LOCK_MS : state?.lockedUntil ?? null,
    };
    const keepMs = Math.max(THROTTLE_WINDOW_MS, (next.lockedUntil ?? 0) - at) + THROTTLE_WINDOW_MS;
    const res = await kv.atomic().check(entry).set(key, next, { expireIn: keepMs }).commit();
    if (res.ok) return lockNow;
    // Lost a race with another failure: back off a little (jittered) and count again.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));
  }
  throw new HttpError(503, "Sign-in is busy; retry in a few seconds.", {
    code: "throttle_contention",
  });
}

/**
 * Counts a failed sign-in on the account and the address. Returns the scopes that became locked
 * by this failure; the caller writes one audit entry for each.
 *
 * @example
 * ```ts
 * const { lockedNow } = await recordSignInFailure(kv, { email, ip }, clock.now());
 * for (const scope of lockedNow) await audit({ action: "auth.lockout", details: { scope } });
 * ```
 */
export async function recordSignInFailure(
  kv: Deno.Kv,
  attempt: SignInAttempt,
  now: Date,
): Promise<{ lockedNow: ThrottleScope[] }> {
  const keys = await throttleKeys(attempt);
  const at = now.getTime();
  // Separate atomics: the address counter is shared by many accounts, so one atomic over both
  // would make unrelated failures conflict.
  const [account, ip] = await Promise.all([
    countFailure(kv, "account", keys.account, at),
    countFailure(kv, "ip", keys.ip, at),
  ]);
  const lockedNow: ThrottleScope[] = [];
  if (account) lockedNow.push("account");
  if (ip) lockedNow.push("ip");
  return { lockedNow };
}

/**
 * Clears the account counter after a successful sign-in. The address counter stays: otherwise an
 * attacker holding one valid account could reset it between guesses at others.
 *
 * @example
 * ```ts
 * await recordSignInSuccess(kv, { email, ip });
 * ```
 */
export async function recordSignInSuccess(kv: Deno.Kv, attempt: SignInAttempt): Promise<void> {
  await kv.delete((await throttleKeys(attempt)).account);
}
