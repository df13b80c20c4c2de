/**
 * `users`: operator accounts, their password hash and second-factor state. E-mails are stored
 * trimmed and lower-cased ({@link normalizeEmail}), so lookups are case-insensitive.
 *
 * @module
 */

import { ulid } from "ulid";
import { isUniqueViolation } from "../db/ledger/transaction.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import type { LedgerDb } from "./orgs.ts";

/** A stored user. */
export interface User {
  id: string;
  email: string;
  name: string;
  /** `scrypt$…` (see `lib/auth/password.ts`); null for accounts without a password. */
  passwordHash: string | null;
  /** The TOTP secret, sealed with the app secret; null when TOTP is off. */
  totpSecretSealed: string | null;
  totpEnabledAt: Date | null;
  /** How many unused recovery codes remain. */
  recoveryCodesLeft: number;
  /** The last accepted TOTP time step (replay protection). */
  lastTotpStep: number | null;
  createdAt: Date;
  disabledAt: Date | null;
}

/** Longest e-mail address (RFC 5321 path limit). */
export const EMAIL_MAX_LENGTH = 254;
/** Longest display name. */
export const USER_NAME_MAX_LENGTH = 100;

const EMAIL =
  /^[^\s@<>()[\]\\,;:"]{1,64}@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/i;

/**
 * The stored form of an e-mail: trimmed, lower-cased.
 *
 * @example
 * ```ts
 * normalizeEmail("  Ops@Example.COM "); // "ops@example.com"
 * ```
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Checks an (already normalized) e-mail address. Returns what is wrong, or null.
 *
 * @example
 * ```ts
 * validateEmail("ops@example.com"); // null
 * validateEmail("ops");             // "expected an address like name@example.com, got \"ops\""
 * ```
 */
export function validateEmail(email: string): string | null {
  if (email.length > EMAIL_MAX_LENGTH) {
    return `must be at most ${EMAIL_MAX_LENGTH} characters (got ${email.length})`;
  }
  if (!EMAIL.test(email)) {
    return `expected an address like name@example.com, got ${JSON.stringify(email.slice(0, 80))}`;
  }
  return null;
}

type UserRow = {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  totp_secret_sealed: string | null;
  totp_enabled_at: Date | string | null;
  recovery_codes: string | null;
  last_totp_step: number | string | bigint | null;
  created_at: Date | string;
  disabled_at: Date | string | null;
};

function parseCodes(stored: string | null): string[] {
  if (stored === null) return [];
  const parsed: unknown = JSON.parse(stored);
  return Array.isArray(parsed) ? parsed.filter((v): v is string => typeof v === "string") : [];
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    passwordHash: row.password_hash,
    totpSecretSealed: row.totp_secret_sealed,
    totpEnabledAt: toDateOrNull(row.totp_enabled_at),
    recoveryCodesLeft: parseCodes(row.recovery_codes).length,
    lastTotpStep: row.last_totp_step === null ? null : Number(row.last_totp_step),
    createdAt: toDate(row.created_at),
    disabledAt: toDateOrNull(row.disabled_at),
  };
}

/**
 * Creates a user. The e-mail is normalized; 400 `invalid_email` / `invalid_name` for bad input,
 * 409 `email_taken` when an account has that address (decided by the unique constraint). An
 * empty name becomes the e-mail's local part.
 *
 * @example
 * ```ts
 * const user = await createUser(ledger, {
 *   email: "ops@example.com",
 *   name: "Ops",
 *   passwordHash: await hashPassword(password, config.passwordHashCost),
 * });
 * ```
 */
export async function createUser(
  ledger: LedgerDb,
  input: { email: string; name: string; passwordHash: string | null; now?: Date },
): Promise<User> {
  const email = normalizeEmail(input.email);
  const emailProblem = validateEmail(email);
  if (emailProblem) {
    throw new HttpError(400, `email: ${emailProblem}`, {
      code: "invalid_email",
      details: { field: "email" },
    });
  }
  const name = input.name.trim() || email.split("@")[0];
  if (name.length > USER_NAME_MAX_LENGTH) {
    throw new HttpError(400, `name: expected at most ${USER_NAME_MAX_LENGTH} characters`, {
      code: "invalid_name",
      details: { field: "name" },
    });
  }
  const createdAt = input.now ?? new Date();
  const user: User = {
    id: ulid(createdAt.getTime()),
    email,
    name,
    passwordHash: input.passwordHash,
    totpSecretSealed: null,
    totpEnabledAt: null,
    recoveryCodesLeft: 0,
    lastTotpStep: null,
    createdAt,
    disabledAt: null,
  };
  try {
    await ledger.db.insertInto("users").values({
      id: user.id,
      email,
      name,
      password_hash: user.passwordHash,
      created_at: createdAt,
    }).execute();
  } catch (error) {
    if (isUniqueViolation(error, "email")) {
      throw new HttpError(409, `email: an account with ${email} already exists`, {
        code: "email_taken",
        details: { field: "email" },
      });
    }
    throw error;
  }
  return user;
}

/**
 * The user with id `id`, or null.
 *
 * @example
 * ```ts
 * const user = await getUser(ledger, session.userId);
 * ```
 */
export async function getUser(ledger: LedgerDb, id: string): Promise<User | null> {
  const row = await ledger.db.selectFrom("users").selectAll().where("id", "=", id)
    .executeTakeFirst();
  return row ? toUser(row) : null;
}

/**
 * The user with this e-mail (normalized first), or null.
 *
 * @example
 * ```ts
 * const user = await getUserByEmail(ledger, " Ops@Example.com");
 * ```
 */
export async function getUserByEmail(ledger: LedgerDb, email: string): Promise<User | null> {
  const row = await ledger.db.selectFrom("users").selectAll()
    .where("email", "=", normalizeEmail(email)).executeTakeFirst();
  return row ? toUser(row) : null;
}

/**
 * How many users exist (0 means first-run setup is open).
 *
 * @example
 * ```ts
 * const setupOpen = await countUsers(ledger) === 0;
 * ```
 */
export async function countUsers(ledger: LedgerDb): Promise<number> {
  const row = await ledger.db.selectFrom("users")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Replaces the password hash (null removes the password). Returns false for an unknown user.
 *
 * @example
 * ```ts
 * await setPasswordHash(ledger, user.id, await hashPassword(newPassword, cost));
 * ```
 */
export async function setPasswordHash(
  ledger: LedgerDb,
  userId: string,
  passwordHash: string | null,
): Promise<boolean> {
  const result = await ledger.db.updateTable("users").set({ password_hash: passwordHash })
    .where("id", "=", userId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Turns TOTP on with a sealed secret, or off with null. Either way the replay marker
 * (`last_totp_step`) is reset, since it belongs to the previous secret. Returns false for an
 * unknown user.
 *
 * @example
 * ```ts
 * await setTotp(ledger, user.id, { sealedSecret, enabledAt: clock.now() });
 * await setTotp(ledger, user.id, null); // off
 * ```
 */
export async function setTotp(
  ledger: LedgerDb,
  userId: string,
  totp: { sealedSecret: string; enabledAt: Date } | null,
): Promise<boolean> {
  const result = await ledger.db.updateTable("users").set({
    totp_secret_sealed: totp?.sealedSecret ?? null,
    totp_enabled_at: totp?.enabledAt ?? null,
    last_totp_step: null,
  }).where("id", "=", userId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Replaces the recovery codes with `hashes` (an empty list removes them). Returns false for an
 * unknown user.
 *
 * @example
 * ```ts
 * const { codes, hashes } = await generateRecoveryCodes(10);
 * await setRecoveryCodes(ledger, user.id, hashes);
 * ```
 */
export async function setRecoveryCodes(
  ledger: LedgerDb,
  userId: string,
  hashes: string[],
): Promise<boolean> {
  const result = await ledger.db.updateTable("users")
    .set({ recovery_codes: hashes.length === 0 ? null : JSON.stringify(hashes) })
    .where("id", "=", userId).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** How often {@link consumeRecoveryCode} retries when another consumption changed the list. */
const CONSUME_ATTEMPTS = 5;

/**
 * Uses up the recovery code whose hash is `hash`: true the first time, false after (or when
 * it was never issued). Atomic on both dialects: the update only applies if the stored list is
 * still the one read (compare-and-swap), retried a few times if another code was consumed
 * concurrently.
 *
 * @example
 * ```ts
 * const ok = await consumeRecoveryCode(ledger, user.id, await hashRecoveryCode(code));
 * ```
 */
export async function consumeRecoveryCode(
  ledger: LedgerDb,
  userId: string,
  hash: string,
): Promise<boolean> {
  for (let attempt = 0; attempt < CONSUME_ATTEMPTS; attempt++) {
    const row = await ledger.db.selectFrom("users").select("recovery_codes")
      .where("id", "=", userId).executeTakeFirst();
    if (!row || row.recovery_codes === null) return false;
    const codes = parseCodes(row.recovery_codes);
    const index = codes.indexOf(hash);
    if (index === -1) return false;
    codes.splice(index, 1);
    const result = await ledger.db.updateTable("users")
      .set({ recovery_codes: codes.length === 0 ? null : JSON.stringify(codes) })
      .where("id", "=", userId)
      .where("recovery_codes", "=", row.recovery_codes)
      .executeTakeFirst();
    if (result.numUpdatedRows > 0n) return true;
  }
  return false;
}

/**
 * Records that TOTP time step `step` was used: true only when `step` is later than the last
 * accepted one (one atomic conditional update), so a code cannot be replayed, even by two
 * concurrent sign-ins.
 *
 * @example
 * ```ts
 * const step = verifyTotp(secret, code, now); // the matching step, or null
 * const ok = step !== null && await recordTotpStep(ledger, user.id, step);
 * ```
 */
export async function recordTotpStep(
  ledger: LedgerDb,
  userId: string,
  step: number,
): Promise<boolean> {
  if (!Number.isSafeInteger(step) || step < 0) return false;
  const result = await ledger.db.updateTable("users").set({ last_totp_step: step })
    .where("id", "=", userId)
    .where((eb) => eb.or([eb("last_totp_step", "is", null), eb("last_totp_step", "<", step)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
