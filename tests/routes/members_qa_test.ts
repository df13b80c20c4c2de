/**
 * QA: inviting an address that already belongs to the organization is refused — a field error
 * on the members page, 409 `already_member` from the API — and no invitation is created. A
 * member of another organization can still be invited.
 */
import { equal } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { textOf } from "../support/pages.ts";
import { pageSession } from "../support/page_session.ts";
import { listInvitations } from "@/lib/orgs/invitations.ts";

type World = Awaited<ReturnType<typeof operatorWorld>>;

const pendingEmails = async (w: World) =>
  (await listInvitations(w.services.ledger, w.orgA.id, {
    pendingOnly: true,
    now: w.services.clock.now(),
  })).map((i) => i.email).sort();

Deno.test("[pages] members: inviting an existing member is a field error, no invitation", async () => {
  await using w = await operatorWorld();
  const before = await pendingEmails(w);
  const admin = pageSession(w, w.a.admin);
  const res = await admin.post("/org/members", {
    intent: "invite",
    email: " OPS@Acme.test ",
    role: "viewer",
  });
  equal(res.status, 409);
  equal(textOf(res.doc.querySelector("#f-email-error")), "ops@acme.test is already a member (ops)");
  equal(res.doc.querySelector("#f-email")?.getAttribute("aria-invalid"), "true");
  equal(res.doc.querySelector("#f-email")?.getAttribute("value"), " OPS@Acme.test ");
  equal(res.html.split("is already a member").length - 1, 1, "said once, at the field");
  equal((await pendingEmails(w)).join(","), before.join(","));

  // A member of another organization is no member here: invited as before.
  const other = await admin.post("/org/members", {
    intent: "invite",
    email: "owner@beta.test",
    role: "viewer",
  });
  equal(other.status, 200);
  equal((await pendingEmails(w)).includes("owner@beta.test"), true);
});

Deno.test("[api] orgs: inviting an existing member is 409 already_member naming the field", async () => {
  await using w = await operatorWorld();
  const before = await pendingEmails(w);
  const res = await w.app.request("/api/orgs/invitations", {
    method: "POST",
    headers: w.headers(w.a.owner, { "content-type": "application/json" }),
    body: JSON.stringify({ email: "viewer@acme.test", role: "admin" }),
  });
  equal(res.status, 409);
  const body = await res.json() as {
    error: { code: string; message: string; details: { field: string } };
  };
  equal(body.error.code, "already_member");
  equal(body.error.message, "email: viewer@acme.test is already a member (viewer)");
  equal(body.error.details.field, "email");
  equal((await pendingEmails(w)).join(","), before.join(","));
});
