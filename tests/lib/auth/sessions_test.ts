import assert from "node:assert/strict";
import { SignJWT } from "jose";
import { deriveHmacKey } from "@/lib/auth/keys.ts";
import { HttpError } from "@/lib/fresh/errors.ts";
import {
  clearSessionCookieHeader,
  createSession,
  listSessions,
  type NewSession,
  readSession,
  revokeAllSessions,
  revokeSession,
  rotateSession,
  type Session,
  sessionCookieHeader,
  sessionCookieName,
  sessionMaxAgeS,
  setActiveOrg,
} from "@/lib/auth/sessions.ts";
import { sessionKey, sessionsByUserKey, sessionsByUserPrefix } from "@/lib/db/kv.ts";

const SECRET = "sessions-test-secret-sessions-test-000000";
const T0 = new Date("2026-11-25T10:00:00.000Z");
const MIN = 60_000;
const HOUR = 60 * MIN;
const LIFETIME = { idleMinutes: 30, maxHours: 12 };
const at = (ms: number) => new Date(T0.getTime() + ms);

const USER: NewSession = {
  userId: "user-1",
  ip: "203.0.113.7",
  userAgent: "Mozilla/5.0 (test)",
  mfa: true,
  activeOrgId: "org-1",
};

function start(kv: Deno.Kv, input: Partial<NewSession> = {}, now = T0) {
  return createSession(kv, SECRET, { ...USER, ...input }, { ...LIFETIME, now });
}

function read(kv: Deno.Kv, token: string, now: Date, secret = SECRET) {
  return readSession(kv, secret, token, { idleMinutes: LIFETIME.idleMinutes, now });
}

async function stored(kv: Deno.Kv, id: string) {
  return (await kv.get<Session>(sessionKey(id))).value;
}

Deno.test("[auth] a created session reads back from its token", async () => {
  using kv = await Deno.openKv(":memory:");
  const { session, token } = await start(kv);
  assert.deepEqual(session, {
    id: session.id,
    userId: "user-1",
    createdAt: T0.toISOString(),
    lastSeenAt: T0.toISOString(),
    expiresAt: at(12 * HOUR).toISOString(),
    ip: "203.0.113.7",
    userAgent: "Mozilla/5.0 (test)",
    mfa: true,
    activeOrgId: "org-1",
  });
  assert.match(session.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.deepEqual(await read(kv, token, at(30_000)), session);
  assert.deepEqual(await read(kv, token, at(5 * MIN)), {
    ...session,
    lastSeenAt: at(5 * MIN).toISOString(),
  });
  assert.equal((await kv.get(sessionsByUserKey("user-1", session.id))).value, session.id);
  const [, payload] = token.split(".");
  const claims = JSON.parse(new TextDecoder().decode(
    Uint8Array.fromBase64(payload, { alphabet: "base64url" }),
  ));
  assert.deepEqual(Object.keys(claims).sort(), ["exp", "iat", "sid", "uid"]);
  assert.equal(claims.exp, (T0.getTime() + 12 * HOUR) / 1000);
});

Deno.test("[auth] tampered, foreign-secret and garbage tokens read as no session", async () => {
  using kv = await Deno.openKv(":memory:");
  const { token } = await start(kv);
  const [header, payload, signature] = token.split(".");
  const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
  assert.equal(await read(kv, `${header}.${payload}.${flipped}`, T0), null);
  const otherClaims = new TextEncoder().encode(JSON.stringify({ sid: "x", uid: "user-1" }))
    .toBase64({ alphabet: "base64url", omitPadding: true });
  assert.equal(await read(kv, `${header}.${otherClaims}.${signature}`, T0), null);
  assert.equal(await read(kv, token, T0, "another-secret-another-secret-another-00"), null);
  for (const garbage of ["", "abc", "a.b.c", `${token}.x`, "x".repeat(5000)]) {
    assert.equal(await read(kv, garbage, T0), null);
  }
});

Deno.test("[auth] a validly signed token for another user or a missing record is refused", async () => {
  using kv = await Deno.openKv(":memory:");
  const { session } = await start(kv);
  const key = await deriveHmacKey(SECRET, "session");
  const forge = (sid: string, uid: string) =>
    new SignJWT({ sid, uid }).setProtectedHeader({ alg: "HS256" })
      .setIssuedAt(T0.getTime() / 1000).setExpirationTime(T0.getTime() / 1000 + 3600).sign(key);
  assert.equal(await read(kv, await forge(session.id, "user-2"), T0), null);
  assert.equal(await read(kv, await forge("01JDX3S7Q4M0C5V2YH7R8K9ZTA", "user-1"), T0), null);
  assert.notEqual(await read(kv, await forge(session.id, "user-1"), T0), null);
});

Deno.test("[auth] an idle session ends and its record is deleted", async () => {
  using kv = await Deno.openKv(":memory:");
  const { session, token } = await start(kv);
  assert.notEqual(await read(kv, token, at(29 * MIN)), null);
  assert.equal(await read(kv, token, at(29 * MIN + 30 * MIN)), null);
  assert.equal(await stored(kv, session.id), null);
  assert.equal((await kv.get(sessionsByUserKey("user-1", session.id))).value, null);
});

Deno.test("[auth] activity keeps a session alive until its absolute expiry", async () => {
  using kv = await Deno.openKv(":memory:");
  const { session, token } = await start(kv);
  for (let t = 20 * MIN; t < 12 * HOUR; t += 20 * MIN) {
    assert.notEqual(await read(kv, token, at(t)), null, `alive at ${t / MIN} min`);
  }
  assert.equal(await read(kv, token, at(12 * HOUR)), null);
  assert.equal(await stored(kv, session.id), null, "the expired record is deleted");
});

Deno.test("[auth] lastSeenAt is written at most once per minute", async () => {
  using kv = await Deno.openKv(":memory:");
  const { session, token } = await start(kv);
  const versionstamp = async () => (await kv.get(sessionKey(session.id))).versionstamp;
  const v0 = await versionstamp();
  for (const s of [1, 10, 30, 59]) await read(kv, token, at(s * 1000));
  assert.equal(await versionstamp(), v0, "no writes within the first minute");
  const touched = await read(kv, token, at(61_000));
  assert.equal(touched?.lastSeenAt, at(61_000).toISOString());
  const v1 = await versionstamp();
  assert.notEqual(v1, v0);
  await read(kv, token, at(90_000));
  assert.equal(await versionstamp(), v1);
  assert.equal((await stored(kv, session.id))?.lastSeenAt, at(61_000).toISOString());
});

Deno.test("[auth] a touch does not resurrect a session revoked meanwhile", async () => {
  using kv = await Deno.openKv(":memory:");
  const { session, token } = await start(kv);
  const reads = Array.from({ length: 5 }, () => read(kv, token, at(2 * MIN)));
  await revokeSession(kv, "user-1", session.id);
  await Promise.all(reads);
  // Whatever order those ran in, a revoked record stays gone.
  assert.equal(await read(kv, token, at(3 * MIN)), null);
  assert.equal(await stored(kv, session.id), null);
});

Deno.test("[auth] rotation issues a new id and token and invalidates the old one", async () => {
  using kv = await Deno.openKv(":memory:");
  const { session, token } = await start(kv, { mfa: false });
  const rotated = await rotateSession(kv, SECRET, session, { mfa: true }, {
    ...LIFETIME,
    now: at(HOUR),
  });
  assert.notEqual(rotated.session.id, session.id);
  assert.notEqual(rotated.token, token);
  assert.equal(rotated.session.mfa, true);
  assert.equal(rotated.session.activeOrgId, "org-1");
  assert.equal(rotated.session.createdAt, at(HOUR).toISOString());
  assert.equal(rotated.session.expiresAt, session.expiresAt, "the absolute expiry is kept");
  assert.equal(await read(kv, token, at(HOUR)), null);
  assert.equal(await stored(kv, session.id), null);
  assert.deepEqual(await read(kv, rotated.token, at(HOUR)), rotated.session);
  assert.deepEqual((await listSessions(kv, "user-1")).map((s) => s.id), [rotated.session.id]);

  const renewed = await rotateSession(kv, SECRET, rotated.session, {}, {
    ...LIFETIME,
    now: at(2 * HOUR),
    renewLifetime: true,
  });
  assert.equal(renewed.session.expiresAt, at(14 * HOUR).toISOString());
  await assert.rejects(
    () => rotateSession(kv, SECRET, rotated.session, {}, { ...LIFETIME, now: at(2 * HOUR) }),
    (error: unknown) => error instanceof HttpError && error.status === 401,
    "an already rotated session cannot be rotated again",
  );
});

Deno.test("[auth] revoke all except the current session; revoke refuses other users", async () => {
  using kv = await Deno.openKv(":memory:");
  const a = await start(kv, {}, at(0));
  const b = await start(kv, {}, at(MIN));
  const c = await start(kv, {}, at(2 * MIN));
  const other = await start(kv, { userId: "user-2" }, at(3 * MIN));
  assert.equal(await revokeSession(kv, "user-2", a.session.id), false);
  assert.notEqual(await stored(kv, a.session.id), null);
  assert.equal(await revokeAllSessions(kv, "user-1", { except: b.session.id }), 2);
  const now = at(4 * MIN);
  assert.equal(await read(kv, a.token, now), null);
  assert.equal(await read(kv, c.token, now), null);
  assert.notEqual(await read(kv, b.token, now), null);
  assert.notEqual(await read(kv, other.token, now), null);
  assert.equal(await revokeSession(kv, "user-1", b.session.id), true);
  assert.equal(await revokeSession(kv, "user-1", b.session.id), false);
  assert.equal(await revokeAllSessions(kv, "user-1"), 0);
  const left = await Array.fromAsync(kv.list({ prefix: sessionsByUserPrefix("user-1") }));
  assert.deepEqual(left, []);
});

Deno.test("[auth] listing is newest first, bounded, and skips ended sessions", async () => {
  using kv = await Deno.openKv(":memory:");
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await start(kv, {}, at(i * MIN))).session.id);
  await start(kv, { userId: "user-2" });
  assert.deepEqual((await listSessions(kv, "user-1")).map((s) => s.id), ids.toReversed());
  assert.deepEqual(
    (await listSessions(kv, "user-1", { limit: 2 })).map((s) => s.id),
    ids.toReversed().slice(0, 2),
  );
  // At 12 h + 2.5 min the first three have passed their absolute expiry.
  assert.deepEqual(
    (await listSessions(kv, "user-1", { now: at(12 * HOUR + 2.5 * MIN) })).map((s) => s.id),
    [ids[4], ids[3]],
  );
  // 30 min idle after the fourth session started, only the fifth is still within the timeout.
  assert.deepEqual(
    (await listSessions(kv, "user-1", { now: at(33.5 * MIN), idleMinutes: 30 })).map((s) => s.id),
    [ids[4]],
  );
});

Deno.test("[auth] setActiveOrg switches the organization of a live session only", async () => {
  using kv = await Deno.openKv(":memory:");
  const { session, token } = await start(kv);
  const updated = await setActiveOrg(kv, session, "org-2", at(MIN));
  assert.equal(updated?.activeOrgId, "org-2");
  assert.equal((await read(kv, token, at(2 * MIN)))?.activeOrgId, "org-2");
  assert.equal(await setActiveOrg(kv, { ...session, userId: "user-2" }, "org-3", at(MIN)), null);
  assert.equal(await setActiveOrg(kv, session, "org-3", at(13 * HOUR)), null);
  await revokeSession(kv, "user-1", session.id);
  assert.equal(await setActiveOrg(kv, session, "org-3", at(MIN)), null);
});

Deno.test("[auth] session cookies: __Host- name and Secure only over https, never a Domain", async () => {
  assert.equal(sessionCookieName(true), "__Host-sentry_session");
  assert.equal(sessionCookieName(false), "sentry_session");
  assert.equal(
    sessionCookieHeader("a.b.c", { secure: true, maxAgeS: 3600 }),
    "__Host-sentry_session=a.b.c; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure",
  );
  assert.equal(
    sessionCookieHeader("a.b.c", { secure: false, maxAgeS: 60.9 }),
    "sentry_session=a.b.c; Path=/; Max-Age=60; HttpOnly; SameSite=Lax",
  );
  assert.equal(
    clearSessionCookieHeader(true),
    "__Host-sentry_session=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; " +
      "HttpOnly; SameSite=Lax; Secure",
  );
  assert.doesNotMatch(clearSessionCookieHeader(false), /Secure|Domain/);
  assert.throws(() => sessionCookieHeader("a;b", { secure: true, maxAgeS: 1 }), /compact JWS/);
  using kv = await Deno.openKv(":memory:");
  const { session } = await start(kv);
  assert.equal(sessionMaxAgeS(session, at(HOUR)), 11 * 3600);
  assert.equal(sessionMaxAgeS(session, at(13 * HOUR)), 0);
});
