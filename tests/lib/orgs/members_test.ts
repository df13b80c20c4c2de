import assert from "node:assert/strict";
import {
  addMember,
  changeRole,
  getMembership,
  listMembers,
  removeMember,
} from "@/lib/orgs/members.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { rejection, seedMember, seedOrg, seedUser } from "../../support/operators.ts";

forEachLedger(
  "[orgs] members: add, get, list with e-mail and name, paged by e-mail",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const other = await seedOrg(ledger, "other");
    const carol = await seedMember(ledger, org, "carol@example.com", "ops");
    await seedMember(ledger, org, "alice@example.com", "owner");
    await seedMember(ledger, org, "bob@example.com", "viewer");
    await seedMember(ledger, other, "zed@example.com", "owner");

    assert.equal(await getMembership(ledger, org.id, carol.id), "ops");
    assert.equal(await getMembership(ledger, other.id, carol.id), null);

    const all = await listMembers(ledger, org.id);
    assert.deepEqual(all.map((m) => [m.email, m.name, m.role]), [
      ["alice@example.com", "alice", "owner"],
      ["bob@example.com", "bob", "viewer"],
      ["carol@example.com", "carol", "ops"],
    ]);
    assert.ok(
      all.every((m) => m.orgId === org.id && m.createdAt instanceof Date && m.disabledAt === null),
    );
    const page1 = await listMembers(ledger, org.id, { limit: 2 });
    assert.deepEqual(page1.map((m) => m.email), ["alice@example.com", "bob@example.com"]);
    const page2 = await listMembers(ledger, org.id, { limit: 2, after: page1[1].email });
    assert.deepEqual(page2.map((m) => m.email), ["carol@example.com"]);
    assert.equal((await rejection(listMembers(ledger, org.id, { limit: 0 }))).status, 400);

    const again = await rejection(
      addMember(ledger, { orgId: org.id, userId: carol.id, role: "admin" }),
    );
    assert.deepEqual([again.status, again.code], [409, "already_member"]);
    const badRole = await rejection(
      addMember(ledger, { orgId: org.id, userId: carol.id, role: "root" as "owner" }),
    );
    assert.deepEqual([badRole.status, badRole.code], [400, "invalid_role"]);
  },
);

forEachLedger(
  "[orgs] members: changeRole and removeMember keep at least one owner",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const owner = await seedMember(ledger, org, "owner@example.com", "owner");
    const admin = await seedMember(ledger, org, "admin@example.com", "admin");

    const demote = await rejection(
      changeRole(ledger, { orgId: org.id, userId: owner.id, role: "admin" }),
    );
    assert.deepEqual([demote.status, demote.code], [409, "last_owner"]);
    assert.match(demote.message, /promote another member to owner first/);
    const remove = await rejection(removeMember(ledger, { orgId: org.id, userId: owner.id }));
    assert.deepEqual([remove.status, remove.code], [409, "last_owner"]);
    assert.equal(await getMembership(ledger, org.id, owner.id), "owner", "unchanged");

    assert.deepEqual(
      await changeRole(ledger, { orgId: org.id, userId: admin.id, role: "owner" }),
      { previous: "admin", role: "owner" },
    );
    // Two owners now: the first may step down (even demoting themself), then not the second.
    assert.deepEqual(
      await changeRole(ledger, { orgId: org.id, userId: owner.id, role: "viewer" }),
      { previous: "owner", role: "viewer" },
    );
    assert.equal(
      (await rejection(removeMember(ledger, { orgId: org.id, userId: admin.id }))).code,
      "last_owner",
    );
    assert.deepEqual(await removeMember(ledger, { orgId: org.id, userId: owner.id }), {
      role: "viewer",
    });
    assert.equal(await getMembership(ledger, org.id, owner.id), null);
    assert.deepEqual(
      await changeRole(ledger, { orgId: org.id, userId: admin.id, role: "owner" }),
      { previous: "owner", role: "owner" },
      "no-op change",
    );
  },
);

forEachLedger("[orgs] members: unknown members and other orgs' members are 404", async (ledger) => {
  const a = await seedOrg(ledger, "org-a");
  const b = await seedOrg(ledger, "org-b");
  await seedMember(ledger, a, "a-owner@example.com", "owner");
  const bMember = await seedMember(ledger, b, "b-ops@example.com", "ops");
  const stranger = await seedUser(ledger, "stranger@example.com");

  for (const userId of [bMember.id, stranger.id, "missing"]) {
    const change = await rejection(changeRole(ledger, { orgId: a.id, userId, role: "viewer" }));
    assert.deepEqual([change.status, change.code], [404, "member_not_found"]);
    const remove = await rejection(removeMember(ledger, { orgId: a.id, userId }));
    assert.deepEqual([remove.status, remove.code], [404, "member_not_found"]);
  }
  assert.equal(await getMembership(ledger, b.id, bMember.id), "ops", "org B untouched");
  assert.deepEqual((await listMembers(ledger, a.id)).map((m) => m.email), ["a-owner@example.com"]);
});

forEachLedger(
  "[orgs] members: owners demoting each other at once leave one owner",
  async (ledger) => {
    const org = await seedOrg(ledger, "race");
    const owners = [];
    for (let i = 0; i < 6; i++) {
      owners.push(
        await seedMember(ledger, org, `o${i}@example.com`, "owner"),
      );
    }
    // Half demoted, half removed, all at once: without the org lock, each would count 6 owners.
    const results = await Promise.allSettled(
      owners.map((owner, i) =>
        i % 2 === 0
          ? changeRole(ledger, { orgId: org.id, userId: owner.id, role: "admin" })
          : removeMember(ledger, { orgId: org.id, userId: owner.id })
      ),
    );
    assert.equal(
      results.filter((r) => r.status === "fulfilled").length,
      5,
    );
    const failed = results.find((r) => r.status === "rejected");
    assert.equal((failed as PromiseRejectedResult).reason.code, "last_owner");
    const left = (await listMembers(ledger, org.id)).filter((m) => m.role === "owner");
    assert.equal(left.length, 1);
  },
);
