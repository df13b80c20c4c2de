import { equal, match, ok, rejects } from "node:assert/strict";
import { HttpError } from "@/lib/fresh/mod.ts";
import { completeMfa, signInWithPassword } from "@/lib/auth/signin.ts";
import { readSession } from "@/lib/auth/sessions.ts";
import { appSecretOf } from "@/lib/auth/secret.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { confirmTotpEnrolment, startTotpEnrolment } from "@/lib/auth/account.ts";
import { currentTotp } from "@/lib/auth/totp.ts";
import { operatorWorld, TEST_PASSWORD } from "../../support/operator_world.ts";

const client = (ip = "203.0.113.7") => ({ ip, userAgent: "test", requestId: "req-1" });

async function httpError(p: Promise<unknown>): Promise<HttpError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof HttpError) return e;
    throw e;
  }
  throw new Error("expected an HttpError");
}

Deno.test("[auth] sign-in: right password opens a session; wrong and unknown answer identically", async () => {
  await using w = await operatorWorld();
  const { services } = w;
  const result = await signInWithPassword(services, {
    email: "Owner@Acme.test ",
    password: TEST_PASSWORD,
  }, client());
  equal(result.kind, "signed_in");
  if (result.kind !== "signed_in") return;
  const session = await readSession(services.kv, appSecretOf(services.config), result.token, {
    idleMinutes: 60,
    now: services.clock.now(),
  });
  equal(session?.userId, w.a.owner.userId);
  equal(session?.activeOrgId, w.orgA.id);

  const wrong = await httpError(
    signInWithPassword(
      services,
      { email: "owner@acme.test", password: "nope-nope-nope" },
      client(),
    ),
  );
  const unknown = await httpError(
    signInWithPassword(
      services,
      { email: "ghost@acme.test", password: "nope-nope-nope" },
      client(),
    ),
  );
  equal(wrong.status, 401);
  equal(unknown.status, wrong.status);
  equal(unknown.message, wrong.message);
  equal(unknown.code, wrong.code);
  const failed = await queryAudit(services.ledger, "_global", {
    action: "auth.sign_in.failed",
    limit: 10,
  });
  equal(failed.entries.length, 2, "both failures are audited, the unknown e-mail too");
});

Deno.test("[auth] brute force: failures lock the account, then the address; the lock expires", async () => {
  await using w = await operatorWorld();
  const { services } = w;
  const attempt = (email: string, ip: string) =>
    httpError(signInWithPassword(services, { email, password: "wrong-password-1" }, client(ip)));
  // Account: growing delays, then a lock. Move the clock past each delay so attempts count.
  let last: HttpError | undefined;
  for (let i = 0; i < 10; i++) {
    last = await attempt("admin@acme.test", `198.51.100.${i}`);
    if (last.status === 429) {
      services.clock.advance(
        Number((last.headers as Record<string, string>)["retry-after"]) * 1000,
      );
      last = await attempt("admin@acme.test", `198.51.100.${i}`);
    }
  }
  const locked = await httpError(
    signInWithPassword(
      services,
      { email: "admin@acme.test", password: TEST_PASSWORD },
      client("198.51.100.99"),
    ),
  );
  equal(locked.status, 429, "even the right password is refused while locked");
  match(locked.message, /locked/);
  ok(Number((locked.headers as Record<string, string>)["retry-after"]) > 0);
  services.clock.advance(16 * 60_000);
  const after = await signInWithPassword(services, {
    email: "admin@acme.test",
    password: TEST_PASSWORD,
  }, client("198.51.100.99"));
  equal(after.kind, "signed_in", "the lock expires");

  // Address: many e-mails from one address lock the address.
  let ipLocked: HttpError | undefined;
  for (let i = 0; i < 60 && !ipLocked; i++) {
    let e = await attempt(`nobody${i}@acme.test`, "192.0.2.50");
    if (e.status === 429 && !/locked/.test(e.message)) {
      // a growing delay: wait it out, then the same attempt counts
      services.clock.advance(Number((e.headers as Record<string, string>)["retry-after"]) * 1000);
      e = await attempt(`nobody${i}@acme.test`, "192.0.2.50");
    }
    if (e.status === 429 && /address is locked/.test(e.message)) ipLocked = e;
  }
  ok(ipLocked, "the address is locked after repeated failures across accounts");
  const lockouts = await queryAudit(services.ledger, "_global", {
    action: "auth.lockout",
    limit: 10,
  });
  ok(lockouts.entries.length >= 2, "each lockout is audited");
});

Deno.test("[auth] TOTP: password then code; a code is accepted once; recovery codes work once", async () => {
  await using w = await operatorWorld();
  const { services } = w;
  const user = { id: w.a.ops.userId, email: w.a.ops.email };
  const enrolment = await startTotpEnrolment(services, user);
  const { recoveryCodes } = await confirmTotpEnrolment(
    services,
    user,
    currentTotp(enrolment.secret, services.clock.now()),
    client(),
  );
  equal(recoveryCodes.length, 10);
  services.clock.advance(30_000);

  const first = await signInWithPassword(
    services,
    { email: user.email, password: TEST_PASSWORD },
    client(),
  );
  equal(first.kind, "mfa_required");
  if (first.kind !== "mfa_required") return;
  const code = currentTotp(enrolment.secret, services.clock.now());
  const done = await completeMfa(services, { mfaToken: first.mfaToken, code }, client());
  equal(done.session.mfa, true);
  await rejects(
    completeMfa(services, { mfaToken: first.mfaToken, code }, client()),
    /expired/,
    "a second-step token works once",
  );

  const again = await signInWithPassword(
    services,
    { email: user.email, password: TEST_PASSWORD },
    client(),
  );
  if (again.kind !== "mfa_required") throw new Error("expected mfa");
  const replay = await httpError(
    completeMfa(services, { mfaToken: again.mfaToken, code }, client()),
  );
  equal(replay.status, 401, "the same time step is not accepted twice");
  const viaRecovery = await completeMfa(services, {
    mfaToken: again.mfaToken,
    code: recoveryCodes[0],
  }, client());
  equal(viaRecovery.session.userId, user.id);
  const third = await signInWithPassword(
    services,
    { email: user.email, password: TEST_PASSWORD },
    client(),
  );
  if (third.kind !== "mfa_required") throw new Error("expected mfa");
  equal(
    (await httpError(
      completeMfa(services, { mfaToken: third.mfaToken, code: recoveryCodes[0] }, client()),
    )).status,
    401,
  );
});
