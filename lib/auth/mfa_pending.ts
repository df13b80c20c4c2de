/**
 * The step between a correct password and a correct second factor: a short-lived
 * KV record keyed by the SHA-256 of a random token, so the password is never sent twice.
 */
const MFA_PENDING_TTL_MS = 5 * 60 * 1000;
/** Wrong codes allowed on one pending sign-in before it must start over. */
export const MFA_MAX_ATTEMPTS = 5;

export interface MfaPending {
  userId: string;
  email: string;
  attempts: number;
  expiresAt: string;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return new Uint8Array(digest).toHex();
}

/** KV key of a pending second-factor step. */
export const mfaPendingKey = (tokenHash: string): Deno.KvKey => ["mfa_pending", tokenHash];

/**
 * Starts a second-factor step; returns the token the form carries.
 *
 * @example
 * ```ts
 * const token = await startMfa(kv, { userId, email }, now);
 * ```
 */
export async function startMfa(
  kv: Deno.Kv,
  user: { userId: string; email: string },
  now: Date,
): Promise<string> {
  const token = crypto.getRandomValues(new Uint8Array(32)).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
  const value: MfaPending = {
    ...user,
    attempts: 0,
    expiresAt: new Date(now.getTime() + MFA_PENDING_TTL_MS).toISOString(),
  };
  await kv.set(mfaPendingKey(await sha256Hex(token)), value, { expireIn: MFA_PENDING_TTL_MS });
  return token;
}

/** The pending step for a token, or null when unknown, expired or out of attempts. */
export async function readMfa(
  kv: Deno.Kv,
  token: string,
  now: Date,
): Promise<Deno.KvEntry<MfaPending> | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const entry = await kv.get<MfaPending>(mfaPendingKey(await sha256Hex(token)));
  if (entry.versionstamp === null) return null;
  if (
    Date.parse(entry.value.expiresAt) <= now.getTime() || entry.value.attempts >= MFA_MAX_ATTEMPTS
  ) {
    return null;
  }
  return entry;
}

/** Counts a wrong code (atomically, so parallel guesses all count). */
export async function failMfa(kv: Deno.Kv, entry: Deno.KvEntry<MfaPending>): Promise<void> {
  let current: Deno.KvEntryMaybe<MfaPending> = entry;
  for (let i = 0; i < 5 && current.versionstamp !== null; i++) {
    const next = { ...current.value, attempts: current.value.attempts + 1 };
    const res = await kv.atomic().check(current).set(current.key, next, {
      expireIn: MFA_PENDING_TTL_MS,
    }).commit();
    if (res.ok) return;
    current = await kv.get<MfaPending>(entry.key);
  }
}

/** Ends the step once used: a token signs in once. Returns false if someone else used it first. */
export async function finishMfa(kv: Deno.Kv, entry: Deno.KvEntry<MfaPending>): Promise<boolean> {
  return (await kv.atomic().check(entry).delete(entry.key).commit()).ok;
}
