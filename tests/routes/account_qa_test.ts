/**
 * QA of the account page: turning on two-step verification shows the recovery codes once after
 * a redirect (a reload repeats nothing, a re-post says it is already on), the set-up code's
 * message asks for the authenticator's code, and the new password must differ from the old.
 */
import { equal, match, ok } from "node:assert/strict";
import { operatorWorld, TEST_PASSWORD } from "../support/operator_world.ts";
import { getPage, parseHtml, postForm, sessionCookieOf, textOf } from "../support/pages.ts";
import { pageSession } from "../support/page_session.ts";
import { currentTotp } from "@/lib/auth/totp.ts";
import { getUser } from "@/lib/orgs/users.ts";
import { createSession } from "@/lib/auth/sessions.ts";
import { appSecretOf } from "@/lib/auth/secret.ts";
import { sessionKey } from "@/lib/db/kv.ts";

async function startSetUp(w: Awaited<ReturnType<typeof operatorWorld>>, cookie: string) {
  const start = await postForm(w.app, "/account", { intent: "totp_start" }, { cookie });
  equal(start.status, 200);
  return textOf(parseHtml(await start.text()).querySelector("#totp-secret"));
}

Deno.test("[pages] account QA: codes shown once after a redirect; a re-post says it is on", async () => {
  await using w = await operatorWorld();
  const cookie = w.a.ops.cookie;
  const secret = await startSetUp(w, cookie);
  const code = currentTotp(secret, w.services.clock.now());

  const confirmed = await postForm(w.app, "/account", { intent: "totp_confirm", code }, { cookie });
  equal(confirmed.status, 303, "Post/Redirect/Get");
  const location = confirmed.headers.get("location") ?? "";
  match(location, /^\/account\?recovery=[A-Za-z0-9_-]{22,64}$/);
  const rotated = sessionCookieOf(confirmed);
  ok(rotated && rotated !== cookie, "the session rotates on the redirect");
  ok((await getUser(w.services.ledger, w.a.ops.userId))?.totpEnabledAt);

  const shown = await getPage(w.app, location, { cookie: rotated });
  equal(shown.status, 200);
  equal(shown.doc.querySelectorAll(".codes code").length, 10);
  const reloaded = await getPage(w.app, location, { cookie: rotated });
  equal(reloaded.status, 200, "a reload of the result is harmless");
  equal(reloaded.doc.querySelector(".codes"), null, "codes are shown only once");

  // The browser re-posts the set-up form (reload of the old POST result, or a second tab).
  const reposted = await postForm(w.app, "/account", { intent: "totp_confirm", code }, {
    cookie: rotated,
  });
  equal(reposted.status, 409);
  const text = textOf(parseHtml(await reposted.text()).querySelector(".notice"));
  match(text, /Two-step verification is already on/);
  ok(!/expired/.test(text), `not "expired": ${text}`);
});

Deno.test("[pages] account QA: new recovery codes are shown once after a redirect", async () => {
  await using w = await operatorWorld();
  const secret = await startSetUp(w, w.a.ops.cookie);
  const code = currentTotp(secret, w.services.clock.now());
  const confirmed = await postForm(w.app, "/account", { intent: "totp_confirm", code }, {
    cookie: w.a.ops.cookie,
  });
  const cookie = sessionCookieOf(confirmed)!;
  const made = await postForm(w.app, "/account", { intent: "recovery_codes" }, { cookie });
  equal(made.status, 303);
  const location = made.headers.get("location") ?? "";
  match(location, /^\/account\?recovery=/);
  equal(
    (await getPage(w.app, location, { cookie })).doc.querySelectorAll(".codes code").length,
    10,
  );
  equal((await getPage(w.app, location, { cookie })).doc.querySelector(".codes"), null);
});

Deno.test("[pages] account QA: the set-up code asks for the authenticator's 6-digit code", async () => {
  await using w = await operatorWorld();
  const cookie = w.a.ops.cookie;
  await startSetUp(w, cookie);
  for (const code of ["abc", "12345"]) {
    const res = await postForm(w.app, "/account", { intent: "totp_confirm", code }, { cookie });
    equal(res.status, 400, code);
    const doc = parseHtml(await res.text());
    const field = doc.querySelector('input[name="code"]');
    equal(field?.getAttribute("aria-invalid"), "true", code);
    const error = textOf(doc.querySelector(`#${field?.getAttribute("id")}-error`));
    equal(error, "enter the 6-digit code from your authenticator app", code);
  }
});

Deno.test("[pages] account QA: the new password must differ from the current one", async () => {
  await using w = await operatorWorld();
  const viewer = pageSession(w, w.a.viewer);
  const same = await viewer.post("/account", {
    intent: "password",
    currentPassword: TEST_PASSWORD,
    newPassword: TEST_PASSWORD,
  });
  equal(same.status, 400);
  const field = same.doc.querySelector('input[name="newPassword"]');
  equal(field?.getAttribute("aria-invalid"), "true");
  equal(
    textOf(same.doc.querySelector(`#${field?.getAttribute("id")}-error`)),
    "choose a password different from the current one",
  );
  // Nothing changed: the same password still signs in, and this session still works.
  equal((await viewer.get("/account")).status, 200);
  const signIn = await postForm(w.app, "/sign-in", {
    email: w.a.viewer.email,
    password: TEST_PASSWORD,
  });
  ok(sessionCookieOf(signIn), "the password is unchanged");
});

Deno.test("[pages] account QA: any of many sessions can be ended, not only the newest 50", async () => {
  await using w = await operatorWorld();
  const { services } = w;
  const lifetime = {
    idleMinutes: services.config.sessionIdleMinutes,
    maxHours: services.config.sessionMaxHours,
  };
  const oldest = await createSession(services.kv, appSecretOf(services.config), {
    userId: w.a.viewer.userId,
    ip: "127.0.0.9",
    userAgent: "old laptop",
    mfa: false,
    activeOrgId: w.orgA.id,
  }, { ...lifetime, now: services.clock.now() });
  for (let i = 0; i < 55; i++) {
    services.clock.advance(1_000);
    await createSession(services.kv, appSecretOf(services.config), {
      userId: w.a.viewer.userId,
      ip: "127.0.0.8",
      userAgent: `browser ${i}`,
      mfa: false,
      activeOrgId: w.orgA.id,
    }, { ...lifetime, now: services.clock.now() });
  }
  const res = await postForm(w.app, "/account", {
    intent: "end_session",
    sessionId: oldest.session.id,
  }, { cookie: w.a.viewer.cookie });
  equal(res.headers.get("location"), "/account?done=session_ended");
  equal((await services.kv.get(sessionKey(oldest.session.id))).value, null);
  // Another operator's session id is not found (404), and nothing ends.
  const foreign = await postForm(w.app, "/account", {
    intent: "end_session",
    sessionId: w.a.owner.sessionId,
  }, { cookie: w.a.viewer.cookie });
  equal(foreign.status, 404);
});
