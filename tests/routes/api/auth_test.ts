/**
 * Auth API flows end to end over HTTP, with a real local SMTP server receiving
 * the magic-link, reset and invitation mails.
 */
import { equal, match, ok } from "node:assert/strict";
import { linksIn, startSmtpServer } from "../../support/smtp.ts";
import { operatorWorld, TEST_PASSWORD } from "../../support/operator_world.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { getMembership } from "@/lib/orgs/members.ts";

const JSON_TYPE = { "content-type": "application/json" };

function cookieFrom(res: Response): string {
  const set = res.headers.get("set-cookie") ?? "";
  return set.split(";")[0];
}

Deno.test("[api] auth: password sign-in sets a hardened cookie; me; sign-out ends the session", async () => {
  await using w = await operatorWorld();
  const res = await w.app.request("/api/auth/sign-in", {
    method: "POST",
    headers: w.headers(undefined, JSON_TYPE),
    body: JSON.stringify({ email: "ops@acme.test", password: TEST_PASSWORD }),
  });
  equal(res.status, 200);
  const setCookie = res.headers.get("set-cookie") ?? "";
  match(setCookie, /^sentry_session=[^;]+; /);
  match(setCookie, /HttpOnly/);
  match(setCookie, /SameSite=Lax/);
  match(setCookie, /Path=\//);
  const cookie = cookieFrom(res);
  const me = await (await w.app.request("/api/auth/me", { headers: { cookie } })).json();
  equal(me.user.email, "ops@acme.test");
  equal(me.org.role, "ops");
  const out = await w.app.request("/api/auth/sign-out", {
    method: "POST",
    headers: { ...w.headers(), cookie, ...JSON_TYPE },
  });
  equal(out.status, 200);
  equal(
    (await w.app.request("/api/auth/me", { headers: { cookie } })).status,
    401,
    "the old cookie no longer works",
  );
});

Deno.test("[api] auth: sessions are listed, another's session id is 404, sign-out everywhere", async () => {
  await using w = await operatorWorld();
  const list = await (await w.app.request("/api/auth/sessions", { headers: w.headers(w.a.admin) }))
    .json();
  equal(list.sessions.length, 1);
  equal(list.sessions[0].current, true);
  const foreign = await w.app.request(`/api/auth/sessions/${w.a.owner.sessionId}`, {
    method: "DELETE",
    headers: w.headers(w.a.admin),
  });
  equal(foreign.status, 404);
  equal(
    (await w.app.request("/api/auth/me", { headers: w.headers(w.a.owner) })).status,
    200,
    "owner still signed in",
  );
  const all = await w.app.request("/api/auth/sign-out-everywhere", {
    method: "POST",
    headers: w.headers(w.a.admin, JSON_TYPE),
  });
  equal(all.status, 200);
  equal((await w.app.request("/api/auth/me", { headers: w.headers(w.a.admin) })).status, 401);
});

Deno.test("[api] auth: magic link and password reset through a real SMTP server; links work once", async () => {
  await using smtp = await startSmtpServer();
  await using w = await operatorWorld({ env: { SMTP_URL: smtp.url } });
  const post = (path: string, body: unknown, cookie?: string) =>
    w.app.request(path, {
      method: "POST",
      headers: { ...w.headers(undefined, JSON_TYPE), ...(cookie ? { cookie } : {}) },
      body: JSON.stringify(body),
    });

  equal((await post("/api/auth/magic-link", { email: "viewer@acme.test" })).status, 202);
  equal(
    (await post("/api/auth/magic-link", { email: "nobody@acme.test" })).status,
    202,
    "same answer for unknown",
  );
  const mail = await smtp.waitForMessage((m) => m.to.includes("viewer@acme.test"));
  match(mail.subject, /sign/i);
  const link = linksIn(mail.text).find((l) => l.includes("/sign-in/link?token="))!;
  ok(link, "the mail carries the sign-in link");
  const token = new URL(link).searchParams.get("token")!;
  const signedIn = await post("/api/auth/magic-link/verify", { token });
  equal(signedIn.status, 200);
  ok(cookieFrom(signedIn).startsWith("sentry_session="));
  const reused = await post("/api/auth/magic-link/verify", { token });
  equal(reused.status, 410);
  equal((await reused.json()).error.code, "token_used");
  const garbage = await post("/api/auth/magic-link/verify", { token: "A".repeat(43) });
  equal(garbage.status, 400);
  equal(smtp.messages.filter((m) => m.to.includes("nobody@acme.test")).length, 0);

  equal((await post("/api/auth/reset", { email: "ops@acme.test" })).status, 202);
  const reset = await smtp.waitForMessage((m) => m.to.includes("ops@acme.test"));
  const resetToken = new URL(linksIn(reset.text).find((l) => l.includes("/reset/confirm?token="))!)
    .searchParams.get("token")!;
  const weak = await post("/api/auth/reset/confirm", { token: resetToken, password: "short" });
  equal(weak.status, 400);
  match((await weak.json()).error.message, /^password:/);
  equal(
    (await post("/api/auth/reset/confirm", {
      token: resetToken,
      password: "a much better passphrase",
    })).status,
    200,
  );
  equal(
    (await w.app.request("/api/auth/me", { headers: w.headers(w.a.ops) })).status,
    401,
    "reset ends sessions",
  );
  const again = await post("/api/auth/sign-in", {
    email: "ops@acme.test",
    password: "a much better passphrase",
  });
  equal(again.status, 200);

  const probes = await queryAudit(w.services.ledger, "_global", {
    action: "auth.magic_link.failed",
    limit: 10,
  });
  equal(probes.entries.length, 2, "the reused and the garbage link are both audited");
});

Deno.test("[api] auth: invitation mail reaches the invitee, who joins with the right role", async () => {
  await using smtp = await startSmtpServer();
  await using w = await operatorWorld({ env: { SMTP_URL: smtp.url } });
  const created = await w.app.request("/api/orgs/invitations", {
    method: "POST",
    headers: w.headers(w.a.owner, JSON_TYPE),
    body: '{"email":"owner@beta.test","role":"ops"}',
  });
  equal(created.status, 201);
  equal((await created.json()).mailed, true);
  const mail = await smtp.waitForMessage((m) => m.to.includes("owner@beta.test"));
  match(mail.text, /Acme Ops/);
  const token = new URL(linksIn(mail.text).find((l) => l.includes("/invite?token="))!).searchParams
    .get("token")!;
  const accepted = await w.app.request("/api/orgs/invitations/accept", {
    method: "POST",
    headers: w.headers(w.ownerB, JSON_TYPE),
    body: JSON.stringify({ token }),
  });
  equal(accepted.status, 200);
  equal(await getMembership(w.services.ledger, w.orgA.id, w.ownerB.userId), "ops");
  const twice = await w.app.request("/api/orgs/invitations/accept", {
    method: "POST",
    headers: w.headers(w.ownerB, JSON_TYPE),
    body: JSON.stringify({ token }),
  });
  equal(twice.status, 410);
});

Deno.test("[api] auth: without SMTP the e-mail flows say so (503), not fail silently", async () => {
  await using w = await operatorWorld();
  const res = await w.app.request("/api/auth/magic-link", {
    method: "POST",
    headers: w.headers(undefined, JSON_TYPE),
    body: '{"email":"ops@acme.test"}',
  });
  equal(res.status, 503);
  const body = await res.json();
  equal(body.error.code, "mail_not_configured");
  match(body.error.message, /SMTP_URL/);
});

Deno.test("[api] auth: over https the session cookie is __Host- and Secure", async () => {
  await using w = await operatorWorld({ env: { APP_URL: "https://sentry.example.com" } });
  const res = await w.app.request("https://sentry.example.com/api/auth/sign-in", {
    method: "POST",
    headers: { origin: "https://sentry.example.com", ...JSON_TYPE },
    body: JSON.stringify({ email: "viewer@acme.test", password: TEST_PASSWORD }),
  });
  equal(res.status, 200);
  const cookie = res.headers.get("set-cookie") ?? "";
  match(cookie, /^__Host-sentry_session=/);
  match(cookie, /; Secure/);
  ok(!/Domain=/i.test(cookie));
  equal(res.headers.get("strict-transport-security"), "max-age=63072000; includeSubDomains");
});

Deno.test("[api] orgs: switching organizations rotates the session; a foreign org is 404", async () => {
  await using w = await operatorWorld();
  // the owner of B joins A as viewer, so they have two organizations
  const { addMember } = await import("@/lib/orgs/members.ts");
  await addMember(w.services.ledger, { orgId: w.orgA.id, userId: w.ownerB.userId, role: "viewer" });
  const orgs = await (await w.app.request("/api/orgs", { headers: w.headers(w.ownerB) })).json();
  equal(orgs.orgs.length, 2);
  equal(orgs.activeOrgId, w.orgB.id);
  const switched = await w.app.request("/api/orgs/switch", {
    method: "POST",
    headers: w.headers(w.ownerB, JSON_TYPE),
    body: JSON.stringify({ orgId: w.orgA.id }),
  });
  equal(switched.status, 200);
  const cookie = cookieFrom(switched);
  const me = await (await w.app.request("/api/auth/me", { headers: { cookie } })).json();
  equal(me.org.id, w.orgA.id);
  equal(me.org.role, "viewer");
  ok(me.session.id !== w.ownerB.sessionId, "a new session id");
  equal(
    (await w.app.request("/api/auth/me", { headers: w.headers(w.ownerB) })).status,
    401,
    "the old id is gone",
  );
  // as a viewer in A, inviting is refused; in B (owner) it would be allowed
  const invite = await w.app.request("/api/orgs/invitations", {
    method: "POST",
    headers: { ...w.headers(), cookie, ...JSON_TYPE },
    body: '{"email":"x@acme.test","role":"ops"}',
  });
  equal(invite.status, 403);
  const foreign = await w.app.request("/api/orgs/switch", {
    method: "POST",
    headers: { ...w.headers(), cookie, ...JSON_TYPE },
    body: JSON.stringify({ orgId: "01JZZZZZZZZZZZZZZZZZZZZZZZ" }),
  });
  equal(foreign.status, 404);
});
