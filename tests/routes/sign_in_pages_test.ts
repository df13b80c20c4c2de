import { equal, match, ok } from "node:assert/strict";
import { createTestApp } from "../support/test_app.ts";
import { operatorWorld, TEST_PASSWORD } from "../support/operator_world.ts";
import { getPage, parseHtml, postForm, sessionCookieOf, textOf } from "../support/pages.ts";
import { getOrgBySlug } from "@/lib/orgs/orgs.ts";
import { getUserByEmail } from "@/lib/orgs/users.ts";
import { confirmTotpEnrolment, startTotpEnrolment } from "@/lib/auth/account.ts";
import { currentTotp } from "@/lib/auth/totp.ts";

const OWNER = {
  name: "Ada Owner",
  email: "Ada@Example.test",
  password: "a long enough passphrase",
};

Deno.test("[pages] first-run setup creates the owner and organization, signs in, then is gone", async () => {
  await using t = await createTestApp();
  const form = await getPage(t.app, "/setup");
  equal(form.status, 200);
  for (const name of ["name", "email", "password", "orgName", "orgSlug"]) {
    const input = form.doc.querySelector(`input[name="${name}"]`);
    ok(input, `field ${name}`);
    ok(form.doc.querySelector(`label[for="${input.getAttribute("id")}"]`), `label for ${name}`);
  }
  equal(
    form.doc.querySelector('input[name="password"]')?.getAttribute("autocomplete"),
    "new-password",
  );

  const res = await postForm(t.app, "/setup", { ...OWNER, orgName: "Acme Ops (EU)", orgSlug: "" });
  equal(res.status, 303);
  equal(res.headers.get("location"), "/");
  const cookie = sessionCookieOf(res);
  ok(cookie, "the new owner is signed in");
  const org = await getOrgBySlug(t.services.ledger, "acme-ops-eu");
  ok(org, "slug derived from the name");
  equal(org.name, "Acme Ops (EU)");

  const home = await getPage(t.app, "/", { cookie });
  equal(home.status, 200);
  equal(textOf(home.doc.querySelector(".org-name")), "Acme Ops (EU)");
  ok(home.doc.querySelector('a[href="/audit"]'), "owners see the audit link");
  ok(home.doc.querySelector('form[action="/sign-out"] button'), "sign-out button");

  equal((await t.app.request("/setup")).status, 404);
  const again = await postForm(t.app, "/setup", {
    ...OWNER,
    email: "eve@example.test",
    orgName: "Evil",
  });
  equal(again.status, 404);
  equal(await getUserByEmail(t.services.ledger, "eve@example.test"), null);
});

Deno.test("[pages] setup re-renders with field errors and keeps values, never the password", async () => {
  await using t = await createTestApp();
  const res = await postForm(t.app, "/setup", {
    ...OWNER,
    password: "short",
    orgName: "Acme",
    orgSlug: "-bad-",
  });
  equal(res.status, 400);
  const page = await getPage(t.app, "/setup"); // still open: nothing was created
  equal(page.status, 200);
  const html = await res.text();
  const doc = parseHtml(html);
  const slug = doc.querySelector('input[name="orgSlug"]');
  equal(slug?.getAttribute("aria-invalid"), "true");
  match(
    textOf(doc.querySelector(`#${slug?.getAttribute("aria-describedby")?.split(" ").at(-1)}`)),
    /3-40 characters/,
  );
  equal(doc.querySelector('input[name="email"]')?.getAttribute("value"), OWNER.email);
  equal(doc.querySelector('input[name="password"]')?.getAttribute("value"), null);
  ok(!html.includes('short"'), "the password is not echoed");
});

Deno.test("[pages] sign-in: wrong password is a message, the right one signs in and honours next", async () => {
  await using w = await operatorWorld();
  const form = await getPage(w.app, "/sign-in?next=%2Forg%2Fmembers");
  equal(form.status, 200);
  equal(form.doc.querySelector('input[name="next"]')?.getAttribute("value"), "/org/members");
  equal(
    form.doc.querySelector('input[name="password"]')?.getAttribute("autocomplete"),
    "current-password",
  );
  ok(form.doc.querySelector('a[href="/reset"]'), "forgot-password link");
  match(textOf(form.doc.querySelector(".auth-alt")), /E-mail is not configured/);
  ok(!form.doc.querySelector('a[href="/audit"]'), "signed-out header has no console links");

  const wrong = await postForm(w.app, "/sign-in", {
    intent: "password",
    email: "admin@acme.test",
    password: "nope",
    next: "/org/members",
  });
  equal(wrong.status, 401);
  const doc = parseHtml(await wrong.text());
  match(textOf(doc.querySelector('[role="alert"]')), /The e-mail or password is wrong/);
  equal(doc.querySelector('input[name="email"]')?.getAttribute("value"), "admin@acme.test");
  equal(doc.querySelector('input[name="password"]')?.getAttribute("value"), null);
  equal(sessionCookieOf(wrong), null);

  const right = await postForm(w.app, "/sign-in", {
    email: "admin@acme.test",
    password: TEST_PASSWORD,
    next: "/org/members",
  });
  equal(right.status, 303);
  equal(right.headers.get("location"), "/org/members");
  const cookie = sessionCookieOf(right);
  ok(cookie);
  equal((await w.app.request("/org/members", { headers: { cookie } })).status, 200);
  // Signed in, the sign-in page sends the visitor on.
  equal((await w.app.request("/sign-in", { headers: { cookie } })).headers.get("location"), "/");

  const offsite = await postForm(w.app, "/sign-in", {
    email: "ops@acme.test",
    password: TEST_PASSWORD,
    next: "//evil.example/x",
  });
  equal(offsite.headers.get("location"), "/");
});

Deno.test("[pages] sign-in asks TOTP users for a code; a recovery code works, a wrong code says so", async () => {
  await using w = await operatorWorld();
  const { services } = w;
  const user = { id: w.a.admin.userId, email: w.a.admin.email };
  const { secret } = await startTotpEnrolment(services, user);
  const { recoveryCodes } = await confirmTotpEnrolment(
    services,
    user,
    currentTotp(secret, services.clock.now()),
    {
      ip: "127.0.0.1",
    },
  );

  const first = await postForm(w.app, "/sign-in", { email: user.email, password: TEST_PASSWORD });
  equal(first.status, 200);
  equal(sessionCookieOf(first), null, "no session before the second factor");
  const step = parseHtml(await first.text());
  const mfaToken = step.querySelector('input[name="mfaToken"]')?.getAttribute("value") ?? "";
  ok(mfaToken.length > 20);
  equal(step.querySelector('input[name="code"]')?.getAttribute("autocomplete"), "one-time-code");
  ok(!step.querySelector('input[name="password"]'), "the password is not carried to step two");

  const bad = await postForm(w.app, "/sign-in", { intent: "mfa", mfaToken, code: "000000" });
  equal(bad.status, 401);
  const badDoc = parseHtml(await bad.text());
  match(textOf(badDoc.querySelector(".field-error")), /not valid/);
  equal(badDoc.querySelector('input[name="mfaToken"]')?.getAttribute("value"), mfaToken);

  const ok2 = await postForm(w.app, "/sign-in", {
    intent: "mfa",
    mfaToken,
    code: recoveryCodes[0],
  });
  equal(ok2.status, 303);
  ok(sessionCookieOf(ok2));
});

Deno.test("[pages] without SMTP the sign-in link form says e-mail is not configured", async () => {
  await using w = await operatorWorld();
  const res = await postForm(w.app, "/sign-in", { intent: "magic", email: "admin@acme.test" });
  equal(res.status, 503);
  match(await res.text(), /Sign-in links need e-mail, which is not configured/);
  const reset = await getPage(w.app, "/reset");
  match(textOf(reset.doc.querySelector(".notice")), /E-mail is not configured/);
});

Deno.test("[pages] a sign-in link shows a button on GET and spends the token only on POST", async () => {
  await using w = await operatorWorld();
  const page = await getPage(w.app, "/sign-in/link?token=abcdefghijklmnopqrstuvwxyz");
  equal(page.status, 200);
  ok(page.doc.querySelector('form[method="post"] button'));
  const spent = await postForm(w.app, "/sign-in/link", { token: "abcdefghijklmnopqrstuvwxyz" });
  equal(spent.status, 400);
  match(await spent.text(), /not valid/);
});

Deno.test("[pages] sign-out ends the session and clears the cookie", async () => {
  await using w = await operatorWorld();
  const res = await postForm(w.app, "/sign-out", {}, { cookie: w.a.viewer.cookie });
  equal(res.status, 303);
  equal(res.headers.get("location"), "/sign-in?done=signed_out");
  ok(res.headers.getSetCookie().some((c) => /Max-Age=0/.test(c)));
  const after = await w.app.request("/", { headers: { cookie: w.a.viewer.cookie } });
  equal(after.status, 303, "the old cookie no longer works");
  const flash = await getPage(w.app, "/sign-in?done=signed_out");
  equal(textOf(flash.doc.querySelector('[role="status"]')), "You are signed out.");
});
