import { deepEqual, equal, match, ok } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { textOf } from "../support/pages.ts";
import { pageSession } from "../support/page_session.ts";
import { getMembership } from "@/lib/orgs/members.ts";
import { listInvitations } from "@/lib/orgs/invitations.ts";

const optionsOf = (doc: Document, selector: string) =>
  [...doc.querySelectorAll(`${selector} option`)].map((o) => o.getAttribute("value"));

Deno.test("[pages] members: viewers and ops get a read-only list, no admin controls", async () => {
  await using w = await operatorWorld();
  for (const who of [w.a.viewer, w.a.ops]) {
    const { status, doc } = await pageSession(w, who).get("/org/members");
    equal(status, 200, who.role);
    deepEqual(
      [...doc.querySelectorAll("tr[data-member]")].map((r) => r.getAttribute("data-member")),
      ["admin@acme.test", "ops@acme.test", "owner@acme.test", "viewer@acme.test"],
    );
    equal(doc.querySelectorAll('select[name="role"]').length, 0, `${who.role}: no role selects`);
    equal(
      doc.querySelectorAll('input[name="intent"][value="remove"]').length,
      0,
      `${who.role}: no Remove`,
    );
    ok(!doc.querySelector('input[name="intent"][value="invite"]'), `${who.role}: no invite form`);
    ok(!doc.querySelector("[data-invitation]"), `${who.role}: no invitations`);
    ok(!doc.querySelector('a[href="/audit"]'), `${who.role}: no Audit link`);
    ok(doc.querySelector('form[action="/org/leave"] button'), `${who.role}: may leave`);
    match(textOf(doc.querySelector("tr[data-member='viewer@acme.test']")), /viewer/);
  }
  // And the server refuses what the page does not offer.
  const res = await pageSession(w, w.a.viewer).post("/org/members", {
    intent: "invite",
    email: "x@acme.test",
    role: "viewer",
  });
  equal(res.status, 403);
  equal(
    (await listInvitations(w.services.ledger, w.orgA.id, {
      pendingOnly: true,
      now: w.services.clock.now(),
    })).length,
    1,
  );
});

Deno.test("[pages] members: admins manage up to their own role and never touch owners", async () => {
  await using w = await operatorWorld();
  const admin = pageSession(w, w.a.admin);
  const { doc } = await admin.get("/org/members");
  const row = (email: string) => `tr[data-member='${email}']`;
  ok(!doc.querySelector(`${row("owner@acme.test")} select`), "no role control on the owner");
  ok(
    !doc.querySelector(`${row("owner@acme.test")} input[value="remove"]`),
    "cannot remove the owner",
  );
  deepEqual(optionsOf(doc, `${row("viewer@acme.test")} select`), ["viewer", "ops", "admin"]);
  ok(doc.querySelector(`${row("viewer@acme.test")} input[value="remove"]`));
  ok(!doc.querySelector(`${row("admin@acme.test")} input[value="remove"]`), "no Remove on oneself");
  deepEqual(
    optionsOf(doc, 'select[name="role"]#f-role'),
    ["viewer", "ops", "admin"],
    "invite roles",
  );
  match(textOf(doc.querySelector("tr[data-invitation='new@acme.test']")), /ops/);
  ok(doc.querySelector('a[href="/audit"]'), "admins see the Audit link");

  const change = await admin.post("/org/members", {
    intent: "role",
    userId: w.a.viewer.userId,
    role: "ops",
  });
  equal(change.status, 303);
  equal(change.headers.get("location"), "/org/members?done=role");
  equal(await getMembership(w.services.ledger, w.orgA.id, w.a.viewer.userId), "ops");

  const grantOwner = await admin.post("/org/members", {
    intent: "invite",
    email: "boss@acme.test",
    role: "owner",
  });
  equal(grantOwner.status, 403);
  match(textOf(grantOwner.doc.querySelector(".field-error")), /cannot grant owner/);
});

Deno.test("[pages] members: owners see owner options; the last owner cannot leave and is told why", async () => {
  await using w = await operatorWorld();
  const { doc } = await pageSession(w, w.a.owner).get("/org/members");
  deepEqual(optionsOf(doc, "tr[data-member='admin@acme.test'] select"), [
    "viewer",
    "ops",
    "admin",
    "owner",
  ]);
  ok(
    !doc.querySelector("tr[data-member='owner@acme.test'] select"),
    "the last owner cannot be demoted",
  );
  ok(!doc.querySelector('form[action="/org/leave"]'));
  match(textOf(doc.querySelector('[aria-labelledby="leave-title"]')), /only owner/);
});

Deno.test("[pages] members: without e-mail the new invitation's link is shown once", async () => {
  await using w = await operatorWorld();
  const admin = pageSession(w, w.a.admin);
  const { status, doc } = await admin.post("/org/members", {
    intent: "invite",
    email: "Fresh@Acme.test",
    role: "viewer",
  });
  equal(status, 200);
  match(
    textOf(doc.querySelector("#invitation-link")),
    /^http:\/\/localhost:8000\/invite\?token=[\w-]{43}$/,
  );
  ok(doc.querySelector("tr[data-invitation='fresh@acme.test']"), "listed as pending");
  const again = await admin.get("/org/members");
  ok(!again.doc.querySelector("#invitation-link"), "not shown again");

  const invitation = (await listInvitations(w.services.ledger, w.orgA.id, {
    pendingOnly: true,
    now: w.services.clock.now(),
  }))
    .find((i) => i.email === "fresh@acme.test")!;
  const revoke = await admin.post("/org/members", {
    intent: "revoke",
    invitationId: invitation.id,
  });
  equal(revoke.headers.get("location"), "/org/members?done=revoked");
  const flash = await admin.get("/org/members?done=revoked");
  equal(textOf(flash.doc.querySelector('main [role="status"]')), "Invitation revoked.");
  ok(!flash.doc.querySelector("tr[data-invitation='fresh@acme.test']"));
});

Deno.test("[pages] members: any member may leave", async () => {
  await using w = await operatorWorld();
  const viewer = pageSession(w, w.a.viewer);
  const res = await viewer.post("/org/leave", {});
  equal(res.status, 303);
  equal(res.headers.get("location"), "/account?done=left");
  equal(await getMembership(w.services.ledger, w.orgA.id, w.a.viewer.userId), null);
  const account = await viewer.get("/account?done=left");
  equal(account.status, 200);
  ok(!account.doc.querySelector('a[href="/org/members"]'), "no organization, no Members link");
});
