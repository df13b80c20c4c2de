/**
 * The repeat-offender ladder of `block-ip` (product §1.2): 15 min → 1 h → 24 h → 7 d per org and
 * address, one rung up per ban, one rung down per quiet period (7 days by default) without a new
 * ban. Pure: the caller stores its bans (org + canonical address + time of each executed ban)
 * and asks for the next rung.
 *
 * Model: a "level" starts at −1 (never banned). Each ban first decays the level by one rung per
 * full quiet period since the previous ban (never below −1), then raises it by one (never above
 * the top rung); the ban's rung is that level. The next ban's rung is computed the same way at
 * `now`. Quiet time is measured from ban to ban (not from expiry), so a 7-day ban that expires
 * and is followed at once by a new offence stays at 7 days.
 *
 * @module
 */

import { canonicalIp, parseIpNet } from "./catalog/ip.ts";

/** Ban durations, lowest rung first, in seconds. */
export const LADDER_DURATIONS_SEC = [900, 3_600, 86_400, 604_800] as const;
/** Labels for the console, same order. */
export const LADDER_LABELS = ["15 min", "1 h", "24 h", "7 d"] as const;
/** Default quiet period after which the level drops one rung. */
export const DEFAULT_DECAY_SEC = 7 * 86_400;

export interface LadderOptions {
  /** Seconds without a new ban that lower the level by one rung (default 7 days). */
  decaySec?: number;
}

/** The rung the next ban gets. */
export interface LadderStep {
  /** 0 (first offence) … 3 (top). */
  rung: number;
  durationSec: number;
  label: string;
  /** Bans that counted (times ≤ now, valid dates). */
  priorBans: number;
  /** Rungs lost to quiet periods since the last ban. */
  decayedSinceLast: number;
}

function toMs(t: Date | string | number): number {
  return t instanceof Date ? t.getTime() : typeof t === "number" ? t : Date.parse(t);
}

/**
 * The rung and duration for a new ban of one org+address, given the times of its earlier bans.
 * Invalid times and times after `now` are ignored; order does not matter.
 *
 * @example
 * ```ts
 * const now = new Date("2026-11-25T12:00:00Z");
 * nextBan([], now).durationSec;                          // 900 (15 min)
 * nextBan(["2026-11-25T10:00:00Z"], now).label;          // "1 h"
 * nextBan(["2026-11-01T10:00:00Z"], now).rung;           // 0 (decayed after 7+ quiet days)
 * ```
 */
export function nextBan(
  priorBans: ReadonlyArray<Date | string | number>,
  now: Date,
  opts: LadderOptions = {},
): LadderStep {
  const decayMs = (opts.decaySec ?? DEFAULT_DECAY_SEC) * 1000;
  if (!(decayMs > 0)) throw new RangeError("decaySec must be a positive number of seconds");
  const nowMs = now.getTime();
  const times = priorBans.map(toMs).filter((t) => Number.isFinite(t) && t <= nowMs)
    .sort((a, b) => a - b);
  const top = LADDER_DURATIONS_SEC.length - 1;
  let level = -1;
  let last: number | null = null;
  const climb = (at: number): number => {
    const decayed = last === null ? 0 : Math.floor((at - last) / decayMs);
    return Math.min(top, Math.max(-1, level - decayed) + 1);
  };
  for (const t of times) {
    level = climb(t);
    last = t;
  }
  const decayedSinceLast = last === null ? 0 : Math.min(
    level + 1,
    Math.floor((nowMs - last) / decayMs),
  );
  const rung = climb(nowMs);
  return {
    rung,
    durationSec: LADDER_DURATIONS_SEC[rung],
    label: LADDER_LABELS[rung],
    priorBans: times.length,
    decayedSinceLast,
  };
}

/**
 * The key a caller stores bans under: org id + canonical address or network, so `2001:DB8::1`
 * and `2001:db8:0::1` (or an IPv4-mapped spelling) are one offender. `null` for a bad address.
 *
 * @example
 * ```ts
 * offenderKey("org_1", "2001:DB8:0::1"); // "org_1|2001:db8::1"
 * ```
 */
export function offenderKey(orgId: string, ip: string): string | null {
  const single = canonicalIp(ip);
  if (single) return `${orgId}|${single}`;
  const net = parseIpNet(ip.trim());
  return net ? `${orgId}|${net.canonical}` : null;
}
