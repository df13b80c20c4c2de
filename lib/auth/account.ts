/**
 * Account operations: first-run setup, magic links, password reset and change,
 * TOTP enrolment, recovery codes and sign-out. Each writes its audit entry.
 */
import { HttpError } from "../fresh/mod.ts";
import type { Services } from "../services.ts";
import { auditForClient } from "./request_audit.ts";
import {
  countUsers,
  createUser,
  getUser,
  getUserByEmail,
  setPasswordHash,
  setRecoveryCodes,
  setTotp,
} from "../orgs/users.ts";
import { createOrg } from "../orgs/orgs.ts";
import { addMember } from "../orgs/members.ts";
import { hashPassword, validatePassword, verifyPassword } from "./password.ts";
import { consumeToken, issueToken, peekToken, type TokenFailure } from "./tokens.ts";
import { magicLinkMail, passwordResetMail } from "../mail/templates.ts";
import { createTotpEnrolment, generateRecoveryCodes, verifyTotp } from "./totp.ts";
import { openString, sealString } from "./keys.ts";
import { revokeAllSessions, revokeSession } from "./sessions.ts";
import {
  afterFirstFactor,
  type ClientInfo,
  type SignInResult,
  TOTP_SEAL_PURPOSE,
} from "./signin.ts";
import { appSecretOf } from "./secret.ts";
import type { ActorRef } from "./roles.ts";
import { sessionKey } from "../db/kv.ts";

const MAGIC_LINK_TTL_MIN = 15;
const RESET_TTL_MIN = 30;
const TOTP_PENDING_TTL_MS = 10 * 60 * 1000;

function userActor(user: { id: string; email: string }): ActorRef {
  return { type: "user", id: user.id, label: user.email };
}

function weakPassword(password: string): void {
  const problem = validatePassword(password);
  if (problem) {
    throw new HttpError(400, `password: ${problem}`, {
      code: "weak_password",
      details: { field: "password" },
    });
  }
}

/** E-mail flows answer 503 with the fix when SMTP is not configured, never fail silently. */
function requireMail(services: Services): void {
  if (!services.mailer.configured) {
    throw new HttpError(503, "E-mail is not configured: set SMTP_URL (see README).", {
      code: "mail_not_configured",
    });
  }
}

/** True until the first operator exists; then setup is gone for good. */
export async function setupOpen(services: Services): Promise<boolean> {
  return await countUsers(services.ledger) === 0;
}

/**
 * Creates the first owner and organization. Refused (404) once any user exists; a race of two
 * setups leaves one owner, because the second insert fails on the e-mail or the count check.
 */
export async function runFirstSetup(
  services: Services,
  input: { name: string; email: string; password: string; orgName: string; orgSlug: string },
  client: ClientInfo,
): Promise<{ userId: string; orgId: string }> {
  if (!(await setupOpen(services))) {
    throw new HttpError(404, "Setup is already done; sign in instead.");
  }
  weakPassword(input.password);
  const passwordHash = await hashPassword(input.password, services.config.passwordHashCost);
  const org = await createOrg(services.ledger, { name: input.orgName, slug: input.orgSlug });
  const user = await createUser(services.ledger, {
    email: input.email,
    name: input.name,
    passwordHash,
  });
  await addMember(services.ledger, { orgId: org.id, userId: user.id, role: "owner" });
  const actor = userActor(user);
  await auditForClient(services, client, {
    action: "org.setup",
    summary: `first-run setup: ${user.email} created ${org.name} (${org.slug}) as owner`,
    actor,
    orgId: org.id,
    target: { type: "org", id: org.id },
  });
  return { userId: user.id, orgId: org.id };
}

/**
 * Sends a sign-in link when the e-mail belongs to an operator. Answers the same either way, so
 * the form cannot be used to find accounts; mail must be configured (else 503 says so).
 */
export async function requestMagicLink(
  services: Services,
  email: string,
  client: ClientInfo,
): Promise<void> {
  requireMail(services);
  const user = await getUserByEmail(services.ledger, email);
  if (!user || user.disabledAt) return;
  const token = await issueToken(
    services.kv,
    "magic_link",
    { userId: user.id, email: user.email },
    {
      ttlMs: MAGIC_LINK_TTL_MIN * 60_000,
      now: services.clock.now(),
    },
  );
  const link = new URL(`/sign-in/link?token=${token}`, services.config.appUrl).href;
  await services.mailer.send({
    to: user.email,
    ...magicLinkMail({ link, expiresMinutes: MAGIC_LINK_TTL_MIN }),
  });
  await auditForClient(services, client, {
    orgId: null,
    action: "auth.magic_link.send",
    summary: `sign-in link sent to ${user.email}`,
    actor: { type: "anonymous", id: "" },
    target: { type: "user", id: user.id },
  });
}

const TOKEN_ERRORS = {
  unknown: "This link is not valid. Request a new one.",
  expired: "This link has expired. Request a new one.",
  used: "This link was already used. Request a new one.",
} as const;

/** A refused link is audited (someone may be guessing tokens) and explained. */
async function tokenRefused(
  services: Services,
  client: ClientInfo,
  action: string,
  reason: keyof typeof TOKEN_ERRORS,
): Promise<HttpError> {
  await auditForClient(services, client, {
    orgId: null,
    action,
    summary: `refused a ${reason} ${action.includes("magic") ? "sign-in" : "password-reset"} link`,
    actor: { type: "anonymous", id: "" },
    details: { reason },
  });
  return new HttpError(reason === "unknown" ? 400 : 410, TOKEN_ERRORS[reason], {
    code: `token_${reason}`,
    details: { field: "token" },
  });
}

/** Signs in with a magic link (first factor); TOTP users continue with their code. */
export async function signInWithMagicLink(
  services: Services,
  token: string,
  client: ClientInfo,
): Promise<SignInResult> {
  const result = await consumeToken(services.kv, "magic_link", token, services.clock.now());
  if (typeof result === "string") {
    throw await tokenRefused(services, client, "auth.magic_link.failed", result);
  }
  const user = await getUser(services.ledger, result.userId);
  if (!user || user.disabledAt) {
    throw new HttpError(410, TOKEN_ERRORS.unknown, { code: "token_unknown" });
  }
  return await afterFirstFactor(
    services,
    user.id,
    user.email,
    user.totpEnabledAt !== null,
    client,
    "magic link",
  );
}

/** Sends a password-reset link when the e-mail belongs to an operator; same answer otherwise. */
export async function requestPasswordReset(
  services: Services,
  email: string,
  client: ClientInfo,
): Promise<void> {
  requireMail(services);
  const user = await getUserByEmail(services.ledger, email);
  if (!user || user.disabledAt) return;
  const token = await issueToken(services.kv, "password_reset", {
    userId: user.id,
    email: user.email,
  }, {
    ttlMs: RESET_TTL_MIN * 60_000,
    now: services.clock.now(),
  });
  const link = new URL(`/reset/confirm?token=${token}`, services.config.appUrl).href;
  await services.mailer.send({
    to: user.email,
    ...passwordResetMail({ link, expiresMinutes: RESET_TTL_MIN }),
  });
  await auditForClient(services, client, {
    orgId: null,
    action: "auth.password_reset.request",
    summary: `password reset link sent to ${user.email}`,
    actor: { type: "anonymous", id: "" },
    target: { type: "user", id: user.id },
  });
}

/** What the reset page says about a link that was used or expired (there is nothing to retry). */
export const RESET_LINK_SPENT = "This link was already used or has expired; request a new one.";

/**
 * Whether a password-reset link still works, without using it up (the page checks before showing
 * the form; only {@link confirmPasswordReset} consumes it). Mirrors `consumeToken`'s answers.
 *
 * @example
 * ```ts
 * const state = await passwordResetLinkState(services, token); // "valid" | "unknown" | "expired" | "used"
 * ```
 */
export async function passwordResetLinkState(
  services: Pick<Services, "kv" | "clock">,
  token: string,
): Promise<"valid" | TokenFailure> {
  return await peekToken(services.kv, "password_reset", token, services.clock.now());
}

/** Sets a new password from a reset link and signs the user out everywhere. */
export async function confirmPasswordReset(
  services: Services,
  input: { token: string; password: string },
  client: ClientInfo,
): Promise<void> {
  weakPassword(input.password);
  const result = await consumeToken(
    services.kv,
    "password_reset",
    input.token,
    services.clock.now(),
  );
  if (typeof result === "string") {
    throw await tokenRefused(services, client, "auth.password_reset.failed", result);
  }
  await setPasswordHash(
    services.ledger,
    result.userId,
    await hashPassword(input.password, services.config.passwordHashCost),
  );
  await revokeAllSessions(services.kv, result.userId);
  await auditForClient(services, client, {
    orgId: null,
    action: "auth.password.reset",
    summary: `${result.email} set a new password with a reset link; all sessions ended`,
    actor: { type: "user", id: result.userId, label: result.email },
    target: { type: "user", id: result.userId },
  });
}

/** Changes the password (the current one is required) and ends every other session. */
export async function changePassword(
  services: Services,
  user: { id: string; email: string },
  input: { currentPassword: string; newPassword: string },
  client: ClientInfo & { sessionId: string },
): Promise<void> {
  const stored = await getUser(services.ledger, user.id);
  if (
    !stored?.passwordHash || !(await verifyPassword(input.currentPassword, stored.passwordHash))
  ) {
    await auditForClient(services, client, {
      orgId: null,
      action: "auth.password.change.denied",
      summary: `${user.email} gave a wrong current password`,
      actor: userActor(user),
      target: { type: "user", id: user.id },
    });
    throw new HttpError(400, "currentPassword: the current password is wrong", {
      code: "invalid_credentials",
      details: { field: "currentPassword" },
    });
  }
  if (input.newPassword.length === 0 || validatePassword(input.newPassword)) {
    throw new HttpError(400, `newPassword: ${validatePassword(input.newPassword)}`, {
      code: "weak_password",
      details: { field: "newPassword" },
    });
  }
  if (input.newPassword === input.currentPassword) {
    throw new HttpError(400, "newPassword: choose a password different from the current one", {
      code: "same_password",
      details: { field: "newPassword" },
    });
  }
  await setPasswordHash(
    services.ledger,
    user.id,
    await hashPassword(input.newPassword, services.config.passwordHashCost),
  );
  await revokeAllSessions(services.kv, user.id, { except: client.sessionId });
  await auditForClient(services, client, {
    orgId: null,
    action: "auth.password.change",
    summary: `${user.email} changed their password; other sessions ended`,
    actor: userActor(user),
    target: { type: "user", id: user.id },
  });
}

/** KV key of a TOTP enrolment awaiting its first code. */
export const totpEnrolmentKey = (userId: string): Deno.KvKey => ["totp_enrolment", userId];

/** Starts TOTP enrolment: a new secret, kept sealed in KV until a code proves the app has it. */
export async function startTotpEnrolment(services: Services, user: { id: string; email: string }) {
  const enrolment = await createTotpEnrolment({ issuer: "VPS Sentry", account: user.email });
  const sealed = await sealString(
    appSecretOf(services.config),
    TOTP_SEAL_PURPOSE,
    enrolment.secret,
  );
  await services.kv.set(totpEnrolmentKey(user.id), sealed, { expireIn: TOTP_PENDING_TTL_MS });
  return enrolment;
}

/**
 * Confirms TOTP with a code from the app, switches it on and returns fresh recovery codes
 * (shown once).
 */
export async function confirmTotpEnrolment(
  services: Services,
  user: { id: string; email: string },
  code: string,
  client: ClientInfo,
): Promise<{ recoveryCodes: string[] }> {
  // Checked first: a reload of the confirming POST (or a second tab) after set-up finished must
  // not claim the set-up expired.
  if ((await getUser(services.ledger, user.id))?.totpEnabledAt) {
    throw new HttpError(
      409,
      "Two-step verification is already on. To get new recovery codes, use “Make new recovery codes”.",
      { code: "totp_already_enabled" },
    );
  }
  const pending = await services.kv.get<string>(totpEnrolmentKey(user.id));
  if (pending.versionstamp === null) {
    throw new HttpError(409, "Start the authenticator set-up again; it expired after 10 minutes.", {
      code: "totp_not_started",
    });
  }
  const secret = await openString(appSecretOf(services.config), TOTP_SEAL_PURPOSE, pending.value);
  if (
    !/^\d{6}$/.test(code.trim()) ||
    verifyTotp(secret, code.trim(), services.clock.now(), { window: 1 }) === null
  ) {
    throw new HttpError(
      400,
      "code: that code does not match; check the time on your device and try the current code",
      {
        code: "invalid_code",
        details: { field: "code" },
      },
    );
  }
  const recovery = await generateRecoveryCodes(10);
  await setTotp(services.ledger, user.id, {
    sealedSecret: pending.value,
    enabledAt: services.clock.now(),
  });
  await setRecoveryCodes(services.ledger, user.id, recovery.hashes);
  await services.kv.delete(totpEnrolmentKey(user.id));
  await auditForClient(services, client, {
    orgId: null,
    action: "auth.totp.enable",
    summary: `${user.email} turned on two-factor sign-in`,
    actor: userActor(user),
    target: { type: "user", id: user.id },
  });
  return { recoveryCodes: recovery.codes };
}

/** Turns TOTP off; needs the current password. */
export async function disableTotp(
  services: Services,
  user: { id: string; email: string },
  password: string,
  client: ClientInfo,
): Promise<void> {
  const stored = await getUser(services.ledger, user.id);
  if (!stored?.passwordHash || !(await verifyPassword(password, stored.passwordHash))) {
    throw new HttpError(400, "password: the password is wrong", {
      code: "invalid_credentials",
      details: { field: "password" },
    });
  }
  await setTotp(services.ledger, user.id, null);
  await setRecoveryCodes(services.ledger, user.id, []);
  await auditForClient(services, client, {
    orgId: null,
    action: "auth.totp.disable",
    summary: `${user.email} turned off two-factor sign-in`,
    actor: userActor(user),
    target: { type: "user", id: user.id },
  });
}

/** Replaces the recovery codes (old ones stop working); returns the new ones, shown once. */
export async function regenerateRecoveryCodes(
  services: Services,
  user: { id: string; email: string },
  client: ClientInfo,
): Promise<string[]> {
  const recovery = await generateRecoveryCodes(10);
  await setRecoveryCodes(services.ledger, user.id, recovery.hashes);
  await auditForClient(services, client, {
    orgId: null,
    action: "auth.recovery_codes.regenerate",
    summary: `${user.email} generated new recovery codes`,
    actor: userActor(user),
    target: { type: "user", id: user.id },
  });
  return recovery.codes;
}

/** Ends this session, or every session of the operator; audited in the global chain. */
export async function signOut(
  services: Services,
  auth: { user: { id: string; email: string }; session: { id: string } },
  client: ClientInfo,
  scope: "this" | "everywhere",
): Promise<void> {
  if (scope === "this") await revokeSession(services.kv, auth.user.id, auth.session.id);
  else await revokeAllSessions(services.kv, auth.user.id);
  await auditForClient(services, client, {
    orgId: null,
    actor: userActor(auth.user),
    action: scope === "this" ? "auth.sign_out" : "auth.sign_out_everywhere",
    summary: `${auth.user.email} signed out${scope === "this" ? "" : " everywhere"}`,
  });
}

/** Ends one of the operator's other sessions; an id that is not theirs (or is this one) is a 404. */
export async function endSession(
  services: Services,
  auth: { user: { id: string; email: string }; session: { id: string } },
  sessionId: string,
  client: ClientInfo,
): Promise<void> {
  // The record itself, not a page of the list: an operator with many sessions can end any.
  const record = sessionId.length <= 64
    ? (await services.kv.get<{ userId: string }>(sessionKey(sessionId))).value
    : null;
  const mine = record?.userId === auth.user.id;
  if (!mine || sessionId === auth.session.id) {
    throw new HttpError(404, "No such session: it may have ended already.", {
      details: { field: "sessionId" },
    });
  }
  await revokeSession(services.kv, auth.user.id, sessionId);
  await auditForClient(services, client, {
    orgId: null,
    actor: userActor(auth.user),
    action: "auth.session.revoke",
    summary: `${auth.user.email} ended a session`,
    target: { type: "session", id: sessionId },
  });
}
