/**
 * Password hashing with scrypt (memory-hard, from `node:crypto`) in a self-describing format,
 * `scrypt$<cost>$<r>$<p>$<salt b64url>$<hash b64url>` (cost = log2 N), so raising
 * `PASSWORD_HASH_COST` later still verifies old hashes and {@link needsRehash} says which to
 * upgrade at the next sign-in. Also the password policy.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { randomBytes, scrypt, type ScryptOptions, timingSafeEqual } from "node:crypto";

/** scrypt block size. */
const SCRYPT_R = 8;
/** scrypt parallelization. */
const SCRYPT_P = 1;
const SALT_BYTES = 16;
const KEY_BYTES = 32;
/** Shortest and longest accepted password, in characters. */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;

/** Bounds on parameters read back from a stored hash (a corrupted row must not hang the CPU). */
const COST_RANGE = { min: 1, max: 22 } as const;

interface ParsedHash {
  cost: number;
  r: number;
  p: number;
  salt: Uint8Array;
  hash: Uint8Array;
}

function scryptOptions(cost: number, r: number, p: number): ScryptOptions {
  const N = 2 ** cost;
  // Node refuses when 128 * N * r exceeds maxmem (default 32 MiB); leave headroom.
  return { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
}

function derive(password: string, salt: Uint8Array, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // NFC: the same password typed on different systems hashes the same.
    scrypt(password.normalize("NFC"), salt, KEY_BYTES, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

function checkCost(cost: number): void {
  if (!Number.isInteger(cost) || cost < COST_RANGE.min || cost > COST_RANGE.max) {
    throw new RangeError(
      `password hash cost must be an integer ${COST_RANGE.min}-${COST_RANGE.max} (log2 N), ` +
        `got ${cost}; set PASSWORD_HASH_COST (default 15)`,
    );
  }
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");

/**
 * Hashes `password` with scrypt at N = 2^cost, r = 8, p = 1 and a random 16-byte salt.
 *
 * @example
 * ```ts
 * const stored = await hashPassword("correct horse battery", config.passwordHashCost);
 * // "scrypt$15$8$1$<salt>$<hash>"
 * ```
 */
export async function hashPassword(password: string, cost: number): Promise<string> {
  checkCost(cost);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, scryptOptions(cost, SCRYPT_R, SCRYPT_P));
  return ["scrypt", cost, SCRYPT_R, SCRYPT_P, b64url(salt), b64url(key)].join("$");
}

function parseHash(stored: string): ParsedHash | null {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [cost, r, p] = parts.slice(1, 4).map((v) => /^\d{1,3}$/.test(v) ? Number(v) : NaN);
  if (!(cost >= COST_RANGE.min && cost <= COST_RANGE.max)) return null;
  if (!(r >= 1 && r <= 32 && p >= 1 && p <= 16)) return null;
  const salt = Buffer.from(parts[4], "base64url");
  const hash = Buffer.from(parts[5], "base64url");
  if (salt.length < 8 || hash.length < 16) return null;
  return { cost, r, p, salt, hash };
}

/**
 * True when `password` matches `stored` (constant-time comparison). Parameters come from the
 * stored string. A malformed stored value is `false`, never an exception.
 *
 * @example
 * ```ts
 * if (!(await verifyPassword(input.password, user.passwordHash))) throw invalidCredentials();
 * ```
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (parsed === null) return false;
  const key = await derive(password, parsed.salt, scryptOptions(parsed.cost, parsed.r, parsed.p))
    .catch(() => null);
  if (key === null || key.length !== parsed.hash.length) return false;
  return timingSafeEqual(key, parsed.hash);
}

/**
 * True when `stored` was made with other parameters than today's (or is not a scrypt hash):
 * rehash the password after the next successful sign-in.
 *
 * @example
 * ```ts
 * if (needsRehash(user.passwordHash, config.passwordHashCost)) {
 *   await setPasswordHash(ledger, user.id, await hashPassword(password, config.passwordHashCost));
 * }
 * ```
 */
export function needsRehash(stored: string, cost: number): boolean {
  const parsed = parseHash(stored);
  return parsed === null || parsed.cost !== cost || parsed.r !== SCRYPT_R ||
    parsed.p !== SCRYPT_P || parsed.hash.length !== KEY_BYTES;
}

/** A fixed salt for {@link verifyAgainstDummy}; never matches anything real. */
const DUMMY_SALT = new Uint8Array(SALT_BYTES);

/**
 * Does the work of one verification at `cost` and returns `false`: call it for an unknown
 * e-mail so that answer takes as long as a wrong password.
 *
 * @example
 * ```ts
 * const ok = user?.passwordHash
 *   ? await verifyPassword(password, user.passwordHash)
 *   : await verifyAgainstDummy(password, config.passwordHashCost);
 * ```
 */
export async function verifyAgainstDummy(password: string, cost: number): Promise<false> {
  checkCost(cost);
  await derive(password, DUMMY_SALT, scryptOptions(cost, SCRYPT_R, SCRYPT_P));
  return false;
}

/**
 * Checks the password policy: 12 to 256 characters. Returns a message naming the rule, or null
 * when the password is acceptable.
 *
 * @example
 * ```ts
 * validatePassword("short"); // "must be at least 12 characters long (got 5)"
 * validatePassword("a long enough passphrase"); // null
 * ```
 */
export function validatePassword(password: string): string | null {
  // Count code points, so an emoji is one character, not two.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    return `must be at least ${PASSWORD_MIN_LENGTH} characters long (got ${length}); ` +
      `a passphrase of a few words is easiest`;
  }
  if (length > PASSWORD_MAX_LENGTH) {
    return `must be at most ${PASSWORD_MAX_LENGTH} characters long (got ${length})`;
  }
  return null;
}
