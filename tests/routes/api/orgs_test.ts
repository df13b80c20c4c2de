/**
 * The organization API: members, roles, invitations — with the bad input the
 * issue names (malformed JSON, over-long fields, unknown roles, CSRF-less
 * posts) answered 4xx with the field named and nothing changed.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { getMembership, listMembers } from "@/lib/orgs/members.ts";
import { listInvitations } from "@/lib/orgs/invitations.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { operatorWorld } from "../../support/operator_world.ts";

const JSON_TYPE = { "content-type": "application/json" };

Deno.test("[api] orgs: members are listed for the active org only", async () => {
  await using w = await operatorWorld();
  const res = await w.app.request("/api/orgs/members", { headers: w.headers(w.a.viewer) });
  equal(res.status, 200);
  const body = await res.json();
  deepEqual(body.members.map((m: { email: string }) => m.email).sort(), [
    "admin@acme.test",
    "ops@acme.test",
    "owner@acme.test",
    "viewer@acme.test",
  ]);
  const b = await (await w.app.request("/api/orgs/members", { headers: w.headers(w.ownerB) }))
    .json();
  deepEqual(b.members.map((m: { email: string }) => m.email), ["owner@beta.test"]);
});

Deno.test("[api] orgs: role changes follow who may grant what; last owner stays", async () => {
  await using w = await operatorWorld();
  const patch = (who: typeof w.a.owner, userId: string, body: string) =>
    w.app.request(`/api/orgs/members/${userId}`, {
      method: "PATCH",
      headers: w.headers(who, JSON_TYPE),
      body,
    });
  // admin may promote a viewer to ops, but not to owner, and may not touch the owner
  equal((await patch(w.a.admin, w.a.viewer.userId, '{"role":"ops"}')).status, 200);
  equal(await getMembership(w.services.ledger, w.orgA.id, w.a.viewer.userId), "ops");
  equal((await patch(w.a.admin, w.a.viewer.userId, '{"role":"owner"}')).status, 403);
  equal((await patch(w.a.admin, w.a.owner.userId, '{"role":"viewer"}')).status, 403);
  // the only owner cannot demote themself
  const last = await patch(w.a.owner, w.a.owner.userId, '{"role":"admin"}');
  equal(last.status, 409);
  equal((await last.json()).error.code, "last_owner");
  equal(await getMembership(w.services.ledger, w.orgA.id, w.a.owner.userId), "owner");
  // an id from another org is 404, never a change there
  equal((await patch(w.a.owner, w.ownerB.userId, '{"role":"viewer"}')).status, 404);
  equal(await getMembership(w.services.ledger, w.orgB.id, w.ownerB.userId), "owner");
  const changes = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "org.member.role_change",
    limit: 10,
  });
  equal(changes.entries.length, 1);
});

Deno.test("[api] orgs: bad input is refused with the field named and nothing changes", async () => {
  await using w = await operatorWorld();
  const before =
    (await listInvitations(w.services.ledger, w.orgA.id, { pendingOnly: true })).length;
  const post = (body: string, headers: Record<string, string> = JSON_TYPE) =>
    w.app.request("/api/orgs/invitations", {
      method: "POST",
      headers: w.headers(w.a.owner, headers),
      body,
    });
  const cases: Array<[string, Response, number, string | RegExp]> = [
    ["malformed JSON", await post("{oops"), 400, "invalid_json"],
    ["not an object", await post("[1,2]"), 400, "invalid_input"],
    ["unknown role", await post('{"email":"x@acme.test","role":"god"}'), 400, /^role:/],
    ["bad e-mail", await post('{"email":"nope","role":"ops"}'), 400, /^email:/],
    [
      "over-long e-mail",
      await post(JSON.stringify({ email: `${"a".repeat(300)}@acme.test`, role: "ops" })),
      400,
      /^email:/,
    ],
    [
      "unknown field",
      await post('{"email":"x@acme.test","role":"ops","admin":true}'),
      400,
      /admin|Unrecognized/i,
    ],
    [
      "wrong content type",
      await post('{"email":"x@acme.test","role":"ops"}', { "content-type": "text/plain" }),
      415,
      "",
    ],
  ];
  for (const [name, res, status, expected] of cases) {
    equal(res.status, status, name);
    const body = await res.json();
    equal(body.ok, false, name);
    if (expected instanceof RegExp) match(body.error.message, expected, name);
    else if (expected) equal(body.error.code, expected, name);
  }
  const csrf = await w.app.request("/api/orgs/invitations", {
    method: "POST",
    headers: { cookie: w.a.owner.cookie, "content-type": "application/x-www-form-urlencoded" },
    body: "email=x%40acme.test&role=owner",
  });
  equal(csrf.status, 403, "a form post without Origin is refused");
  const foreign = await w.app.request("/api/orgs/invitations", {
    method: "POST",
    headers: { cookie: w.a.owner.cookie, origin: "https://evil.example", ...JSON_TYPE },
    body: '{"email":"x@acme.test","role":"owner"}',
  });
  equal(foreign.status, 403, "a cross-origin post is refused");
  equal(
    (await listInvitations(w.services.ledger, w.orgA.id, { pendingOnly: true })).length,
    before,
    "nothing created",
  );
});

Deno.test("[api] orgs: invitations without SMTP return the link; accepting it joins once", async () => {
  await using w = await operatorWorld();
  const created = await w.app.request("/api/orgs/invitations", {
    method: "POST",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: '{"email":"ops@beta.test","role":"ops"}',
  });
  equal(created.status, 201);
  const body = await created.json();
  equal(body.mailed, false);
  const token = new URL(body.link).searchParams.get("token")!;
  const accept = (who: typeof w.ownerB) =>
    w.app.request("/api/orgs/invitations/accept", {
      method: "POST",
      headers: w.headers(who, JSON_TYPE),
      body: JSON.stringify({ token }),
    });
  const wrongUser = await accept(w.ownerB);
  equal(wrongUser.status, 403, "an invitation for another address is refused");
  equal((await wrongUser.json()).error.code, "invitation_other_email");
  // an admin cannot invite an owner
  const tooHigh = await w.app.request("/api/orgs/invitations", {
    method: "POST",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: '{"email":"boss@acme.test","role":"owner"}',
  });
  equal(tooHigh.status, 403);
  const members = await listMembers(w.services.ledger, w.orgA.id, { limit: 50 });
  ok(!members.some((m) => m.email === "ops@beta.test"));
});

Deno.test("[api] orgs: a viewer can leave, but not remove others", async () => {
  await using w = await operatorWorld();
  const del = (who: typeof w.a.viewer, userId: string) =>
    w.app.request(`/api/orgs/members/${userId}`, { method: "DELETE", headers: w.headers(who) });
  equal((await del(w.a.viewer, w.a.ops.userId)).status, 403);
  equal(await getMembership(w.services.ledger, w.orgA.id, w.a.ops.userId), "ops");
  equal((await del(w.a.viewer, w.a.viewer.userId)).status, 200);
  equal(await getMembership(w.services.ledger, w.orgA.id, w.a.viewer.userId), null);
  const left = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "org.member.leave",
    limit: 5,
  });
  equal(left.entries.length, 1);
});

Deno.test("[api] orgs: owners set audit retention; bad values name the field; it is audited", async () => {
  await using w = await operatorWorld();
  const patch = (who: typeof w.a.owner, body: string) =>
    w.app.request("/api/orgs/settings", {
      method: "PATCH",
      headers: w.headers(who, JSON_TYPE),
      body,
    });
  equal((await patch(w.a.admin, '{"auditRetentionDays":90}')).status, 403);
  const bad = await patch(w.a.owner, '{"auditRetentionDays":5}');
  equal(bad.status, 400);
  match((await bad.json()).error.message, /^auditRetentionDays:/);
  equal((await patch(w.a.owner, '{"auditRetentionDays":90}')).status, 200);
  const read = await (await w.app.request("/api/orgs/settings", { headers: w.headers(w.a.admin) }))
    .json();
  equal(read.auditRetentionDays, 90);
  equal(read.defaultAuditRetentionDays, 400);
  const b = await (await w.app.request("/api/orgs/settings", { headers: w.headers(w.ownerB) }))
    .json();
  equal(b.auditRetentionDays, null, "org B is untouched");
  const entries = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "org.settings.update",
    limit: 5,
  });
  equal(entries.entries.length, 1);
});

Deno.test("[api] orgs: owners set snapshot retention too; an empty patch is refused", async () => {
  await using w = await operatorWorld();
  const patch = (body: string) =>
    w.app.request("/api/orgs/settings", {
      method: "PATCH",
      headers: w.headers(w.a.owner, JSON_TYPE),
      body,
    });
  equal((await patch('{"snapshotRetentionDays":7}')).status, 200);
  const read = await (await w.app.request("/api/orgs/settings", { headers: w.headers(w.a.admin) }))
    .json();
  equal(read.snapshotRetentionDays, 7);
  equal(read.defaultSnapshotRetentionDays, 30);
  const bad = await patch('{"snapshotRetentionDays":0}');
  equal(bad.status, 400);
  match((await bad.json()).error.message, /^snapshotRetentionDays:/);
  equal((await patch("{}")).status, 400);
});
