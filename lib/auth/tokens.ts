/**
 * Single-use, expiring tokens in Deno KV for e-mailed links (magic sign-in links, password
 * resets). The token (32 random bytes, base64url) goes only into the e-mail; KV holds its SHA-256
 * under a key that includes the purpose, so a leaked KV dump cannot be replayed and a token of
 * one purpose is unknown to every other.
 *
 * Consuming is one atomic: check the record's versionstamp, delete it, write a short-lived
 * "used" tombstone. Of two concurrent consumes exactly one succeeds; the other answers "used".
 *
 * @module
 */

import { authTokenKey, usedAuthTokenKey } from "../db/kv.ts";

/** What a token may be used for. */
export const TOKEN_PURPOSES = ["magic_link", "password_reset"] as const;
/** One of {@link TOKEN_PURPOSES}. */
export type TokenPurpose = typeof TOKEN_PURPOSES[number];

/** Whom a token was issued to. */
export interface TokenPayload {
  userId: string;
  email: string;
}

/** Why a token was refused. */
export type TokenFailure = "unknown" | "expired" | "used";

/** A token as stored (times in epoch ms). */
interface StoredToken {
  purpose: TokenPurpose;
  payload: TokenPayload;
  issuedAt: number;
  expiresAt: number;
}

/** Random bytes per token: 256 bits, unguessable however many are outstanding. */
const TOKEN_BYTES = 32;
/** The base64url form of {@link TOKEN_BYTES} bytes without padding. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
/** Records outlive their expiry this long, so a late click answers "expired", not "unknown". */
const EXPIRED_GRACE_MS = 24 * 3_600_000;
/** How long a consumed token answers "used". */
const USED_TOMBSTONE_MS = 24 * 3_600_000;
/** Longest allowed lifetime of a token. */
const MAX_TTL_MS = 30 * 24 * 3_600_000;

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return new Uint8Array(digest).toHex();
}

function requirePurpose(purpose: string): asserts purpose is TokenPurpose {
  if (!(TOKEN_PURPOSES as readonly string[]).includes(purpose)) {
    throw new TypeError(
      `Token purpose must be one of ${TOKEN_PURPOSES.join(", ")}, got ${JSON.stringify(purpose)}`,
    );
  }
}

/**
 * Issues a token for `purpose` that expires `ttlMs` after `now`; put it in the e-mailed link.
 *
 * @example
 * ```ts
 * const token = await issueToken(kv, "magic_link", { userId: user.id, email: user.email }, {
 *   ttlMs: 15 * 60_000,
 *   now: clock.now(),
 * });
 * const link = new URL(`/sign-in/link?token=${token}`, config.appUrl).href;
 * ```
 */
export async function issueToken(
  kv: Deno.Kv,
  purpose: TokenPurpose,
  payload: TokenPayload,
  options: { ttlMs: number; now: Date },
): Promise<string> {
  requirePurpose(purpose);
  const { ttlMs, now } = options;
  if (!Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_TTL_MS) {
    throw new RangeError(`Token ttlMs must be 1-${MAX_TTL_MS} ms, got ${ttlMs}`);
  }
  const token = crypto.getRandomValues(new Uint8Array(TOKEN_BYTES))
    .toBase64({ alphabet: "base64url", omitPadding: true });
  const record: StoredToken = {
    purpose,
    payload: { userId: payload.userId, email: payload.email },
    issuedAt: now.getTime(),
    expiresAt: now.getTime() + ttlMs,
  };
  const key = authTokenKey(purpose, await sha256Hex(token));
  const res = await kv.atomic()
    .check({ key, versionstamp: null }) // 256 random bits never collide; cheap to be sure
    .set(key, record, { expireIn: ttlMs + EXPIRED_GRACE_MS })
    .commit();
  if (!res.ok) throw new Error("Token collision in KV: retry issuing the token");
  return token;
}

/**
 * Uses a token once: its payload, or why it was refused ("unknown" also covers a token of another
 * purpose, a malformed string and a token long past its expiry).
 *
 * @example
 * ```ts
 * const result = await consumeToken(kv, "password_reset", token, clock.now());
 * if (typeof result === "string") throw new HttpError(410, `This link is ${result}.`);
 * await setPassword(result.userId, …);
 * ```
 */
export async function consumeToken(
  kv: Deno.Kv,
  purpose: TokenPurpose,
  token: string,
  now: Date,
): Promise<TokenPayload | TokenFailure> {
  // Two rounds suffice: a failed check means the record changed, and the only change is a use.
  for (let round = 0; round < 2; round++) {
    const read = await readToken(kv, purpose, token, now);
    if (typeof read === "string") return read;
    const res = await kv.atomic()
      .check(read.entry)
      .delete(read.entry.key)
      .set(read.usedKey, { usedAt: now.getTime() }, { expireIn: USED_TOMBSTONE_MS })
      .commit();
    if (res.ok) return read.entry.value.payload;
  }
  return "used";
}

/**
 * Whether `token` would be accepted by {@link consumeToken} now, without using it up (a page
 * that checks a link before showing its form).
 *
 * @example
 * ```ts
 * await peekToken(kv, "password_reset", token, now); // "valid" | "unknown" | "expired" | "used"
 * ```
 */
export async function peekToken(
  kv: Deno.Kv,
  purpose: TokenPurpose,
  token: string,
  now: Date,
): Promise<"valid" | TokenFailure> {
  const read = await readToken(kv, purpose, token, now);
  return typeof read === "string" ? read : "valid";
}

/** The stored token record, or why there is none that works at `now`. */
async function readToken(kv: Deno.Kv, purpose: TokenPurpose, token: string, now: Date) {
  requirePurpose(purpose);
  if (!TOKEN_PATTERN.test(token)) return "unknown" as const;
  const hash = await sha256Hex(token);
  const usedKey = usedAuthTokenKey(purpose, hash);
  const [entry, used] = await kv.getMany<[StoredToken, { usedAt: number }]>([
    authTokenKey(purpose, hash),
    usedKey,
  ]);
  if (entry.value === null) return used.value === null ? "unknown" as const : "used" as const;
  if (entry.value.purpose !== purpose) return "unknown" as const;
  if (entry.value.expiresAt <= now.getTime()) return "expired" as const;
  return { entry: entry as Deno.KvEntry<StoredToken>, usedKey };
}
