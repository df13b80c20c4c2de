/**
 * Sign-in: throttle, password (or magic link) as the first factor, TOTP or a
 * recovery code as the second, then a fresh session. Unknown e-mails and wrong
 * passwords get the same answer after the same work.
 */
import { HttpError } from "../fresh/mod.ts";
import type { Services } from "../services.ts";
import { auditForClient, type ClientInfo } from "./request_audit.ts";
import {
  consumeRecoveryCode,
  getUser,
  getUserByEmail,
  normalizeEmail,
  recordTotpStep,
} from "../orgs/users.ts";
import { listOrgsForUser } from "../orgs/orgs.ts";
import { verifyAgainstDummy, verifyPassword } from "./password.ts";
import { checkSignInAllowed, recordSignInFailure, recordSignInSuccess } from "./throttle.ts";
import { createSession, type Session } from "./sessions.ts";
import { hashRecoveryCode, verifyTotp } from "./totp.ts";
import { openString } from "./keys.ts";
import { failMfa, finishMfa, readMfa, startMfa } from "./mfa_pending.ts";
import { appSecretOf } from "./secret.ts";

export type { ClientInfo } from "./request_audit.ts";

export type SignInResult =
  | { kind: "signed_in"; session: Session; token: string }
  | { kind: "mfa_required"; mfaToken: string };

const INVALID = () =>
  new HttpError(401, "The e-mail or password is wrong.", { code: "invalid_credentials" });

/** The purpose string binding sealed TOTP secrets. */
export const TOTP_SEAL_PURPOSE = "totp-secret";

/** Sign-in events go to the global chain: they belong to a person, not one organization. */
function audit(services: Services, client: ClientInfo, input: {
  action: string;
  summary: string;
  userId?: string;
  email?: string;
  details?: Record<string, unknown>;
}) {
  return auditForClient(services, client, {
    orgId: null,
    actor: input.userId
      ? { type: "user", id: input.userId, label: input.email }
      : { type: "anonymous", id: "" },
    action: input.action,
    target: input.userId ? { type: "user", id: input.userId } : undefined,
    summary: input.summary,
    details: input.details,
  });
}

async function throttleOrThrow(services: Services, email: string, client: ClientInfo) {
  const allowed = await checkSignInAllowed(
    services.kv,
    { email, ip: client.ip },
    services.clock.now(),
  );
  if (!allowed.ok) {
    throw new HttpError(
      429,
      allowed.locked
        ? `Too many failed sign-ins; this ${
          allowed.scope === "ip" ? "address" : "account"
        } is locked for ${allowed.retryAfterS} s.`
        : `Too many failed sign-ins; wait ${allowed.retryAfterS} s before trying again.`,
      {
        code: "throttled",
        headers: { "retry-after": String(allowed.retryAfterS) },
        details: allowed,
      },
    );
  }
}

async function failure(
  services: Services,
  email: string,
  client: ClientInfo,
  userId?: string,
): Promise<never> {
  const { lockedNow } = await recordSignInFailure(
    services.kv,
    { email, ip: client.ip },
    services.clock.now(),
  );
  await audit(services, client, {
    action: "auth.sign_in.failed",
    summary: `failed sign-in for ${email}`,
    userId,
    email,
  });
  for (const scope of lockedNow) {
    await audit(services, client, {
      action: "auth.lockout",
      summary: scope === "ip"
        ? `address ${client.ip} locked after repeated failures`
        : `account ${email} locked after repeated failures`,
      userId,
      email,
      details: { scope },
    });
  }
  throw INVALID();
}

/** Opens a session for a user who passed every factor. */
export async function startSession(
  services: Services,
  userId: string,
  client: ClientInfo,
  opts: { mfa: boolean; method: string },
): Promise<{ session: Session; token: string }> {
  const { config, kv, ledger, clock } = services;
  const orgs = await listOrgsForUser(ledger, userId);
  const result = await createSession(kv, appSecretOf(config), {
    userId,
    ip: client.ip,
    userAgent: client.userAgent ?? "",
    mfa: opts.mfa,
    activeOrgId: orgs[0]?.org.id ?? null,
  }, {
    idleMinutes: config.sessionIdleMinutes,
    maxHours: config.sessionMaxHours,
    now: clock.now(),
  });
  const user = await getUser(ledger, userId);
  await audit(services, client, {
    action: "auth.sign_in",
    summary: `${user?.email ?? userId} signed in (${opts.method}${
      opts.mfa ? " + second factor" : ""
    })`,
    userId,
    email: user?.email,
    details: { method: opts.method, mfa: opts.mfa, sessionId: result.session.id },
  });
  return result;
}

/**
 * First factor by password. A user with TOTP gets `mfa_required` and a token for the second step.
 *
 * @example
 * ```ts
 * const r = await signInWithPassword(services, { email, password }, { ip });
 * if (r.kind === "mfa_required") … else setCookie(r.token)
 * ```
 */
export async function signInWithPassword(
  services: Services,
  input: { email: string; password: string },
  client: ClientInfo,
): Promise<SignInResult> {
  const email = normalizeEmail(input.email);
  await throttleOrThrow(services, email, client);
  const user = await getUserByEmail(services.ledger, email);
  const cost = services.config.passwordHashCost;
  const ok = user && !user.disabledAt && user.passwordHash
    ? await verifyPassword(input.password, user.passwordHash)
    : await verifyAgainstDummy(input.password, cost);
  if (!ok || !user) return await failure(services, email, client, user?.id);
  await recordSignInSuccess(services.kv, { email, ip: client.ip });
  return await afterFirstFactor(
    services,
    user.id,
    user.email,
    user.totpEnabledAt !== null,
    client,
    "password",
  );
}

/** After a first factor: either a session, or the second step for TOTP users. */
export async function afterFirstFactor(
  services: Services,
  userId: string,
  email: string,
  totpEnabled: boolean,
  client: ClientInfo,
  method: string,
): Promise<SignInResult> {
  if (totpEnabled) {
    return {
      kind: "mfa_required",
      mfaToken: await startMfa(services.kv, { userId, email }, services.clock.now()),
    };
  }
  return {
    kind: "signed_in",
    ...(await startSession(services, userId, client, { mfa: false, method })),
  };
}

/**
 * Second factor: a 6-digit TOTP code (each time step accepted once) or a recovery code (once).
 */
export async function completeMfa(
  services: Services,
  input: { mfaToken: string; code: string },
  client: ClientInfo,
): Promise<{ session: Session; token: string }> {
  const { kv, ledger, clock, config } = services;
  const pending = await readMfa(kv, input.mfaToken, clock.now());
  if (!pending) {
    throw new HttpError(401, "The sign-in step expired; enter your e-mail and password again.", {
      code: "mfa_expired",
    });
  }
  await throttleOrThrow(services, pending.value.email, client);
  const user = await getUser(ledger, pending.value.userId);
  if (!user || user.disabledAt || !user.totpSecretSealed) throw INVALID();
  const code = input.code.trim().toLowerCase();
  let ok = false;
  if (/^\d{6}$/.test(code)) {
    const secret = await openString(appSecretOf(config), TOTP_SEAL_PURPOSE, user.totpSecretSealed);
    const step = verifyTotp(secret, code, clock.now(), { window: 1 });
    ok = step !== null && await recordTotpStep(ledger, user.id, step);
  } else if (/^[a-z0-9]{5}-?[a-z0-9]{5}$/.test(code)) {
    ok = await consumeRecoveryCode(ledger, user.id, await hashRecoveryCode(code));
  }
  if (!ok) {
    await failMfa(kv, pending);
    await recordSignInFailure(kv, { email: user.email, ip: client.ip }, clock.now());
    await audit(services, client, {
      action: "auth.mfa.failed",
      summary: `wrong second-factor code for ${user.email}`,
      userId: user.id,
      email: user.email,
    });
    throw new HttpError(
      401,
      "That code is not valid. Use the current code from your app or a recovery code.",
      {
        code: "invalid_code",
        details: { field: "code" },
      },
    );
  }
  if (!(await finishMfa(kv, pending))) {
    throw new HttpError(409, "This sign-in was already completed.");
  }
  return await startSession(services, user.id, client, { mfa: true, method: "password" });
}
