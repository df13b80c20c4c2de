/**
 * Escalation on delayed KV queue messages, driven with the test clock: the consumer is invoked
 * with the message the incident's current step names (the message the queue would deliver).
 * No ack → level 2 at the deadline (pages its members and endpoint); an early timer does
 * nothing; a duplicated or concurrent delivery never escalates twice; ack stops escalation;
 * past the last level reminders repeat up to the repeat count; escalation by hand.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { createQueueDispatcher } from "@/jobs/queue.ts";
import { createQueueHandlers } from "@/jobs/mod.ts";
import { incidentQueueHandlers } from "@/jobs/incidents.ts";
import { escalateIncident } from "@/lib/incidents/escalation.ts";
import { escalateMessage } from "@/lib/incidents/timer.ts";
import { type IncidentWorld, incidentWorld } from "./world.ts";

const MIN = 60_000;

/** Level 1: the ops member; level 2: the admin member and a webhook endpoint. */
async function twoLevels(w: IncidentWorld, extra: Record<string, unknown> = {}) {
  const endpoint = await w.api(w.a.admin, "POST", "/api/notify/endpoints", {
    name: "pager",
    kind: "webhook",
    url: "http://127.0.0.1:9/hook",
    // Routing rules never pick it: only the escalation levels page it.
    eventTypes: ["report"],
  });
  equal(endpoint.status, 201, JSON.stringify(endpoint.body));
  const endpointId = (endpoint.body.endpoint as { id: string }).id;
  const policy = await w.api(w.a.admin, "PUT", "/api/escalation-policy", {
    levels: [{ userIds: [w.a.ops.userId] }, {
      userIds: [w.a.admin.userId],
      endpointIds: [endpointId],
    }],
    ...extra,
  });
  equal(policy.status, 200, JSON.stringify(policy.body));
  return endpointId;
}

Deno.test("[escalation] no ack → level 2 at the deadline; duplicates never escalate twice; ack stops it", async () => {
  await using w = await incidentWorld();
  const endpointId = await twoLevels(w);
  const opened = await w.open({ severity: "critical" });
  equal(opened.escalationLevel, 1, "level 1 is paged on open");
  equal(new Date(opened.ackDueAt!).getTime() - new Date(opened.openedAt).getTime(), 5 * MIN);
  // Level 1 was paged by e-mail at once.
  deepEqual((await w.deliveries("incident.opened")).map((d) => d.recipient), ["ops@acme.test"]);

  const handle = incidentQueueHandlers(w.services)["incident.escalate"];
  const first = escalateMessage(opened.id, opened.escalationStep);
  // Delivered early (4 minutes in): nothing happens.
  w.services.clock.advance(4 * MIN);
  equal((await escalateIncident(w.services, opened.id, first.step)).outcome, "early");
  equal((await w.incident(opened.id)).escalationLevel, 1);

  w.services.clock.advance(1 * MIN);
  await handle(first);
  const escalated = await w.incident(opened.id);
  equal(escalated.escalationLevel, 2, "level 2 at the deadline");
  equal(escalated.escalationStep, first.step + 1);
  equal(
    escalated.nextEscalationAt?.getTime(),
    w.services.clock.now().getTime() + 10 * MIN,
    "the next check after the repeat interval",
  );
  const paged = await w.deliveries("incident.escalated");
  deepEqual(
    paged.map((d) => d.endpoint_id ?? d.recipient).sort(),
    [endpointId, "admin@acme.test"].sort(),
    "level 2's member and endpoint",
  );

  // The same message delivered again, and twice at once: nothing more.
  await handle(first);
  await Promise.all([handle(first), handle(first)]);
  equal((await w.incident(opened.id)).escalationLevel, 2);
  equal((await w.deliveries("incident.escalated")).length, 2);
  const timeline = await w.api(w.a.viewer, "GET", `/api/incidents/${opened.id}`);
  equal(
    (timeline.body.events as { type: string }[]).filter((e) => e.type === "escalated").length,
    1,
  );

  // Acknowledged: the next timer (through the real dispatcher) does nothing.
  equal(
    (await w.api(w.a.ops, "POST", `/api/incidents/${opened.id}`, { action: "acknowledge" })).status,
    200,
  );
  w.services.clock.advance(10 * MIN);
  const dispatch = createQueueDispatcher(createQueueHandlers(w.services), w.services);
  await dispatch(escalateMessage(opened.id, escalated.escalationStep));
  const acked = await w.incident(opened.id);
  equal(acked.state, "acknowledged");
  equal(acked.escalationLevel, 2);
  equal(acked.nextEscalationAt, null);
  equal((await w.deliveries("incident.reminder")).length, 0);
  equal((await w.deliveries("incident.escalated")).length, 2);
});

Deno.test("[escalation] past the last level: reminders to the last level, bounded by the repeat count", async () => {
  await using w = await incidentWorld();
  await twoLevels(w, { repeatCount: 2, ackMinutes: { high: 15 }, repeatMinutes: { high: 20 } });
  const opened = await w.open({ severity: "high" });
  const run = async () => {
    const now = await w.incident(opened.id);
    w.services.clock.set(now.nextEscalationAt!);
    return await escalateIncident(w.services, opened.id, now.escalationStep);
  };
  equal((await run()).outcome, "escalated");
  equal((await run()).outcome, "reminded");
  equal((await run()).outcome, "reminded");
  const last = await w.incident(opened.id);
  equal(last.remindersSent, 2);
  equal((await run()).outcome, "exhausted");
  const done = await w.incident(opened.id);
  equal(done.nextEscalationAt, null, "no more timers");
  equal(done.escalationLevel, 2);
  equal((await w.deliveries("incident.reminder")).length, 4, "two reminders, member and endpoint");
  // A stale timer of an old step does nothing.
  equal((await escalateIncident(w.services, opened.id, opened.escalationStep)).outcome, "stale");
});

Deno.test("[escalation] POST /api/ops/incidents/escalate pages the next level now", async () => {
  await using w = await incidentWorld();
  await twoLevels(w);
  const opened = await w.open({ severity: "medium" });
  const viewer = await w.api(w.a.viewer, "POST", "/api/ops/incidents/escalate", {
    incidentId: opened.id,
  });
  equal(viewer.status, 403);
  const res = await w.api(w.a.ops, "POST", "/api/ops/incidents/escalate", {
    incidentId: opened.id,
  });
  equal(res.status, 200, JSON.stringify(res.body));
  equal((res.body.incident as { escalationLevel: number }).escalationLevel, 2);
  // The timer armed at open is stale now.
  equal((await escalateIncident(w.services, opened.id, opened.escalationStep)).outcome, "stale");
  const again = await w.api(w.a.ops, "POST", "/api/ops/incidents/escalate", {
    incidentId: opened.id,
  });
  equal(again.status, 409);
  equal(again.body.error?.code, "no_next_level");
  const bad = await w.api(w.a.ops, "POST", "/api/ops/incidents/escalate", {});
  equal(bad.status, 400);
  equal(bad.body.error?.details?.field, "incidentId");
  const other = await w.api(w.ownerB, "POST", "/api/ops/incidents/escalate", {
    incidentId: opened.id,
  });
  equal(other.status, 404);
  await w.api(w.a.ops, "POST", `/api/incidents/${opened.id}`, { action: "resolve" });
  const resolved = await w.api(w.a.ops, "POST", "/api/ops/incidents/escalate", {
    incidentId: opened.id,
  });
  equal(resolved.status, 409);
  equal(resolved.body.error?.code, "invalid_transition");
});

Deno.test("[escalation] re-opening arms a new deadline from level 1", async () => {
  await using w = await incidentWorld();
  await twoLevels(w);
  const opened = await w.open({ severity: "critical" });
  await w.api(w.a.ops, "POST", `/api/incidents/${opened.id}`, { action: "resolve" });
  w.services.clock.advance(2 * MIN);
  const res = await w.api(w.a.ops, "POST", `/api/incidents/${opened.id}`, { action: "reopen" });
  equal(res.status, 200, JSON.stringify(res.body));
  const reopened = await w.incident(opened.id);
  equal(reopened.state, "open");
  equal(reopened.escalationLevel, 1);
  equal(reopened.ackDueAt?.getTime(), w.services.clock.now().getTime() + 5 * MIN);
  ok(reopened.escalationStep > opened.escalationStep);
  equal(reopened.resolvedAt, null);
  w.services.clock.advance(5 * MIN);
  equal(
    (await escalateIncident(w.services, opened.id, reopened.escalationStep)).outcome,
    "escalated",
  );
});
