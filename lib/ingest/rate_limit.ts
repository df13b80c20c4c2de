/**
 * Per-key rate limits in Deno KV, shared by every app instance (agent-protocol §0.1): a fixed
 * window per bucket, counted by an atomic compare-and-set, so concurrent requests are each
 * counted once and no more than `limit` pass in a window.
 *
 * Leases: a KV compare-and-set per request was one of the round trips every status push waited
 * on. For limits of at least {@link LEASE_MIN_LIMIT}, a process takes a small block of the
 * window's counter at once ({@link leaseSize}: 1/16 of the limit) and hands its positions out
 * from memory, so one KV write serves up to 15 of the 240 status posts a minute. The KV counter
 * still never lets more than `limit` through across all instances. The trade-off, only when
 * several instances serve the same key in one window: positions one instance leased but did not
 * use are lost to the others, so a key can be refused up to `(instances - 1) × (lease - 1)`
 * requests early in that window. Once the counter is full, the process remembers it and refuses
 * the rest of the window without asking KV. Small limits (enrollment, key verification) take one
 * position per request, as before.
 *
 * @module
 */

import { rateLimitKey } from "../db/kv.ts";

/** Status POSTs per minute per key (agent-protocol §0.1). */
export const STATUS_POST_LIMIT_PER_MINUTE = 240;
/** Key verify requests per minute per key. */
export const KEY_VERIFY_LIMIT_PER_MINUTE = 60;
/** Job polls per minute per key. */
export const JOBS_POLL_LIMIT_PER_MINUTE = 120;
/** Job result POSTs per minute per key. */
export const JOB_RESULT_LIMIT_PER_MINUTE = 120;
/** Enrollments per minute per client IP. */
export const ENROLL_LIMIT_PER_MINUTE = 10;

/** What {@link takeToken} decided. */
export type TakeTokenResult = { ok: true; remaining: number } | { ok: false; retryAfterS: number };

/** Compare-and-set attempts before falling back to a blind increment (see below). */
const CAS_ATTEMPTS = 32;
/** Limits at least this large are leased in blocks (see the module comment). */
export const LEASE_MIN_LIMIT = 100;
/** Buckets tracked per KV handle before windows that have ended are swept. */
const MAX_LEASES = 10_000;

/** Positions `[next, end)` of one bucket's window that this process holds. */
interface Lease {
  windowStart: number;
  next: number;
  end: number;
  /** The KV counter reached the limit: refuse without asking KV until the window ends. */
  full: boolean;
  /** A KV round trip for a new block that concurrent takers share. */
  pending?: Promise<void>;
}

const leasesByKv = new WeakMap<Deno.Kv, Map<string, Lease>>();

/**
 * How many positions one KV write takes for a bucket of `limit` per window: 1 below
 * {@link LEASE_MIN_LIMIT}, else 1/16 of the limit (15 of the 240 status posts a minute).
 *
 * @example
 * ```ts
 * leaseSize(240); // 15
 * leaseSize(10);  // 1
 * ```
 */
export function leaseSize(limit: number): number {
  return limit < LEASE_MIN_LIMIT ? 1 : Math.floor(limit / 16);
}

/**
 * Counts one request against `bucket` in the window containing `now`. Refused requests are not
 * counted. `retryAfterS` is the whole seconds until the window ends (at least 1), ready for a
 * `Retry-After` header.
 *
 * @example
 * ```ts
 * const taken = await takeToken(kv, {
 *   bucket: `status:${key.id}`, limit: STATUS_POST_LIMIT_PER_MINUTE, windowMs: 60_000, now,
 * });
 * if (!taken.ok) throw new HttpError(429, "…", { headers: { "retry-after": String(taken.retryAfterS) } });
 * ```
 */
export async function takeToken(
  kv: Deno.Kv,
  input: { bucket: string; limit: number; windowMs: number; now: Date },
): Promise<TakeTokenResult> {
  const { bucket, limit, windowMs } = input;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`takeToken: limit must be a positive integer, got ${limit}`);
  }
  if (!Number.isInteger(windowMs) || windowMs < 1000) {
    throw new RangeError(`takeToken: windowMs must be an integer ≥ 1000, got ${windowMs}`);
  }
  const nowMs = input.now.getTime();
  const windowStart = Math.floor(nowMs / windowMs) * windowMs;
  const key = rateLimitKey(bucket, windowStart);
  const refused = {
    ok: false as const,
    retryAfterS: Math.max(1, Math.ceil((windowStart + windowMs - nowMs) / 1000)),
  };
  // KV expiry runs on the wall clock, not on `now`; twice the window is enough either way,
  // because the key names its window.
  const expireIn = windowMs * 2;

  const block = leaseSize(limit);
  if (block === 1) {
    const position = await claim(kv, key, limit, 1, expireIn);
    return position === null ? refused : { ok: true, remaining: limit - position.start - 1 };
  }

  let leases = leasesByKv.get(kv);
  if (!leases) leasesByKv.set(kv, leases = new Map());
  for (;;) {
    let lease = leases.get(bucket);
    if (!lease || lease.windowStart !== windowStart) {
      if (leases.size >= MAX_LEASES) sweep(leases, nowMs, windowMs);
      lease = { windowStart, next: 0, end: 0, full: false };
      leases.set(bucket, lease);
    }
    if (lease.next < lease.end) {
      const position = lease.next++;
      return { ok: true, remaining: limit - position - 1 };
    }
    if (lease.full) return refused;
    // One request fetches the next block; the others wait for it, then take from it.
    if (!lease.pending) {
      const current = lease;
      current.pending = claim(kv, key, limit, block, expireIn).then((range) => {
        if (range === null) current.full = true;
        else [current.next, current.end] = [range.start, range.end];
      }).finally(() => current.pending = undefined);
    }
    await lease.pending;
  }
}

/** Forgets the leases of windows that have ended. */
function sweep(leases: Map<string, Lease>, nowMs: number, windowMs: number): void {
  for (const [bucket, lease] of leases) {
    if (lease.windowStart + windowMs <= nowMs) leases.delete(bucket);
  }
}

/**
 * Adds up to `want` to the counter at `key` without passing `limit`; the positions taken, or
 * null when the counter is full.
 */
async function claim(
  kv: Deno.Kv,
  key: Deno.KvKey,
  limit: number,
  want: number,
  expireIn: number,
): Promise<{ start: number; end: number } | null> {
  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const entry = await kv.get<Deno.KvU64>(key);
    const count = entry.value === null ? 0 : Number(entry.value.value);
    if (count >= limit) return null;
    const end = Math.min(limit, count + want);
    const res = await kv.atomic()
      .check(entry)
      .set(key, new Deno.KvU64(BigInt(end)), { expireIn })
      .commit();
    if (res.ok) return { start: count, end };
    // Someone else counted in between: each failed round means another request got in.
  }
  // Heavy contention on one bucket: count blindly (one position), then read. Never lets more
  // than `limit` through (our position is at most the value read), at worst refuses a few at
  // the edge.
  await kv.atomic().sum(key, 1n).commit();
  const after = await kv.get<Deno.KvU64>(key);
  const position = after.value === null ? 1 : Number(after.value.value);
  return position <= limit ? { start: position - 1, end: position } : null;
}
