/**
 * The delivery store on both ledger dialects: one claim wins among concurrent consumers, an
 * attempt is recorded once, the log and the latest status per endpoint, due and stuck attempts
 * for the redrive, overdue digests.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { createOrg } from "@/lib/orgs/orgs.ts";
import {
  claimDelivery,
  deliveryLog,
  finishAttempt,
  getDelivery,
  lastDeliveries,
  type NewDelivery,
  newDeliveryId,
} from "@/lib/notify/deliveries.ts";
import { CLAIM_LEASE_MS, dueDeliveryMessages } from "@/lib/notify/pipeline.ts";
import { overdueDigests } from "@/lib/notify/digest.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { testClock } from "../../support/test_services.ts";
import { insertEndpointRow } from "../../support/notify_rows.ts";

const T0 = new Date("2026-11-25T10:00:00.000Z");

async function seed(ledger: Ledger) {
  const org = await createOrg(ledger, { name: "Acme", slug: "acme", now: T0 });
  await insertEndpointRow(ledger, org.id, T0);
  const row = (status: string, extra: Partial<NewDelivery> = {}): NewDelivery => ({
    id: newDeliveryId(T0),
    org_id: org.id,
    endpoint_id: "ne_1",
    kind: "webhook",
    recipient: null,
    event_type: "incident.opened",
    severity: "high",
    title: "t",
    dedupe_key: null,
    payload: JSON.stringify({ summary: "s" }),
    status,
    attempts: 0,
    next_attempt_at: status === "queued" ? T0 : null,
    created_at: T0,
    updated_at: T0,
    ...extra,
  });
  return { orgId: org.id, row };
}

const sent = { ok: true, code: 200, latencyMs: 12, error: null, retryable: false };

forEachLedger(
  "[notify] deliveries: one claim wins; an attempt is recorded once",
  async (ledger) => {
    const { orgId, row } = await seed(ledger);
    const queued = row("queued");
    await ledger.db.insertInto("notify_deliveries").values(queued).execute();
    const claims = await Promise.all(
      Array.from({ length: 6 }, () => claimDelivery(ledger, queued.id, 1, T0, CLAIM_LEASE_MS)),
    );
    equal(claims.filter(Boolean).length, 1, "exactly one consumer holds attempt 1");
    equal(await claimDelivery(ledger, queued.id, 2, T0, CLAIM_LEASE_MS), false, "not its turn");
    const delivery = { id: queued.id, orgId, endpointId: "ne_1" };
    const done = { status: "sent" as const, nextAttemptAt: null };
    equal(await finishAttempt(ledger, delivery, 1, T0, sent, done, T0), true);
    equal(await finishAttempt(ledger, delivery, 1, T0, sent, done, T0), false, "only once");
    const [logged] = await deliveryLog(ledger, orgId, "ne_1");
    equal(logged.status, "sent");
    deepEqual(logged.attemptLog.map((a) => [a.attempt, a.status, a.responseCode, a.latencyMs]), [
      [1, "sent", 200, 12],
    ]);
    equal((await lastDeliveries(ledger, orgId)).get("ne_1")?.status, "sent");
  },
);

forEachLedger(
  "[notify] deliveries: due, stuck and overdue work for the redrive",
  async (ledger) => {
    const { orgId, row } = await seed(ledger);
    const clock = testClock(T0);
    const due = row("queued");
    const later = row("retrying", {
      attempts: 2,
      next_attempt_at: new Date(T0.getTime() + 60_000),
    });
    const stuck = row("sending", { attempts: 3, claimed_at: T0 });
    const batched = row("batched", { severity: "low" });
    await ledger.db.insertInto("notify_deliveries").values([due, later, stuck, batched]).execute();
    const services = { ledger, clock };
    deepEqual((await dueDeliveryMessages(services)).map((m) => [m.deliveryId, m.attempt]), [
      [due.id, 1],
    ]);
    clock.advance(CLAIM_LEASE_MS + 1);
    const messages = await dueDeliveryMessages(services);
    deepEqual(
      messages.map((m) => [m.deliveryId, m.attempt]).sort(),
      [
        [due.id, 1],
        [later.id, 3],
        [stuck.id, 3],
      ].sort(),
    );
    ok(messages.every((m) => m.id.includes(":r")), "redrive messages get fresh ids");
    // The stuck claim can be taken over after its lease; a fresh one cannot.
    equal(await claimDelivery(ledger, stuck.id, 3, clock.now(), CLAIM_LEASE_MS), true);
    equal(await claimDelivery(ledger, stuck.id, 3, clock.now(), CLAIM_LEASE_MS), false);
    equal((await getDelivery(ledger, stuck.id))!.claimedAt?.getTime(), clock.now().getTime());

    deepEqual(await overdueDigests(services), [], "within the 60 min interval");
    clock.advance(71 * 60_000);
    deepEqual(await overdueDigests(services), [{ orgId, endpointId: "ne_1" }]);
  },
);
