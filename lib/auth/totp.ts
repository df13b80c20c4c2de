/**
 * TOTP second factor (RFC 6238 with npm `otpauth`: SHA-1, 6 digits, 30 s steps, which every
 * authenticator app supports) and recovery codes.
 *
 * Replay: {@link verifyTotp} returns the matched time step; the caller stores the last accepted
 * step per user and refuses a step that is not newer, so one code signs in once.
 *
 * @module
 */

import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";

/** Seconds per TOTP time step. */
export const TOTP_PERIOD_S = 30;
/** Digits per TOTP code. */
export const TOTP_DIGITS = 6;
/** Bytes of a new TOTP secret (160 bits, the RFC 4226 recommendation for SHA-1). */
const TOTP_SECRET_BYTES = 20;

/**
 * Alphabet of recovery codes: Crockford's base32 in lowercase, which leaves out the look-alikes
 * i, l, o and u; {@link normalizeRecoveryCode} reads i/l as 1 and o as 0. 32 symbols, so one
 * random byte masked to 5 bits picks a symbol without bias.
 */
export const RECOVERY_CODE_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
/** Symbols per recovery code (shown as two groups of five: 50 random bits). */
const RECOVERY_CODE_LENGTH = 10;

/** What {@link createTotpEnrolment} returns; show `qrSvg` and `secret`, keep `secret` sealed. */
export interface TotpEnrolment {
  /** The shared secret, base32 (what a user types when they cannot scan). */
  secret: string;
  /** `otpauth://totp/…` key URI for authenticator apps. */
  uri: string;
  /** The URI as an SVG QR code (paths with presentation attributes only: no styles, no scripts). */
  qrSvg: string;
}

function totpFor(secret: Secret, issuer = "", account = "OTPAuth"): TOTP {
  return new TOTP({
    issuer,
    label: account,
    secret,
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
  });
}

/**
 * A new TOTP secret with its key URI and QR code, for the enrolment page.
 *
 * @example
 * ```ts
 * const { secret, uri, qrSvg } = await createTotpEnrolment({
 *   issuer: "VPS Sentry",
 *   account: "ops@example.com",
 * });
 * uri; // "otpauth://totp/VPS%20Sentry:ops%40example.com?issuer=VPS%20Sentry&secret=…"
 * ```
 */
export async function createTotpEnrolment(
  input: { issuer: string; account: string },
): Promise<TotpEnrolment> {
  const secret = new Secret({ size: TOTP_SECRET_BYTES });
  const uri = totpFor(secret, input.issuer, input.account).toString();
  const svg = await QRCode.toString(uri, { type: "svg", errorCorrectionLevel: "M", margin: 4 });
  const qrSvg = svg.trim().replace(
    /^<svg /,
    '<svg role="img" aria-label="QR code for your authenticator app" ',
  );
  return { secret: secret.base32, uri, qrSvg };
}

function secretFromBase32(secretBase32: string): Secret {
  try {
    return Secret.fromBase32(secretBase32);
  } catch (error) {
    throw new TypeError("TOTP secret is not valid base32; enrol the authenticator again", {
      cause: error,
    });
  }
}

/**
 * Checks a 6-digit code at `now`, accepting `window` steps either side (clock drift). Returns the
 * matched time step (store it; refuse steps that are not newer), or null. Anything but exactly six
 * digits (spaces are ignored) is rejected.
 *
 * @example
 * ```ts
 * const step = verifyTotp(secret, "123456", clock.now(), { window: 1 });
 * if (step === null || step <= user.lastTotpStep) throw new HttpError(401, "Wrong code");
 * ```
 */
export function verifyTotp(
  secretBase32: string,
  code: string,
  now: Date,
  options: { window?: number } = {},
): number | null {
  const token = code.replace(/\s+/g, "");
  if (!/^\d{6}$/.test(token)) return null;
  const window = options.window ?? 1;
  const timestamp = now.getTime();
  const delta = TOTP.validate({
    token,
    secret: secretFromBase32(secretBase32),
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
    timestamp,
    window,
  });
  if (delta === null) return null;
  return TOTP.counter({ period: TOTP_PERIOD_S, timestamp }) + delta;
}

/**
 * The code an authenticator shows at `now` (tests and the CLI use it).
 *
 * @example
 * ```ts
 * verifyTotp(secret, currentTotp(secret, now), now); // the current step
 * ```
 */
export function currentTotp(secretBase32: string, now: Date): string {
  return totpFor(secretFromBase32(secretBase32)).generate({ timestamp: now.getTime() });
}

/**
 * A recovery code in its canonical form for hashing: lowercase, without spaces or dashes, with the
 * look-alikes read as Crockford does (o → 0, i/l → 1), so "ABCDE-FGHJK" and "abcde fghjk" match.
 *
 * @example
 * ```ts
 * normalizeRecoveryCode(" 7K2QO-MX4LV "); // "7k2q0mx41v"
 * ```
 */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]+/g, "").replace(/o/g, "0").replace(/[il]/g, "1");
}

/**
 * SHA-256 hex of the normalized code. A fast hash is right here: each code carries 50 random
 * bits, so there is nothing a slow KDF would protect that the entropy does not already (a stolen
 * hash still needs ~2^49 guesses per code, and a code is only a second factor behind the
 * scrypt-hashed password), while checking ten codes with scrypt would make every recovery
 * sign-in ten times slower. No salt is needed either: codes are random, never shared between users.
 *
 * @example
 * ```ts
 * const ok = user.recoveryHashes.includes(await hashRecoveryCode(input));
 * ```
 */
export async function hashRecoveryCode(code: string): Promise<string> {
  const bytes = new TextEncoder().encode(normalizeRecoveryCode(code));
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)).toHex();
}

function randomRecoveryCode(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(RECOVERY_CODE_LENGTH));
  const symbols = Array.from(bytes, (b) => RECOVERY_CODE_ALPHABET[b & 31]).join("");
  return `${symbols.slice(0, 5)}-${symbols.slice(5)}`;
}

/**
 * `n` distinct recovery codes (`xxxxx-xxxxx`, shown to the user once) and their hashes (stored).
 *
 * @example
 * ```ts
 * const { codes, hashes } = await generateRecoveryCodes();
 * codes[0]; // "7k2q0-mx4tv"
 * ```
 */
export async function generateRecoveryCodes(
  n = 10,
): Promise<{ codes: string[]; hashes: string[] }> {
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new RangeError(`Recovery code count must be an integer 1-100, got ${n}`);
  }
  const unique = new Set<string>();
  while (unique.size < n) unique.add(randomRecoveryCode());
  const codes = [...unique];
  return { codes, hashes: await Promise.all(codes.map(hashRecoveryCode)) };
}
