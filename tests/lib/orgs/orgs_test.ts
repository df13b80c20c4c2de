import assert from "node:assert/strict";
import { addMember } from "@/lib/orgs/members.ts";
import {
  countOrgs,
  createOrg,
  getOrg,
  getOrgBySlug,
  listOrgsForUser,
  setOrgAuditRetention,
  validateSlug,
} from "@/lib/orgs/orgs.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { rejection, seedOrg, seedUser } from "../../support/operators.ts";

Deno.test("[orgs] validateSlug: 3-40 of a-z 0-9 -, no leading or trailing dash", () => {
  for (const ok of ["abc", "acme-ops", "a1-b2", "x".repeat(40), "9to5"]) {
    assert.equal(validateSlug(ok), null, ok);
  }
  for (const bad of ["ab", "x".repeat(41), "-acme", "acme-", "Acme", "ac me", "acmé", "a_b", ""]) {
    assert.match(validateSlug(bad) ?? "", /3-40 characters of a-z, 0-9 and '-'/, bad);
  }
});

forEachLedger(
  "[orgs] createOrg stores and reads back; slug and name are validated",
  async (ledger) => {
    const now = new Date("2026-11-25T10:00:00.000Z");
    const org = await createOrg(ledger, { name: "  Acme Ops ", slug: "acme-ops", now });
    assert.match(org.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.deepEqual(org, {
      id: org.id,
      slug: "acme-ops",
      name: "Acme Ops",
      auditRetentionDays: null,
      createdAt: now,
    });
    assert.deepEqual(await getOrg(ledger, org.id), org);
    assert.deepEqual(await getOrgBySlug(ledger, "acme-ops"), org);
    assert.equal(await getOrg(ledger, "nope"), null);
    assert.equal(await getOrgBySlug(ledger, "nope"), null);

    const badSlug = await rejection(createOrg(ledger, { name: "X", slug: "-x-" }));
    assert.deepEqual([badSlug.status, badSlug.code], [400, "invalid_slug"]);
    assert.match(badSlug.message, /^slug: /);
    const badName = await rejection(createOrg(ledger, { name: "  ", slug: "blank-name" }));
    assert.deepEqual([badName.status, badName.code], [400, "invalid_name"]);
    assert.equal(await countOrgs(ledger), 1, "nothing written by the rejected calls");
  },
);

forEachLedger(
  "[orgs] createOrg: a taken slug is 409 slug_taken, also under concurrency",
  async (ledger) => {
    await createOrg(ledger, { name: "First", slug: "taken" });
    const taken = await rejection(createOrg(ledger, { name: "Second", slug: "taken" }));
    assert.deepEqual([taken.status, taken.code], [409, "slug_taken"]);
    assert.match(taken.message, /pick another/);

    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => createOrg(ledger, { name: `Racer ${i}`, slug: "race" })),
    );
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results) {
      if (r.status === "rejected") assert.equal((r.reason as { code: string }).code, "slug_taken");
    }
    assert.equal(await countOrgs(ledger), 2);
  },
);

forEachLedger(
  "[orgs] listOrgsForUser: the user's orgs with roles, by name, paged",
  async (ledger) => {
    const user = await seedUser(ledger, "ops@example.com");
    const other = await seedUser(ledger, "other@example.com");
    const names = ["charlie", "alpha", "delta", "bravo"];
    const orgs = [];
    for (const name of names) orgs.push(await createOrg(ledger, { name, slug: `org-${name}` }));
    await addMember(ledger, { orgId: orgs[0].id, userId: user.id, role: "viewer" });
    await addMember(ledger, { orgId: orgs[1].id, userId: user.id, role: "owner" });
    await addMember(ledger, { orgId: orgs[3].id, userId: user.id, role: "ops" });
    await addMember(ledger, { orgId: orgs[2].id, userId: other.id, role: "owner" });

    const all = await listOrgsForUser(ledger, user.id);
    assert.deepEqual(all.map(({ org, role }) => [org.name, role]), [
      ["alpha", "owner"],
      ["bravo", "ops"],
      ["charlie", "viewer"],
    ]);
    const page1 = await listOrgsForUser(ledger, user.id, { limit: 2 });
    assert.deepEqual(page1.map((o) => o.org.name), ["alpha", "bravo"]);
    const last = page1[1].org;
    const page2 = await listOrgsForUser(ledger, user.id, { limit: 2, after: last });
    assert.deepEqual(page2.map((o) => o.org.name), ["charlie"]);
    assert.deepEqual(await listOrgsForUser(ledger, "no-such-user"), []);
    const badLimit = await rejection(listOrgsForUser(ledger, user.id, { limit: 201 }));
    assert.deepEqual([badLimit.status, badLimit.code], [400, "invalid_input"]);
  },
);

forEachLedger("[orgs] setOrgAuditRetention sets and clears; 404 and 400", async (ledger) => {
  const org = await seedOrg(ledger, "keeper");
  await setOrgAuditRetention(ledger, org.id, 30);
  assert.equal((await getOrg(ledger, org.id))?.auditRetentionDays, 30);
  await setOrgAuditRetention(ledger, org.id, null);
  assert.equal((await getOrg(ledger, org.id))?.auditRetentionDays, null);
  assert.equal((await rejection(setOrgAuditRetention(ledger, "missing", 30))).status, 404);
  assert.equal((await rejection(setOrgAuditRetention(ledger, org.id, 0))).status, 400);
});
