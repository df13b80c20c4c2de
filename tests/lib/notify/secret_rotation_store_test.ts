/**
 * Webhook secret rotation in the ledger on both dialects: the previous secret opens for a send
 * only before the end of its overlap and is cleared from the row from then on; no overlap keeps
 * none; two concurrent rotations leave both new secrets signing (neither answer shows a secret
 * that stops working).
 */
import { deepEqual, equal } from "node:assert/strict";
import type { AuthState } from "@/lib/auth/state.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { toDateOrNull } from "@/lib/db/ledger/values.ts";
import { createEndpoint, rotateEndpointSecret } from "@/lib/notify/endpoint_admin.ts";
import { openEndpointTarget } from "@/lib/notify/endpoint_store.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { seedMember, seedOrg } from "../../support/operators.ts";
import { openTestServices, type TestServices } from "../../support/test_services.ts";

const DAY = 86_400_000;
const client = { ip: "127.0.0.1", userAgent: "test" };

/**
 * Services on `ledger`, an admin of a new organization acting as a signed-in operator, and a
 * webhook endpoint they created (its id and first secret).
 */
async function webhookOf(ledger: Ledger) {
  const services: TestServices = { ...(await openTestServices()), ledger };
  const org = await seedOrg(ledger, "acme");
  const user = await seedMember(ledger, org, "admin@acme.test", "admin");
  const now = services.clock.now().toISOString();
  const choice = { id: org.id, slug: org.slug, name: org.name, role: "admin" as const };
  const auth: AuthState = {
    session: {
      id: "s1",
      userId: user.id,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now,
      ip: client.ip,
      userAgent: client.userAgent,
      mfa: false,
      activeOrgId: org.id,
    },
    user: { id: user.id, email: user.email, name: user.name, totpEnabled: false },
    orgs: [choice],
    org: choice,
  };
  const created = await createEndpoint(services, auth, {
    name: "Pager",
    kind: "webhook",
    url: "http://127.0.0.1:9/hook",
  }, client);
  return { services, auth, orgId: org.id, id: created.endpoint.id, firstSecret: created.secret! };
}

forEachLedger(
  "[notify] rotation store: the previous secret signs until its overlap ends, then is cleared",
  async (ledger) => {
    const { services, auth, orgId, id, firstSecret } = await webhookOf(ledger);
    await using _ = services;
    const rotatedAt = services.clock.now();
    const rotated = await rotateEndpointSecret(services, auth, id, {}, client);
    const until = new Date(rotatedAt.getTime() + DAY);
    equal(rotated.endpoint.previousSecretUntil?.getTime(), until.getTime());

    services.clock.set(new Date(until.getTime() - 1));
    const other = await seedOrg(ledger, "other");
    equal(await openEndpointTarget(services, other.id, id), null, "another org opens nothing");
    let target = (await openEndpointTarget(services, orgId, id))!;
    deepEqual([target.secret, target.previousSecret], [rotated.secret, firstSecret]);
    equal(target.previousSecretUntil?.getTime(), until.getTime());

    services.clock.set(until);
    target = (await openEndpointTarget(services, orgId, id))!;
    deepEqual([target.secret, target.previousSecret], [rotated.secret, null]);
    equal(target.previousSecretUntil, null);
    const row = await ledger.db.selectFrom("notify_endpoints")
      .select(["previous_secret_sealed", "previous_secret_until"]).where("id", "=", id)
      .executeTakeFirstOrThrow();
    deepEqual({ ...row }, { previous_secret_sealed: null, previous_secret_until: null });

    // A rotation without an overlap keeps no previous secret at all.
    const overlapping = await rotateEndpointSecret(
      services,
      auth,
      id,
      { graceSeconds: 60 },
      client,
    );
    const stopped = await rotateEndpointSecret(services, auth, id, { graceSeconds: 0 }, client);
    equal(stopped.endpoint.previousSecretUntil, null);
    target = (await openEndpointTarget(services, orgId, id))!;
    deepEqual([target.secret, target.previousSecret], [stopped.secret, null]);
    equal(target.secret === overlapping.secret, false);
  },
);

forEachLedger(
  "[notify] rotation store: two concurrent rotations leave both new secrets signing",
  async (ledger) => {
    const { services, auth, orgId, id, firstSecret } = await webhookOf(ledger);
    await using _ = services;
    const [a, b] = await Promise.all([
      rotateEndpointSecret(services, auth, id, {}, client),
      rotateEndpointSecret(services, auth, id, {}, client),
    ]);
    const target = (await openEndpointTarget(services, orgId, id))!;
    deepEqual(
      [target.secret, target.previousSecret].sort(),
      [a.secret, b.secret].sort(),
      "the secret each answer showed verifies",
    );
    equal([target.secret, target.previousSecret].includes(firstSecret), false, "original dropped");
    const stored = await ledger.db.selectFrom("notify_endpoints").select("previous_secret_until")
      .where("id", "=", id).executeTakeFirstOrThrow();
    equal(
      toDateOrNull(stored.previous_secret_until)?.getTime(),
      services.clock.now().getTime() + DAY,
    );
  },
);
