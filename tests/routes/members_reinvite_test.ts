/**
 * QA: inviting an address that already has a pending invitation replaces it (the earlier link
 * stops working), and the members page says so instead of a bare "Invitation sent.".
 */
import { equal, ok } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { textOf } from "../support/pages.ts";
import { pageSession } from "../support/page_session.ts";
import { startSmtpServer } from "../support/smtp.ts";
import { forEachLedger } from "../support/ledgers.ts";
import { seedOrg } from "../support/operators.ts";
import { createInvitation, getInvitationByToken } from "@/lib/orgs/invitations.ts";

type World = Awaited<ReturnType<typeof operatorWorld>>;

const invite = (w: World, email: string) =>
  createInvitation(w.services.ledger, {
    orgId: w.orgA.id,
    email,
    role: "viewer",
    invitedBy: w.a.admin.userId,
    ttlMs: 3600_000,
    now: w.services.clock.now(),
  });

Deno.test("[lib] invitations: createInvitation says when it replaced a pending invitation", async () => {
  await using w = await operatorWorld();
  const now = w.services.clock.now();
  const first = await invite(w, "again@acme.test");
  equal(first.replaced, false);
  const second = await invite(w, "Again@Acme.test");
  equal(second.replaced, true);
  const old = await getInvitationByToken(w.services.ledger, first.token, now);
  equal(old.ok ? "ok" : old.reason, "revoked");
  // Another organization's pending invitation of the same address is not replaced.
  const other = await createInvitation(w.services.ledger, {
    orgId: w.orgB.id,
    email: "again@acme.test",
    role: "viewer",
    invitedBy: w.ownerB.userId,
    ttlMs: 3600_000,
    now,
  });
  equal(other.replaced, false);
});

forEachLedger(
  "[orgs] invitations: replaced is true only when a pending one was revoked",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const now = new Date("2026-11-25T10:00:00.000Z");
    const input = { orgId: org.id, role: "ops" as const, invitedBy: "inviter", ttlMs: 3600_000 };
    equal(
      (await createInvitation(ledger, { ...input, email: "a@example.com", now })).replaced,
      false,
    );
    equal(
      (await createInvitation(ledger, { ...input, email: "A@example.com", now })).replaced,
      true,
    );
    // Expired by now: nothing pending to replace.
    const later = new Date(now.getTime() + 2 * 3600_000);
    equal(
      (await createInvitation(ledger, { ...input, email: "a@example.com", now: later })).replaced,
      false,
    );
  },
);

Deno.test("[pages] members: re-inviting a pending address says the earlier link no longer works", async () => {
  await using smtp = await startSmtpServer();
  await using w = await operatorWorld({ env: { SMTP_URL: smtp.url } });
  const admin = pageSession(w, w.a.admin);
  // The world has a pending invitation for new@acme.test.
  const again = await admin.post("/org/members", {
    intent: "invite",
    email: "new@acme.test",
    role: "viewer",
  });
  equal(again.status, 303);
  equal(again.headers.get("location"), "/org/members?done=reinvited");
  const shown = await admin.get(again.headers.get("location")!);
  equal(shown.status, 200);
  ok(
    textOf(shown.doc.body).includes("Invitation sent again; the earlier link no longer works."),
    "the flash says the earlier link is gone",
  );

  // A first invitation is only "sent".
  const fresh = await admin.post("/org/members", {
    intent: "invite",
    email: "first@acme.test",
    role: "viewer",
  });
  equal(fresh.headers.get("location"), "/org/members?done=invited");
});

Deno.test("[pages] members: without e-mail, a replaced invitation's new link says so too", async () => {
  await using w = await operatorWorld();
  const admin = pageSession(w, w.a.admin);
  const again = await admin.post("/org/members", {
    intent: "invite",
    email: "new@acme.test",
    role: "ops",
  });
  equal(again.status, 200);
  ok(again.doc.querySelector("#invitation-link"), "the new link is shown");
  ok(
    textOf(again.doc.body).includes(
      "New invitation link created; the earlier link no longer works.",
    ),
  );
  const fresh = await admin.post("/org/members", {
    intent: "invite",
    email: "first@acme.test",
    role: "viewer",
  });
  equal(fresh.status, 200);
  ok(!textOf(fresh.doc.body).includes("earlier link"), "nothing replaced, nothing said");
});

Deno.test("[api] invitations: inviting an address again answers replaced: true", async () => {
  await using w = await operatorWorld();
  const post = (email: string) =>
    w.app.request("/api/orgs/invitations", {
      method: "POST",
      headers: w.headers(w.a.owner, { "content-type": "application/json" }),
      body: JSON.stringify({ email, role: "viewer" }),
    });
  const first = await post("fresh-person@acme.test");
  equal(first.status, 201, await first.clone().text());
  equal((await first.json()).replaced, false);
  const again = await post("fresh-person@acme.test");
  equal(again.status, 201);
  equal((await again.json()).replaced, true);
});
