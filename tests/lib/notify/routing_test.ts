/**
 * What `notify()` decides before anything is sent: routing rules, explicit targets, the dedupe
 * window, quiet hours and maintenance windows (below critical only), digests of low events,
 * reports opt-in, organization isolation.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { type NotificationEvent, notify } from "@/lib/notify/notify.ts";
import { getDelivery } from "@/lib/notify/deliveries.ts";
import { flushDigest } from "@/lib/notify/digest.ts";
import { notifyDigestFlushKey } from "@/lib/db/kv.ts";
import { setOrgPolicy } from "@/lib/remediation/policy_store.ts";
import { HttpError } from "@/lib/fresh/errors.ts";
import { startWebhookReceiver } from "../../support/webhook_receiver.ts";
import { notifyWorld } from "./notify_world.ts";

function event(orgId: string, extra: Partial<NotificationEvent> = {}): NotificationEvent {
  return {
    orgId,
    type: "breach.opened",
    severity: "high",
    title: "Unexpected public port 6379",
    summary: "redis listens on 0.0.0.0",
    ...extra,
  };
}

Deno.test("[notify] routing rules: minimum severity, event types, disabled endpoints", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const url = `${hook.origin}/x`;
  const high = await w.addEndpoint({ name: "High+", kind: "slack", url, minSeverity: "high" });
  const incidents = await w.addEndpoint({
    name: "Incidents only",
    kind: "slack",
    url,
    minSeverity: "low",
    eventTypes: ["incident.opened", "incident.escalated"],
  });
  const off = await w.addEndpoint({ name: "Off", kind: "slack", url, enabled: false });
  const reports = await w.addEndpoint({
    name: "Reports",
    kind: "slack",
    url,
    eventTypes: ["report"],
  });

  const endpointsOf = async (ids: string[]) =>
    (await Promise.all(ids.map((id) => getDelivery(w.services.ledger, id)))).map((d) =>
      d!.endpointId
    ).sort();

  const breach = await notify(w.services, event(w.orgA.id));
  deepEqual(await endpointsOf(breach.deliveries), [high.endpoint.id]);
  const medium = await notify(w.services, event(w.orgA.id, { severity: "medium", title: "m" }));
  deepEqual(medium.deliveries, [], "below every matching minimum");
  const opened = await notify(w.services, event(w.orgA.id, { type: "incident.opened" }));
  deepEqual(
    await endpointsOf(opened.deliveries),
    [high.endpoint.id, incidents.endpoint.id].sort(),
  );
  const report = await notify(
    w.services,
    event(w.orgA.id, {
      type: "report",
      severity: "info",
      title: "Daily fleet report",
      body: { html: "<p>ok</p>", text: "ok" },
    }),
  );
  deepEqual(await endpointsOf(report.deliveries), [reports.endpoint.id], "reports are opt-in");
  equal(
    (await getDelivery(w.services.ledger, report.deliveries[0]))!.status,
    "queued",
    "no digest",
  );
  ok(![...breach.deliveries, ...opened.deliveries].some((id) => id === off.endpoint.id));

  // Explicit targets bypass the rules (a medium to the high+ endpoint) but skip disabled ones.
  const explicit = await notify(
    w.services,
    event(w.orgA.id, {
      severity: "medium",
      title: "explicit",
      targets: { endpointIds: [high.endpoint.id, off.endpoint.id, "ne_unknown"] },
    }),
  );
  deepEqual(await endpointsOf(explicit.deliveries), [high.endpoint.id]);

  // Organization B's event never reaches organization A's endpoints (nor its own: it has none).
  const other = await notify(
    w.services,
    event(w.orgB.id, {
      targets: { endpointIds: [high.endpoint.id] },
    }),
  );
  deepEqual(other, { deliveries: [], suppressed: [], deduped: false });
});

Deno.test("[notify] the dedupe window sends an identical notification once", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  await w.addEndpoint({ name: "Hook", kind: "webhook", url: `${hook.origin}/h` });
  const first = await notify(
    w.services,
    event(w.orgA.id, { dedupeKey: "incident:i1:escalated:2" }),
  );
  equal(first.deliveries.length, 1);
  const again = await notify(
    w.services,
    event(w.orgA.id, {
      dedupeKey: "incident:i1:escalated:2",
      title: "a different title, same key",
    }),
  );
  deepEqual(again, { deliveries: [], suppressed: [], deduped: true });
  const level3 = await notify(
    w.services,
    event(w.orgA.id, { dedupeKey: "incident:i1:escalated:3" }),
  );
  equal(level3.deliveries.length, 1, "another key is another notification");
  // Without a key, identical content is the key.
  equal((await notify(w.services, event(w.orgA.id))).deliveries.length, 1);
  equal((await notify(w.services, event(w.orgA.id))).deduped, true);

  w.services.clock.advance(10 * 60_000);
  equal((await notify(w.services, event(w.orgA.id))).deliveries.length, 1, "window over");
  await w.deliverDue();
  equal(hook.requests.length, 4);

  // The window is per organization and configurable (0: off).
  equal(
    (await w.api("PUT", "/api/notify/settings", w.a.admin, { dedupeWindowMinutes: 0 })).status,
    200,
  );
  equal((await notify(w.services, event(w.orgA.id))).deduped, false);
  equal((await notify(w.services, event(w.orgA.id))).deduped, false);
});

Deno.test("[notify] quiet hours suppress a medium but not a critical", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  await w.addEndpoint({
    name: "Hook",
    kind: "webhook",
    url: `${hook.origin}/h`,
    minSeverity: "low",
  });
  // The test clock starts at 10:00Z = 11:00 in Berlin: quiet from 10:30 to 12:00 local.
  const put = await w.api("PUT", "/api/notify/settings", w.a.admin, {
    quietHours: { start: "10:30", end: "12:00" },
    timezone: "Europe/Berlin",
  });
  equal(put.status, 200, put.text);
  const medium = await notify(w.services, event(w.orgA.id, { severity: "medium" }));
  equal(medium.deliveries.length, 0);
  equal(medium.suppressed.length, 1);
  const suppressed = (await getDelivery(w.services.ledger, medium.suppressed[0]))!;
  equal(suppressed.status, "suppressed");
  equal(suppressed.reason, "quiet_hours");
  const critical = await notify(w.services, event(w.orgA.id, { severity: "critical" }));
  equal(critical.deliveries.length, 1);
  // Explicit targets do not bypass quiet hours either.
  const explicit = await notify(
    w.services,
    event(w.orgA.id, {
      severity: "high",
      title: "escalation",
      targets: { emails: ["lead@acme.test"] },
    }),
  );
  equal(explicit.suppressed.length, 1);
  await w.deliverDue();
  equal(hook.requests.length, 1);
  equal(hook.requests[0].json<{ data: { severity: string } }>().data.severity, "critical");

  w.services.clock.advance(2 * 3_600_000); // 13:00 Berlin: quiet hours over
  equal((await notify(w.services, event(w.orgA.id, { title: "later" }))).deliveries.length, 1);
});

Deno.test("[notify] a maintenance window suppresses below critical", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  await w.addEndpoint({ name: "Hook", kind: "webhook", url: `${hook.origin}/h` });
  const now = w.services.clock.now();
  await setOrgPolicy(
    w.services.ledger,
    w.orgA.id,
    {
      maintenanceWindows: [{
        startsAt: new Date(now.getTime() - 60_000).toISOString(),
        endsAt: new Date(now.getTime() + 3_600_000).toISOString(),
        reason: "kernel upgrade",
      }],
    },
    w.a.admin.userId,
    now,
  );
  const high = await notify(w.services, event(w.orgA.id));
  equal(high.suppressed.length, 1);
  equal((await getDelivery(w.services.ledger, high.suppressed[0]))!.reason, "maintenance_window");
  equal(
    (await notify(w.services, event(w.orgA.id, { severity: "critical" }))).deliveries.length,
    1,
  );
});

Deno.test("[notify] a digest batches low events into one message per endpoint", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const { endpoint } = await w.addEndpoint({
    name: "Digest",
    kind: "webhook",
    url: `${hook.origin}/d`,
    minSeverity: "info",
  });
  const ids: string[] = [];
  for (const [i, severity] of (["low", "info", "low"] as const).entries()) {
    const r = await notify(w.services, event(w.orgA.id, { severity, title: `low ${i}` }));
    equal(r.deliveries.length, 1);
    ids.push(...r.deliveries);
  }
  for (const id of ids) equal((await getDelivery(w.services.ledger, id))!.status, "batched");
  equal(await w.deliverDue(), 0, "nothing sent one by one");
  const marker = await w.services.kv.get<{ at: number }>(notifyDigestFlushKey(endpoint.id));
  equal(
    marker.value?.at,
    w.services.clock.now().getTime() + 60 * 60_000,
    "one flush scheduled an interval (60 min default) ahead",
  );

  // The delayed notify.digest message (dispatched here as the queue would after the interval).
  const flush = { type: "notify.digest", orgId: w.orgA.id, endpointId: endpoint.id };
  await w.dispatch({ ...flush, id: "notify.digest:test:1" });
  await w.dispatch({ ...flush, id: "notify.digest:test:2" }); // a duplicate finds nothing left
  equal(await w.deliverDue(), 1);
  equal(hook.requests.length, 1);
  const body = hook.requests[0].json<{
    type: string;
    data: { title: string; items: { title: string; severity: string }[] };
  }>();
  equal(body.type, "notify.digest");
  match(body.data.title, /Digest: 3 low-severity events/);
  deepEqual(body.data.items.map((i) => i.title), ["low 0", "low 1", "low 2"]);
  for (const id of ids) {
    const d = (await getDelivery(w.services.ledger, id))!;
    equal(d.status, "digested");
    ok(d.digestId);
  }
  equal(await flushDigest(w.services, w.orgA.id, endpoint.id), null, "empty batch: no message");
});

Deno.test("[notify] a malformed event is refused naming the field; nothing is stored", async () => {
  await using w = await notifyWorld();
  for (
    const [bad, field] of [
      [{ type: "incident.exploded" }, "type"],
      [{ severity: "urgent" }, "severity"],
      [{ title: "" }, "title"],
      [{ url: "javascript:alert(1)" }, "url"],
      [{ targets: { emails: ["nope"] } }, "targets.emails.0"],
    ] as const
  ) {
    try {
      await notify(w.services, { ...event(w.orgA.id), ...bad } as unknown as NotificationEvent);
      ok(false, `accepted ${JSON.stringify(bad)}`);
    } catch (error) {
      ok(error instanceof HttpError);
      equal(error.status, 400);
      equal((error.details as { field: string }).field, field);
    }
  }
  const rows = await w.services.ledger.db.selectFrom("notify_deliveries").selectAll().execute();
  equal(rows.length, 0);
});
