/**
 * Automatic incidents from real pushes: the IOC fixture pushed several times is exactly one
 * incident with every critical signal linked, which pages a real local webhook receiver with a
 * correctly signed Standard Webhooks message; fixed breaches suggest resolving; a
 * critical-priority host's silence opens one, an ordinary host's does not.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { runHeartbeatSweep } from "@/jobs/heartbeat_sweep.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { listIncidents } from "@/lib/incidents/query.ts";
import { startWebhookReceiver, verifyStandardWebhook } from "../../support/webhook_receiver.ts";
import { startSmtpServer } from "../../support/smtp.ts";
import { fixtureJson, pushStatus } from "../../support/hosts_api.ts";
import { incidentWorld } from "../../lib/incidents/world.ts";

interface Listed {
  incidents: { id: string; state: string; severity: string; hostId: string; groupKey: string }[];
  counts: Record<string, number>;
}

Deno.test("[incidents] an IOC flood is ONE incident with its signals linked, and pages a signed webhook and an e-mail", async () => {
  await using smtp = await startSmtpServer();
  await using w = await incidentWorld({ env: { SMTP_URL: smtp.url } });
  await using hook = await startWebhookReceiver();
  const mailbox = await w.api(w.a.admin, "POST", "/api/notify/endpoints", {
    name: "on-call mail",
    kind: "email",
    emails: ["oncall@example.test"],
    minSeverity: "critical",
  });
  equal(mailbox.status, 201, JSON.stringify(mailbox.body));
  const endpoint = await w.api(w.a.admin, "POST", "/api/notify/endpoints", {
    name: "pager",
    kind: "webhook",
    url: `${hook.origin}/hook`,
    minSeverity: "high",
  });
  equal(endpoint.status, 201, JSON.stringify(endpoint.body));
  const secret = endpoint.body.secret as string;
  const endpointId = (endpoint.body.endpoint as { id: string }).id;

  const shop = await w.host("shop-prod-1");
  for (
    const ts of ["2026-11-25T09:50:00.000Z", "2026-11-25T09:55:00.000Z", "2026-11-25T09:59:00.000Z"]
  ) {
    await w.pushIoc(shop, ts);
  }

  const list = await w.api(w.a.viewer, "GET", "/api/incidents");
  equal(list.status, 200);
  const { incidents, counts } = list.body as unknown as Listed;
  equal(incidents.length, 1, "three IOC snapshots, one incident");
  const [incident] = incidents;
  equal(incident.state, "open");
  equal(incident.severity, "critical");
  equal(incident.hostId, shop.host.id);
  equal(incident.groupKey, "ioc");
  equal(counts.open, 1);

  const detail = await w.api(w.a.viewer, "GET", `/api/incidents/${incident.id}`);
  equal(detail.status, 200);
  const links = detail.body.links as { kind: string; detail: string }[];
  const signals = links.filter((l) => l.kind === "signal");
  equal(signals.length, 3, "every critical signal of every snapshot is linked");
  ok(signals.every((s) => s.detail === "critical outbound_scan_ioc"));
  equal(links.filter((l) => l.kind === "breach").length, 1, "the critical breach is linked");
  equal(links.filter((l) => l.kind === "host").length, 1);
  equal((detail.body.incident as { signalCount: number }).signalCount, 3);
  const events = detail.body.events as { type: string }[];
  equal(events.filter((e) => e.type === "opened").length, 1);

  // incident.opened went through the routing rules: one delivery to each endpoint.
  const deliveries = await w.deliveries("incident.opened");
  equal(deliveries.length, 2, JSON.stringify(deliveries));
  const toHook = deliveries.find((d) => d.endpoint_id === endpointId)!;
  const toMail = deliveries.find((d) => d.endpoint_id !== endpointId)!;
  equal(await w.send(toHook.id), "sent");
  equal(await w.send(toMail.id), "sent");
  const mail = await smtp.waitForMessage((m) => m.to.includes("oncall@example.test"));
  match(mail.subject, /incident|IOC|critical/i);
  const [request] = await hook.waitFor(1);
  equal(request.method, "POST");
  equal(request.path, "/hook");
  equal(verifyStandardWebhook(secret, request.headers, request.body), null, "signed correctly");
  const payload = request.json<Record<string, unknown>>();
  match(JSON.stringify(payload), /incident\.opened/);
  match(JSON.stringify(payload), new RegExp(incident.id));

  const audited = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "incident.open",
    limit: 10,
  });
  equal(audited.entries.length, 1);
  equal(audited.entries[0].actor.type, "system");
});

Deno.test("[incidents] a snapshot that fixes every linked breach suggests resolving, once", async () => {
  await using w = await incidentWorld();
  const shop = await w.host("shop-prod-1");
  await w.pushIoc(shop, "2026-11-25T09:50:00.000Z");
  const minimal = await fixtureJson("status-minimal.json");
  const after = await pushStatus(
    w,
    shop,
    { ...minimal, host: "shop-prod-1" },
    "2026-11-25T09:58:00.000Z",
  );
  ok(after.breaches.fixed.length >= 1, "the IOC breach is fixed by the later snapshot");
  const { body } = await w.api(w.a.viewer, "GET", "/api/incidents");
  const [incident] = (body as unknown as Listed).incidents;
  const detail = await w.api(w.a.viewer, "GET", `/api/incidents/${incident.id}`);
  equal(detail.body.suggestResolve, true);
  equal((detail.body.incident as { suggestResolve: boolean }).suggestResolve, true);
  await pushStatus(w, shop, { ...minimal, host: "shop-prod-1" }, "2026-11-25T09:59:00.000Z");
  const events = (await w.api(w.a.viewer, "GET", `/api/incidents/${incident.id}`)).body
    .events as { type: string }[];
  equal(events.filter((e) => e.type === "suggest_resolve").length, 1);
});

Deno.test("[incidents] host_silent opens an incident only for a critical-priority host", async () => {
  await using w = await incidentWorld();
  const tagged = await w.host("db-1", { tags: ["prod", "Critical"] });
  const urgent = await w.host("db-2", { rolloutPriority: 60 });
  const plain = await w.host("web-1", { rolloutPriority: 10 });
  const minimal = await fixtureJson("status-minimal.json");
  for (const h of [tagged, urgent, plain]) {
    await pushStatus(w, h, minimal, "2026-11-25T09:59:00.000Z");
  }
  w.services.clock.advance(3 * 3600_000);
  const sweep = await runHeartbeatSweep(w.services);
  equal(sweep.transitions.filter((t) => t.signal === "host_silent").length, 3);
  // (Sessions idle out over three hours: read the ledger.)
  const list = () => listIncidents(w.services.ledger, w.orgA.id, {}, w.services.clock.now());
  const incidents = await list();
  deepEqual(
    incidents.map((i) => i.hostId).sort(),
    [tagged.host.id, urgent.host.id].sort(),
  );
  ok(incidents.every((i) => i.groupKey === "host_silent" && i.severity === "critical"));
  // The next sweep raises nothing new, so nothing is opened twice.
  await runHeartbeatSweep(w.services);
  equal((await list()).length, 2);
});
