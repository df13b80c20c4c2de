/**
 * Purpose-specific keys derived from `APP_SECRET` with HKDF-SHA256 (Web Crypto), and sealing of
 * short strings (TOTP secrets) with AES-256-GCM.
 *
 * One secret, many keys: each use names its purpose ("session", "totp-secret", …) and gets an
 * independent key, so a value made for one purpose (a session cookie signature, a sealed TOTP
 * secret) is useless for any other, and the raw secret never touches a primitive directly.
 *
 * @module
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** HKDF salt: fixed and public; it separates this app's keys from any other use of the secret. */
const HKDF_SALT = encoder.encode("vps-sentry/hkdf/v1");

/** Prefix of every sealed value; a new format gets a new version. */
const SEAL_VERSION = "v1";

/** AES-GCM nonce size: 12 bytes is the size GCM is specified for. */
const IV_BYTES = 12;

/** Entries cached before the cache is cleared (a process normally uses one secret, few purposes). */
const MAX_CACHED_KEYS = 256;

/** Derived keys by secret, kind and purpose; promises, so concurrent first calls derive once. */
const keyCache = new Map<string, Map<string, Promise<CryptoKey>>>();

/** Thrown by {@link openString} when a sealed value cannot be opened. */
export class SealedValueError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SealedValueError";
  }
}

function cached(secret: string, slot: string, derive: () => Promise<CryptoKey>) {
  let bySlot = keyCache.get(secret);
  if (!bySlot) {
    if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear();
    bySlot = new Map();
    keyCache.set(secret, bySlot);
  }
  let key = bySlot.get(slot);
  if (!key) {
    if (bySlot.size >= MAX_CACHED_KEYS) bySlot.clear();
    key = derive();
    // A failed derivation must not stay cached.
    key.catch(() => bySlot.delete(slot));
    bySlot.set(slot, key);
  }
  return key;
}

function requirePurpose(purpose: string): void {
  if (!/^[a-z0-9][a-z0-9._:-]{0,63}$/.test(purpose)) {
    throw new TypeError(
      `Key purpose must be 1-64 lowercase letters, digits or ._:- (got ${JSON.stringify(purpose)})`,
    );
  }
}

function requireSecret(secret: string): void {
  if (secret.length === 0) {
    throw new TypeError("APP_SECRET is empty: set it (see README) before deriving keys");
  }
}

function hkdfBaseKey(secret: string): Promise<CryptoKey> {
  return cached(
    secret,
    "hkdf",
    () => crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]),
  );
}

async function deriveKey(
  secret: string,
  kind: "hmac" | "aes",
  purpose: string,
): Promise<CryptoKey> {
  requireSecret(secret);
  requirePurpose(purpose);
  return await cached(secret, `${kind}\0${purpose}`, async () => {
    const base = await hkdfBaseKey(secret);
    // The kind is part of `info`, so the HMAC and AES keys of one purpose differ too.
    const params: HkdfParams = {
      name: "HKDF",
      hash: "SHA-256",
      salt: HKDF_SALT,
      info: encoder.encode(`${kind}:${purpose}`),
    };
    return kind === "hmac"
      ? await crypto.subtle.deriveKey(
        params,
        base,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign", "verify"],
      )
      : await crypto.subtle.deriveKey(
        params,
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
  });
}

/**
 * An HMAC-SHA256 key for `purpose`, usable by jose (HS256) and `crypto.subtle.sign`. Cached per
 * (secret, purpose).
 *
 * @example
 * ```ts
 * const key = await deriveHmacKey(secret, "session");
 * const jws = await new SignJWT({ sid }).setProtectedHeader({ alg: "HS256" }).sign(key);
 * ```
 */
export function deriveHmacKey(secret: string, purpose: string): Promise<CryptoKey> {
  return deriveKey(secret, "hmac", purpose);
}

/**
 * An AES-256-GCM key for `purpose`. Cached per (secret, purpose).
 *
 * @example
 * ```ts
 * const key = await deriveAesKey(secret, "totp-secret");
 * ```
 */
export function deriveAesKey(secret: string, purpose: string): Promise<CryptoKey> {
  return deriveKey(secret, "aes", purpose);
}

function additionalData(purpose: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`vps-sentry:seal:${purpose}`);
}

function b64url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

/**
 * Encrypts `plaintext` with AES-256-GCM under the key for `purpose`, with a random 12-byte IV and
 * the purpose as additional data. Output: `v1.<iv b64url>.<ciphertext+tag b64url>`.
 *
 * @example
 * ```ts
 * const sealed = await sealString(secret, "totp-secret", "JBSWY3DPEHPK3PXP");
 * await openString(secret, "totp-secret", sealed); // "JBSWY3DPEHPK3PXP"
 * ```
 */
export async function sealString(
  secret: string,
  purpose: string,
  plaintext: string,
): Promise<string> {
  const key = await deriveAesKey(secret, purpose);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: additionalData(purpose) },
    key,
    encoder.encode(plaintext),
  );
  return `${SEAL_VERSION}.${b64url(iv)}.${b64url(new Uint8Array(ciphertext))}`;
}

/**
 * Opens a value made by {@link sealString} with the same secret and purpose. Throws
 * {@link SealedValueError} when the value is malformed, was tampered with, or was sealed under
 * another secret or purpose (e.g. after APP_SECRET changed).
 *
 * @example
 * ```ts
 * const totpSecret = await openString(secret, "totp-secret", user.totpSecretSealed);
 * ```
 */
export async function openString(secret: string, purpose: string, sealed: string): Promise<string> {
  const parts = sealed.split(".");
  if (parts.length !== 3 || parts[0] !== SEAL_VERSION) {
    throw new SealedValueError(
      `Sealed value is not in the ${SEAL_VERSION}.<iv>.<ciphertext> format; it was not made by sealString`,
    );
  }
  let iv: Uint8Array<ArrayBuffer>;
  let ciphertext: Uint8Array<ArrayBuffer>;
  try {
    iv = Uint8Array.fromBase64(parts[1], { alphabet: "base64url" });
    ciphertext = Uint8Array.fromBase64(parts[2], { alphabet: "base64url" });
  } catch (error) {
    throw new SealedValueError("Sealed value is not valid base64url", { cause: error });
  }
  if (iv.length !== IV_BYTES) {
    throw new SealedValueError(`Sealed value has a ${iv.length}-byte IV; expected ${IV_BYTES}`);
  }
  const key = await deriveAesKey(secret, purpose);
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: additionalData(purpose) },
      key,
      ciphertext,
    );
    return decoder.decode(plaintext);
  } catch (error) {
    throw new SealedValueError(
      `Sealed value does not open for purpose "${purpose}": it was altered, or sealed under ` +
        "another APP_SECRET or purpose (if APP_SECRET changed, the value must be set up again)",
      { cause: error },
    );
  }
}
