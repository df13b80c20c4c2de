/**
 * Per-key rate limits in Deno KV, shared by every app instance (agent-protocol §0.1): a fixed
 * window per bucket, counted by an atomic compare-and-set, so concurrent requests are each
 * counted once and no more than `limit` pass in a window.
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

  for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
    const entry = await kv.get<Deno.KvU64>(key);
    const count = entry.value === null ? 0 : Number(entry.value.value);
    if (count >= limit) return refused;
    const res = await kv.atomic()
      .check(entry)
      .set(key, new Deno.KvU64(BigInt(count + 1)), { expireIn })
      .commit();
    if (res.ok) return { ok: true, remaining: limit - count - 1 };
    // Someone else counted in between: each failed round means another request got in.
  }
  // Heavy contention on one bucket: count blindly, then read. Never lets more than `limit`
  // through (our position is at most the value read), at worst refuses a few at the edge.
  await kv.atomic().sum(key, 1n).commit();
  const after = await kv.get<Deno.KvU64>(key);
  const position = after.value === null ? 1 : Number(after.value.value);
  return position <= limit ? { ok: true, remaining: limit - position } : refused;
}
