import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  acceptInvitation,
  createInvitation,
  getInvitationByToken,
  listInvitations,
  revokeInvitation,
} from "@/lib/orgs/invitations.ts";
import { getMembership } from "@/lib/orgs/members.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import type { Role } from "@/lib/auth/roles.ts";
import type { Org } from "@/lib/orgs/orgs.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { rejection, seedMember, seedOrg, seedUser } from "../../support/operators.ts";

const T0 = new Date("2026-11-25T10:00:00.000Z");
const HOUR = 3_600_000;
const later = (ms: number) => new Date(T0.getTime() + ms);

async function invite(ledger: Ledger, org: Org, email: string, role: Role = "ops", now = T0) {
  return await createInvitation(ledger, {
    orgId: org.id,
    email,
    role,
    invitedBy: "inviter",
    ttlMs: 24 * HOUR,
    now,
  });
}

forEachLedger(
  "[orgs] invitations: create returns a token; only its SHA-256 is stored",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const { invitation, token } = await invite(ledger, org, " New@Example.com ");
    assert.match(token, /^[A-Za-z0-9_-]{43}$/, "32 random bytes, base64url");
    assert.deepEqual(
      { ...invitation, id: "(ulid)" },
      {
        id: "(ulid)",
        orgId: org.id,
        email: "new@example.com",
        role: "ops",
        invitedBy: "inviter",
        createdAt: T0,
        expiresAt: later(24 * HOUR),
        acceptedAt: null,
        acceptedBy: null,
        revokedAt: null,
        status: "pending",
      },
    );
    const row = await ledger.db.selectFrom("invitations").selectAll().executeTakeFirstOrThrow();
    assert.equal(row.token_hash, createHash("sha256").update(token).digest("hex"));
    assert.ok(
      !JSON.stringify({ ...row }).includes(token),
      "the token itself is nowhere in the row",
    );

    const found = await getInvitationByToken(ledger, token, later(HOUR));
    assert.ok(found.ok);
    assert.equal(found.invitation.id, invitation.id);
    assert.deepEqual([found.invitation.orgName, found.invitation.orgSlug], ["Acme", "acme"]);

    const badEmail = await rejection(invite(ledger, org, "not-an-email"));
    assert.deepEqual([badEmail.status, badEmail.code], [400, "invalid_email"]);
    const badRole = await rejection(invite(ledger, org, "x@example.com", "god" as Role));
    assert.deepEqual([badRole.status, badRole.code], [400, "invalid_role"]);
  },
);

forEachLedger(
  "[orgs] invitations: accept adds the member once; a used token is 410",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const user = await seedUser(ledger, "new@example.com");
    const { token, invitation } = await invite(ledger, org, "new@example.com", "admin");
    const accepted = await acceptInvitation(ledger, { token, userId: user.id, now: later(HOUR) });
    assert.deepEqual(accepted, {
      orgId: org.id,
      role: "admin",
      email: "new@example.com",
      invitationId: invitation.id,
    });
    assert.equal(await getMembership(ledger, org.id, user.id), "admin");

    const again = await rejection(
      acceptInvitation(ledger, { token, userId: user.id, now: later(HOUR) }),
    );
    assert.deepEqual([again.status, again.code], [410, "invitation_used"]);
    assert.deepEqual(await getInvitationByToken(ledger, token, later(HOUR)), {
      ok: false,
      reason: "used",
    });
    const [listed] = await listInvitations(ledger, org.id, { now: later(HOUR) });
    assert.equal(listed.status, "accepted");
    assert.equal(listed.acceptedBy, user.id);
    assert.deepEqual(listed.acceptedAt, later(HOUR));
  },
);

forEachLedger(
  "[orgs] invitations: two concurrent accepts of one token: exactly one wins",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const a = await seedUser(ledger, "a@example.com");
    const b = await seedUser(ledger, "b@example.com");
    const { token } = await invite(ledger, org, "a@example.com");
    const results = await Promise.allSettled([
      acceptInvitation(ledger, { token, userId: a.id, now: later(HOUR) }),
      acceptInvitation(ledger, { token, userId: b.id, now: later(HOUR) }),
      acceptInvitation(ledger, { token, userId: a.id, now: later(HOUR) }),
    ]);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results) {
      if (r.status === "rejected") assert.equal(r.reason.code, "invitation_used");
    }
    const members = [
      await getMembership(ledger, org.id, a.id),
      await getMembership(ledger, org.id, b.id),
    ];
    assert.equal(members.filter((m) => m !== null).length, 1, "one membership came of it");
  },
);

forEachLedger("[orgs] invitations: expired, revoked and unknown tokens", async (ledger) => {
  const org = await seedOrg(ledger, "acme");
  const user = await seedUser(ledger, "x@example.com");

  const expiring = await invite(ledger, org, "x@example.com");
  const atExpiry = later(24 * HOUR);
  assert.deepEqual(await getInvitationByToken(ledger, expiring.token, atExpiry), {
    ok: false,
    reason: "expired",
  });
  const expired = await rejection(
    acceptInvitation(ledger, { token: expiring.token, userId: user.id, now: atExpiry }),
  );
  assert.deepEqual([expired.status, expired.code], [410, "invitation_expired"]);

  const revoked = await invite(ledger, org, "y@example.com");
  const result = await revokeInvitation(ledger, org.id, revoked.invitation.id, later(HOUR));
  assert.equal(result.status, "revoked");
  assert.deepEqual(result.revokedAt, later(HOUR));
  await revokeInvitation(ledger, org.id, revoked.invitation.id, later(2 * HOUR)); // idempotent
  assert.deepEqual(await getInvitationByToken(ledger, revoked.token, later(HOUR)), {
    ok: false,
    reason: "revoked",
  });
  const gone = await rejection(
    acceptInvitation(ledger, { token: revoked.token, userId: user.id, now: later(HOUR) }),
  );
  assert.deepEqual([gone.status, gone.code], [410, "invitation_revoked"]);

  for (const token of ["A".repeat(43), "short", "", "A".repeat(43) + "'"]) {
    assert.deepEqual(await getInvitationByToken(ledger, token, T0), {
      ok: false,
      reason: "unknown",
    });
    const unknown = await rejection(acceptInvitation(ledger, { token, userId: user.id, now: T0 }));
    assert.deepEqual([unknown.status, unknown.code], [404, "invitation_unknown"]);
  }
  assert.equal(await getMembership(ledger, org.id, user.id), null, "nothing was joined");
});

forEachLedger("[orgs] invitations: re-inviting revokes the earlier pending one", async (ledger) => {
  const org = await seedOrg(ledger, "acme");
  const first = await invite(ledger, org, "z@example.com", "viewer");
  const second = await invite(ledger, org, "Z@example.com", "ops", later(HOUR));
  assert.deepEqual(await getInvitationByToken(ledger, first.token, later(HOUR)), {
    ok: false,
    reason: "revoked",
  });
  assert.ok((await getInvitationByToken(ledger, second.token, later(HOUR))).ok);
  const pending = await listInvitations(ledger, org.id, { pendingOnly: true, now: later(HOUR) });
  assert.deepEqual(pending.map((i) => [i.id, i.role]), [[second.invitation.id, "ops"]]);
});

forEachLedger(
  "[orgs] invitations: accepting keeps the higher of an existing and the invited role",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    // Invited first, members by another way before they accept (inviting a member is refused).
    const down = await invite(ledger, org, "admin@example.com", "viewer");
    const up = await invite(ledger, org, "viewer@example.com", "ops");
    const admin = await seedMember(ledger, org, "admin@example.com", "admin");
    const viewer = await seedMember(ledger, org, "viewer@example.com", "viewer");
    const again = await rejection(invite(ledger, org, "Admin@Example.com", "ops"));
    assert.deepEqual([again.status, again.code], [409, "already_member"]);
    assert.equal(again.message, "email: admin@example.com is already a member (admin)");
    assert.equal(
      (await acceptInvitation(ledger, { token: down.token, userId: admin.id, now: T0 })).role,
      "admin",
    );
    assert.equal(await getMembership(ledger, org.id, admin.id), "admin");
    assert.equal(
      (await acceptInvitation(ledger, { token: up.token, userId: viewer.id, now: T0 })).role,
      "ops",
    );
    assert.equal(await getMembership(ledger, org.id, viewer.id), "ops");
  },
);

forEachLedger(
  "[orgs] invitations: scoped by org: another org's id is 404, lists are per org",
  async (ledger) => {
    const a = await seedOrg(ledger, "org-a");
    const b = await seedOrg(ledger, "org-b");
    const inB = await invite(ledger, b, "b@example.com");
    await invite(ledger, a, "a@example.com");
    const wrongOrg = await rejection(revokeInvitation(ledger, a.id, inB.invitation.id));
    assert.deepEqual([wrongOrg.status, wrongOrg.code], [404, "invitation_unknown"]);
    assert.ok(
      (await getInvitationByToken(ledger, inB.token, T0)).ok,
      "org B's invitation untouched",
    );
    assert.deepEqual((await listInvitations(ledger, a.id, { now: T0 })).map((i) => i.email), [
      "a@example.com",
    ]);
    assert.deepEqual((await listInvitations(ledger, b.id, { now: T0 })).map((i) => i.email), [
      "b@example.com",
    ]);

    const user = await seedUser(ledger, "used@example.com");
    const used = await invite(ledger, a, "used@example.com");
    await acceptInvitation(ledger, { token: used.token, userId: user.id, now: T0 });
    const late = await rejection(revokeInvitation(ledger, a.id, used.invitation.id));
    assert.deepEqual([late.status, late.code], [409, "invitation_used"]);
  },
);

forEachLedger("[orgs] invitations: listInvitations pages newest first", async (ledger) => {
  const org = await seedOrg(ledger, "acme");
  const ids = [];
  for (let i = 0; i < 5; i++) {
    ids.push(
      (await invite(ledger, org, `p${i}@example.com`, "ops", later(i * 1000))).invitation.id,
    );
  }
  const page1 = await listInvitations(ledger, org.id, { limit: 2, now: T0 });
  assert.deepEqual(page1.map((i) => i.id), [ids[4], ids[3]]);
  const page2 = await listInvitations(ledger, org.id, { limit: 2, before: page1[1].id, now: T0 });
  assert.deepEqual(page2.map((i) => i.id), [ids[2], ids[1]]);
});
