/**
 * Sign-in sessions: a record in Deno KV (so sessions can be listed and revoked) bound to a signed
 * cookie. The cookie is a compact JWS (HS256, key derived from APP_SECRET for "session") holding
 * `{ sid, uid, iat, exp }`; it proves which record to load, the record decides whether the session
 * is still alive (idle timeout, absolute lifetime, revocation).
 *
 * KV layout (keys from `lib/db/kv.ts`): `["sessions", id] → Session` and
 * `["sessions_by_user", userId, id] → id`, written in one atomic, both with
 * `expireIn` = the remaining absolute lifetime (a garbage-collection backstop; expiry is decided
 * by comparing the stored timestamps with `now`).
 *
 * @module
 */

import { errors, type JWTPayload, jwtVerify, SignJWT } from "jose";
import { ulid } from "ulid";
import { sessionKey, sessionsByUserKey, sessionsByUserPrefix } from "../db/kv.ts";
import { HttpError } from "../fresh/errors.ts";
import { deriveHmacKey } from "./keys.ts";

export {
  clearSessionCookieHeader,
  sessionCookieHeader,
  sessionCookieName,
} from "./session_cookie.ts";

/** One session as stored in KV. Times are ISO 8601. */
export interface Session {
  /** ULID: sorts by creation time. */
  id: string;
  userId: string;
  createdAt: string;
  /** Last recorded activity; written at most once per {@link SESSION_TOUCH_INTERVAL_MS}. */
  lastSeenAt: string;
  /** Absolute end of the session, however active it is. */
  expiresAt: string;
  ip: string;
  userAgent: string;
  /** True when the session was opened with a second factor. */
  mfa: boolean;
  /** The organization the operator acts in (checked against memberships by the caller). */
  activeOrgId: string | null;
}

/** What the caller decides when a session starts. */
export type NewSession = Pick<Session, "userId" | "ip" | "userAgent" | "mfa" | "activeOrgId">;

/** What a rotation may change. */
export type SessionPatch = Partial<NewSession>;

/** Timeouts from config (`SESSION_IDLE_MINUTES`, `SESSION_MAX_HOURS`) and the clock. */
export interface SessionLifetime {
  idleMinutes: number;
  maxHours: number;
  now: Date;
}

/** A session and the cookie value that refers to it. */
export interface IssuedSession {
  session: Session;
  /** Compact JWS for the session cookie. */
  token: string;
}

/** `lastSeenAt` is written at most this often, so a page view is not a KV write every time. */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;
/** Default and largest page of {@link listSessions}. */
export const SESSION_LIST_LIMIT = 50;
const SESSION_LIST_MAX = 500;
/** Longest stored user agent / address (both come from request headers). */
const USER_AGENT_MAX = 512;
const IP_MAX = 64;
/** Key purpose of the cookie signature. */
const COOKIE_KEY_PURPOSE = "session";
/** Optimistic write attempts before giving up. */
const MAX_ATTEMPTS = 5;
/** Session pairs deleted per atomic (two deletes each, well under the 1,000-mutation limit). */
const DELETE_BATCH = 200;

/**
 * Seconds the session has left before its absolute expiry: the cookie's `Max-Age`.
 *
 * @example
 * ```ts
 * sessionCookieHeader(token, { secure, maxAgeS: sessionMaxAgeS(session, clock.now()) });
 * ```
 */
export function sessionMaxAgeS(session: Session, now: Date): number {
  return Math.max(0, Math.floor((Date.parse(session.expiresAt) - now.getTime()) / 1000));
}

function remainingMs(session: Session, now: Date): number {
  return Date.parse(session.expiresAt) - now.getTime();
}

function requireLifetime(opts: { idleMinutes?: number; maxHours?: number; now?: Date }): void {
  for (const name of ["idleMinutes", "maxHours"] as const) {
    const value = opts[name];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new RangeError(
        `Session ${name} must be a positive number (SESSION_IDLE_MINUTES / SESSION_MAX_HOURS), got ${value}`,
      );
    }
  }
  if (opts.now !== undefined && Number.isNaN(opts.now.getTime())) {
    throw new RangeError("Session `now` is an invalid Date");
  }
}

async function signToken(secret: string, session: Session): Promise<string> {
  return await new SignJWT({ sid: session.id, uid: session.userId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(Math.floor(Date.parse(session.lastSeenAt) / 1000))
    .setExpirationTime(Math.floor(Date.parse(session.expiresAt) / 1000))
    .sign(await deriveHmacKey(secret, COOKIE_KEY_PURPOSE));
}

function newSessionRecord(input: NewSession, now: Date, expiresAt: Date): Session {
  if (typeof input.userId !== "string" || input.userId === "") {
    throw new TypeError("A session needs a userId");
  }
  return {
    id: ulid(now.getTime()),
    userId: input.userId,
    createdAt: now.toISOString(),
    lastSeenAt: now.toISOString(),
    expiresAt: expiresAt.toISOString(),
    ip: input.ip.slice(0, IP_MAX),
    userAgent: input.userAgent.slice(0, USER_AGENT_MAX),
    mfa: input.mfa,
    activeOrgId: input.activeOrgId,
  };
}

/** Adds the writes of a new session (record + index, null-checked) to `op`. */
function writeNewSession(op: Deno.AtomicOperation, session: Session, now: Date) {
  const expireIn = Math.max(1, remainingMs(session, now));
  return op
    .check({ key: sessionKey(session.id), versionstamp: null })
    .set(sessionKey(session.id), session, { expireIn })
    .set(sessionsByUserKey(session.userId, session.id), session.id, { expireIn });
}

async function deleteSessionRecord(kv: Deno.Kv, session: Session): Promise<void> {
  await kv.atomic()
    .delete(sessionKey(session.id))
    .delete(sessionsByUserKey(session.userId, session.id))
    .commit();
}

/**
 * Starts a session after every factor passed, returning the record and the cookie value.
 *
 * @example
 * ```ts
 * const { session, token } = await createSession(kv, secret, {
 *   userId, ip, userAgent, mfa: true, activeOrgId: orgId,
 * }, { idleMinutes: config.sessionIdleMinutes, maxHours: config.sessionMaxHours, now });
 * ```
 */
export async function createSession(
  kv: Deno.Kv,
  secret: string,
  input: NewSession,
  opts: SessionLifetime,
): Promise<IssuedSession> {
  requireLifetime(opts);
  const { now } = opts;
  const expiresAt = new Date(now.getTime() + opts.maxHours * 3_600_000);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const session = newSessionRecord(input, now, expiresAt);
    // A null check on a fresh ULID only fails on a collision; a new id fixes it.
    if ((await writeNewSession(kv.atomic(), session, now).commit()).ok) {
      return { session, token: await signToken(secret, session) };
    }
  }
  throw new Error("Could not store a new session after several attempts; check Deno KV");
}

/** Verified claims of a cookie value; `expired` when only its `exp` has passed. */
interface TokenClaims {
  sid: string;
  uid: string;
  expired: boolean;
}

/** The claims of a cookie whose signature is valid, or null (malformed, bad signature). */
async function verifyToken(secret: string, token: string, now: Date): Promise<TokenClaims | null> {
  if (token.length > 2048 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) {
    return null;
  }
  let payload: JWTPayload;
  let expired = false;
  try {
    ({ payload } = await jwtVerify(token, await deriveHmacKey(secret, COOKIE_KEY_PURPOSE), {
      algorithms: ["HS256"],
      currentDate: now,
      requiredClaims: ["sid", "uid", "exp", "iat"],
    }));
  } catch (error) {
    // jose checks the signature before the claims, so an expired token's payload is authentic:
    // it names the record to clean up.
    if (!(error instanceof errors.JWTExpired)) return null;
    payload = error.payload;
    expired = true;
  }
  const { sid, uid } = payload;
  return typeof sid === "string" && typeof uid === "string" ? { sid, uid, expired } : null;
}

/**
 * The live session behind a cookie value, or null: bad or foreign signature, expired JWS, missing
 * (revoked) record, user mismatch, idle timeout or absolute expiry. An idle or expired record is
 * deleted. `lastSeenAt` is written at most once per minute, with an atomic check so a concurrent
 * revocation is not undone.
 *
 * Idle time counts from the last recorded activity, so it may end up to a minute early.
 *
 * @example
 * ```ts
 * const session = await readSession(kv, secret, cookie, {
 *   idleMinutes: config.sessionIdleMinutes,
 *   now: clock.now(),
 * });
 * ```
 */
export async function readSession(
  kv: Deno.Kv,
  secret: string,
  token: string,
  opts: { idleMinutes: number; now: Date },
): Promise<Session | null> {
  requireLifetime(opts);
  const { now } = opts;
  const claims = await verifyToken(secret, token, now);
  if (!claims) return null;
  // A strong read: an eventual one could show a just-revoked session as alive.
  const entry = await kv.get<Session>(sessionKey(claims.sid));
  if (entry.value === null) return null;
  const session = entry.value;
  if (session.userId !== claims.uid) return null;
  const idleMs = now.getTime() - Date.parse(session.lastSeenAt);
  if (claims.expired || remainingMs(session, now) <= 0 || idleMs >= opts.idleMinutes * 60_000) {
    await deleteSessionRecord(kv, session);
    return null;
  }
  if (idleMs < SESSION_TOUCH_INTERVAL_MS) return session;
  const touched: Session = { ...session, lastSeenAt: now.toISOString() };
  const res = await kv.atomic()
    .check(entry)
    .set(entry.key, touched, { expireIn: remainingMs(session, now) })
    .commit();
  if (res.ok) return touched;
  // Someone wrote first: a parallel request touched it (fine) or it was revoked (no session).
  return (await kv.get<Session>(entry.key)).value;
}

/**
 * Replaces a session by a new one with a new id (against session fixation) on sign-in over an
 * existing session and on a privilege change (second factor added, organization switched). The
 * old record goes in the same atomic, so the old cookie stops working at once.
 *
 * The absolute expiry is kept (rotating must not extend a session forever) unless
 * `renewLifetime` is set: do that only right after the user proved who they are again.
 *
 * Throws a 401 `session_ended` HttpError when the old session no longer exists (revoked or
 * expired meanwhile): the user must sign in again.
 *
 * @example
 * ```ts
 * const { token } = await rotateSession(kv, secret, auth.session, { mfa: true }, {
 *   idleMinutes: config.sessionIdleMinutes, maxHours: config.sessionMaxHours, now,
 * });
 * headers.append("set-cookie", sessionCookieHeader(token, { secure, maxAgeS }));
 * ```
 */
export async function rotateSession(
  kv: Deno.Kv,
  secret: string,
  session: Session,
  patch: SessionPatch,
  opts: SessionLifetime & { renewLifetime?: boolean },
): Promise<IssuedSession> {
  requireLifetime(opts);
  const { now } = opts;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const old = await kv.get<Session>(sessionKey(session.id));
    if (
      old.value === null || old.value.userId !== session.userId || remainingMs(old.value, now) <= 0
    ) {
      throw new HttpError(401, "Your session has ended; sign in again.", {
        code: "session_ended",
      });
    }
    const { ip, userAgent, mfa, activeOrgId, userId } = { ...old.value, ...patch };
    const expiresAt = opts.renewLifetime
      ? new Date(now.getTime() + opts.maxHours * 3_600_000)
      : new Date(old.value.expiresAt);
    const next = newSessionRecord({ ip, userAgent, mfa, activeOrgId, userId }, now, expiresAt);
    const op = kv.atomic()
      .check(old)
      .delete(old.key)
      .delete(sessionsByUserKey(old.value.userId, old.value.id));
    if ((await writeNewSession(op, next, now).commit()).ok) {
      return { session: next, token: await signToken(secret, next) };
    }
  }
  throw new HttpError(503, "The session kept changing while it was being renewed; retry.", {
    code: "session_busy",
  });
}

/**
 * Ends one session of `userId` (a session of another user is left alone). Returns whether it
 * existed.
 *
 * @example
 * ```ts
 * await revokeSession(kv, auth.user.id, params.sessionId);
 * ```
 */
export async function revokeSession(kv: Deno.Kv, userId: string, id: string): Promise<boolean> {
  const entry = await kv.get<Session>(sessionKey(id));
  if (entry.value === null || entry.value.userId !== userId) {
    await kv.delete(sessionsByUserKey(userId, id)); // a dangling pointer, if any
    return false;
  }
  await deleteSessionRecord(kv, entry.value);
  return true;
}

/**
 * Ends every session of `userId` ("sign out everywhere"), except `except` (the current one) when
 * given. Returns how many were ended.
 *
 * @example
 * ```ts
 * await revokeAllSessions(kv, user.id, { except: auth.session.id });
 * ```
 */
export async function revokeAllSessions(
  kv: Deno.Kv,
  userId: string,
  options: { except?: string } = {},
): Promise<number> {
  let revoked = 0;
  let batch: string[] = [];
  const flush = async () => {
    const op = kv.atomic();
    for (const id of batch) op.delete(sessionKey(id)).delete(sessionsByUserKey(userId, id));
    await op.commit();
    batch = [];
  };
  for await (const entry of kv.list<string>({ prefix: sessionsByUserPrefix(userId) })) {
    const id = entry.key.at(-1);
    if (typeof id !== "string" || id === options.except) continue;
    batch.push(id);
    revoked++;
    if (batch.length >= DELETE_BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  return revoked;
}

/**
 * The sessions of `userId`, newest first, at most `limit` (default 50, max 500). With `now`,
 * sessions past their absolute expiry (or idle timeout, with `idleMinutes`) are left out, and
 * the list reads on past them to fill the page. `before` (a session id, as the last of a page)
 * starts after (older than) that session, by key: it need not exist any more.
 *
 * @example
 * ```ts
 * const sessions = await listSessions(kv, user.id, { now, idleMinutes: config.sessionIdleMinutes });
 * const older = await listSessions(kv, user.id, { limit: 50, before: sessions.at(-1)!.id });
 * ```
 */
export async function listSessions(
  kv: Deno.Kv,
  userId: string,
  options: { limit?: number; now?: Date; idleMinutes?: number; before?: string } = {},
): Promise<Session[]> {
  const limit = Math.min(Math.max(1, options.limit ?? SESSION_LIST_LIMIT), SESSION_LIST_MAX);
  const prefix = sessionsByUserPrefix(userId);
  const selector: Deno.KvListSelector = options.before === undefined
    ? { prefix }
    : { prefix, end: [...prefix, options.before] };
  const live = (value: Session): boolean => {
    if (value.userId !== userId) return false;
    if (options.now && remainingMs(value, options.now) <= 0) return false;
    return !(
      options.now && options.idleMinutes !== undefined &&
      options.now.getTime() - Date.parse(value.lastSeenAt) >= options.idleMinutes * 60_000
    );
  };
  const sessions: Session[] = [];
  let ids: string[] = [];
  const load = async () => {
    const entries = await kv.getMany<Session[]>(ids.map(sessionKey));
    ids = [];
    for (const { value } of entries) {
      if (value !== null && live(value) && sessions.length < limit) sessions.push(value);
    }
  };
  // Index entries in key order (ULIDs: creation order), read in batches of ten records.
  const entries = kv.list<string>(selector, { reverse: true, batchSize: Math.min(limit, 100) });
  for await (const entry of entries) {
    if (typeof entry.value === "string") ids.push(entry.value);
    if (ids.length === 10 || ids.length >= limit - sessions.length) {
      await load();
      if (sessions.length >= limit) break;
    }
  }
  if (ids.length > 0) await load();
  return sessions;
}

/**
 * Switches the session's active organization (membership is the caller's check). Returns the
 * updated session, or null when it no longer exists.
 *
 * @example
 * ```ts
 * if (!orgs.some((o) => o.id === orgId)) throw new HttpError(404);
 * await setActiveOrg(kv, auth.session, orgId, clock.now());
 * ```
 */
export async function setActiveOrg(
  kv: Deno.Kv,
  session: Session,
  orgId: string | null,
  now: Date = new Date(),
): Promise<Session | null> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const entry = await kv.get<Session>(sessionKey(session.id));
    if (entry.value === null || entry.value.userId !== session.userId) return null;
    const remaining = remainingMs(entry.value, now);
    if (remaining <= 0) return null;
    const next: Session = { ...entry.value, activeOrgId: orgId };
    const res = await kv.atomic().check(entry).set(entry.key, next, { expireIn: remaining })
      .commit();
    if (res.ok) return next;
  }
  throw new Error("Could not switch organization: the session kept changing; retry the request");
}
