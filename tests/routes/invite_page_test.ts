import { equal, match, ok } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { getPage, parseHtml, postForm, sessionCookieOf, textOf } from "../support/pages.ts";
import { createInvitation, revokeInvitation } from "@/lib/orgs/invitations.ts";
import { getMembership } from "@/lib/orgs/members.ts";
import { getUserByEmail } from "@/lib/orgs/users.ts";

Deno.test("[pages] invite: broken, revoked and used links say what is wrong", async () => {
  await using w = await operatorWorld();
  const unknown = await getPage(w.app, "/invite?token=nope");
  equal(unknown.status, 404);
  match(textOf(unknown.doc.querySelector('[role="alert"]')), /not valid/);
  ok(!unknown.doc.querySelector("form"), "nothing to submit");

  await revokeInvitation(w.services.ledger, w.orgA.id, w.invitationA.id, w.services.clock.now());
  const revoked = await getPage(w.app, `/invite?token=${w.invitationA.token}`);
  equal(revoked.status, 410);
  match(textOf(revoked.doc.querySelector('[role="alert"]')), /withdrawn/);
});

Deno.test("[pages] invite: a new address creates its account, joins and lands signed in", async () => {
  await using w = await operatorWorld();
  const url = `/invite?token=${w.invitationA.token}`;
  const page = await getPage(w.app, url);
  equal(page.status, 200);
  const summary = textOf(page.doc.querySelector(".invitation-summary"));
  match(summary, /owner \(owner@acme\.test\) invited new@acme\.test to Acme Ops as ops/);
  equal(page.doc.querySelector('input[name="email"]')?.getAttribute("value"), "new@acme.test");
  ok(
    page.doc.querySelector('input[name="email"]')?.hasAttribute("readonly"),
    "the address is fixed",
  );

  const weak = await postForm(w.app, "/invite", {
    intent: "create",
    token: w.invitationA.token,
    name: "Nia",
    password: "short",
  });
  equal(weak.status, 400);
  const weakDoc = parseHtml(await weak.text());
  match(textOf(weakDoc.querySelector(".field-error")), /at least 12 characters/);
  equal(weakDoc.querySelector('input[name="name"]')?.getAttribute("value"), "Nia");
  equal(await getUserByEmail(w.services.ledger, "new@acme.test"), null, "nothing created");

  const res = await postForm(w.app, "/invite", {
    intent: "create",
    token: w.invitationA.token,
    name: "Nia New",
    password: "a long enough passphrase",
  });
  equal(res.status, 303);
  equal(res.headers.get("location"), "/");
  const cookie = sessionCookieOf(res);
  ok(cookie);
  const user = await getUserByEmail(w.services.ledger, "new@acme.test");
  ok(user);
  equal(await getMembership(w.services.ledger, w.orgA.id, user.id), "ops");
  const home = await getPage(w.app, "/", { cookie });
  equal(home.status, 200);
  equal(textOf(home.doc.querySelector(".org-name")), "Acme Ops");

  const used = await getPage(w.app, url);
  equal(used.status, 410);
  match(textOf(used.doc.querySelector('[role="alert"]')), /already/);
});

Deno.test("[pages] invite: an existing account signs in to accept; another account is told so", async () => {
  await using w = await operatorWorld();
  const { token } = await createInvitation(w.services.ledger, {
    orgId: w.orgA.id,
    email: w.ownerB.email,
    role: "viewer",
    invitedBy: w.a.owner.userId,
    ttlMs: 3600_000,
    now: w.services.clock.now(),
  });
  const url = `/invite?token=${token}`;
  const anonymous = await getPage(w.app, url);
  const signIn = anonymous.doc.querySelector('a[href^="/sign-in?next="]');
  ok(signIn, "a sign-in link");
  equal(decodeURIComponent(signIn.getAttribute("href")!.split("next=")[1]), url);
  ok(
    !anonymous.doc.querySelector('input[name="password"]'),
    "no sign-up form for an existing address",
  );

  const other = await getPage(w.app, url, w.headers(w.a.viewer));
  match(
    textOf(other.doc.querySelector("main")),
    /signed in as viewer@acme\.test, but this invitation is for owner@beta\.test/,
  );
  ok(!other.doc.querySelector('input[value="accept"]'));

  const invited = await getPage(w.app, url, w.headers(w.ownerB));
  ok(invited.doc.querySelector('input[name="intent"][value="accept"]'), "an Accept button");
  const accept = await postForm(w.app, "/invite", { intent: "accept", token }, {
    cookie: w.ownerB.cookie,
  });
  equal(accept.status, 303);
  const cookie = sessionCookieOf(accept);
  ok(cookie, "the session rotates into the new organization");
  equal(await getMembership(w.services.ledger, w.orgA.id, w.ownerB.userId), "viewer");
  const home = await getPage(w.app, "/", { cookie });
  equal(home.doc.querySelector("#org-switch option[selected]")?.getAttribute("value"), w.orgA.id);
  equal(
    home.doc.querySelectorAll("#org-switch option").length,
    2,
    "a switcher for two organizations",
  );

  const back = await postForm(w.app, "/org/switch", { orgId: w.orgB.id }, { cookie });
  equal(back.status, 303);
  const switched = await getPage(w.app, "/", { cookie: sessionCookieOf(back)! });
  equal(
    switched.doc.querySelector("#org-switch option[selected]")?.getAttribute("value"),
    w.orgB.id,
  );
});
