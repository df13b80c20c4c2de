/**
 * The delivery pipeline against real receivers: a signed webhook verified independently, retry
 * after a 500 with both attempts in the log, a receiver that never answers (timeout, logged,
 * no hang), e-mail through a real SMTP server, Slack and Discord body shapes, duplicated queue
 * messages sending once, another organization's endpoint never opened, giving up after the last
 * attempt.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { notify } from "@/lib/notify/notify.ts";
import { attemptsOf, getDelivery } from "@/lib/notify/deliveries.ts";
import { MAX_ATTEMPTS, RETRY_DELAYS_MS } from "@/lib/notify/pipeline.ts";
import { deliverMessageId } from "@/lib/notify/queue_messages.ts";
import { startWebhookReceiver, verifyStandardWebhook } from "../../support/webhook_receiver.ts";
import { startSmtpServer } from "../../support/smtp.ts";
import { notifyWorld } from "./notify_world.ts";

const critical = (orgId: string, extra: Record<string, unknown> = {}) => ({
  orgId,
  type: "incident.opened" as const,
  severity: "critical" as const,
  title: "IOC on web-1",
  summary: "Outbound scan from pid 4242",
  url: "http://localhost:8000/incidents/i_1",
  ...extra,
});

Deno.test("[notify] a webhook endpoint receives a correctly signed Standard Webhooks message", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const { endpoint, secret } = await w.addEndpoint({
    name: "Hook",
    kind: "webhook",
    url: `${hook.origin}/hook?token=abc`,
  });
  ok(secret?.startsWith("whsec_"));
  const result = await notify(w.services, critical(w.orgA.id, { data: { hostId: "h_1" } }));
  equal(result.deliveries.length, 1);
  deepEqual(result.suppressed, []);
  equal(result.deduped, false);
  equal(await w.deliverDue(), 1);

  equal(hook.requests.length, 1);
  const req = hook.requests[0];
  equal(req.path, "/hook?token=abc");
  equal(req.headers.get("content-type"), "application/json");
  equal(req.headers.get("webhook-id"), result.deliveries[0]);
  equal(
    req.headers.get("webhook-timestamp"),
    String(Math.floor(w.services.clock.now().getTime() / 1000)),
  );
  match(req.headers.get("webhook-signature") ?? "", /^v1,[A-Za-z0-9+/]+=*$/);
  equal(verifyStandardWebhook(secret!, req.headers, req.body), null, "signature verifies");
  equal(
    verifyStandardWebhook(secret!, req.headers, req.body.replace("web-1", "web-2")),
    "no v1 signature matches",
    "a changed body does not verify",
  );
  const body = req.json<{ type: string; timestamp: string; data: Record<string, unknown> }>();
  equal(body.type, "incident.opened");
  equal(body.data.severity, "critical");
  equal(body.data.title, "IOC on web-1");
  equal(body.data.url, "http://localhost:8000/incidents/i_1");
  deepEqual(body.data.details, { hostId: "h_1" });

  const delivery = (await getDelivery(w.services.ledger, result.deliveries[0]))!;
  equal(delivery.status, "sent");
  equal(delivery.endpointId, endpoint.id);
  equal(delivery.attempts, 1);
  equal(delivery.lastCode, 200);
});

Deno.test("[notify] 500 then 200: delivered on the retry, the log shows both attempts", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  await w.addEndpoint({ name: "Flaky", kind: "webhook", url: `${hook.origin}/flaky` });
  hook.script(500, 200);
  const { deliveries: [id] } = await notify(w.services, critical(w.orgA.id));

  equal(await w.deliverDue(), 1);
  let delivery = (await getDelivery(w.services.ledger, id))!;
  equal(delivery.status, "retrying");
  equal(delivery.lastCode, 500);
  equal(
    delivery.nextAttemptAt?.getTime(),
    w.services.clock.now().getTime() + RETRY_DELAYS_MS[0],
    "next attempt after 30 s",
  );
  equal(await w.deliverDue(), 0, "nothing is due before the backoff");

  w.services.clock.advance(RETRY_DELAYS_MS[0]);
  equal(await w.deliverDue(), 1);
  delivery = (await getDelivery(w.services.ledger, id))!;
  equal(delivery.status, "sent");
  equal(delivery.attempts, 2);
  equal(hook.requests.length, 2);
  equal(hook.requests[0].headers.get("webhook-id"), hook.requests[1].headers.get("webhook-id"));
  const log = (await attemptsOf(w.services.ledger, [id])).get(id)!;
  deepEqual(log.map((a) => [a.attempt, a.status, a.responseCode]), [
    [1, "failed", 500],
    [2, "sent", 200],
  ]);
  match(log[0].error ?? "", /HTTP 500: receiver says no/);
  ok(log.every((a) => a.latencyMs >= 0));
  const warned = w.services.logLines.find((l) =>
    l.msg === "notification attempt failed; will retry"
  );
  equal(warned?.deliveryId, id);
});

Deno.test("[notify] a receiver that never answers: the attempt times out and is logged", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld({ env: { NOTIFY_HTTP_TIMEOUT_MS: "200" } });
  await w.addEndpoint({ name: "Black hole", kind: "webhook", url: `${hook.origin}/hang` });
  hook.script("hang");
  const { deliveries: [id] } = await notify(w.services, critical(w.orgA.id));
  const started = performance.now();
  await w.deliverDue();
  const took = performance.now() - started;
  ok(took < 3_000, `returned after ${Math.round(took)} ms, not a hang`);
  const delivery = (await getDelivery(w.services.ledger, id))!;
  equal(delivery.status, "retrying");
  equal(delivery.lastCode, null);
  match(delivery.lastError ?? "", /no answer within 200 ms \(timed out\)/);
  const [attempt] = (await attemptsOf(w.services.ledger, [id])).get(id)!;
  ok(attempt.latencyMs >= 150 && attempt.latencyMs < 3_000, `latency ${attempt.latencyMs}`);
  match(attempt.error ?? "", /timed out/);
});

Deno.test("[notify] a duplicated queue message never sends twice", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  await w.addEndpoint({ name: "Once", kind: "webhook", url: `${hook.origin}/once` });
  const { deliveries: [id] } = await notify(w.services, critical(w.orgA.id));
  const message = {
    type: "notify.deliver",
    id: deliverMessageId(id, 1),
    deliveryId: id,
    attempt: 1,
  };
  // Same id twice (runOnce), a different id for the same attempt (the claim), concurrently too.
  await Promise.all([w.dispatch(message), w.dispatch({ ...message, id: `${message.id}:copy` })]);
  await w.dispatch(message);
  await w.dispatch({ ...message, id: `${message.id}:late` });
  equal(hook.requests.length, 1);
  equal((await attemptsOf(w.services.ledger, [id])).get(id)!.length, 1);
  equal((await getDelivery(w.services.ledger, id))!.status, "sent");
});

Deno.test("[notify] a delivery naming another organization's endpoint opens nothing, sends nothing", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const { endpoint } = await w.addEndpoint({
    name: "A's",
    kind: "webhook",
    url: `${hook.origin}/a`,
  });
  const { deliveries: [id] } = await notify(w.services, critical(w.orgA.id));
  // A row that claims org B but points at org A's endpoint (a bug or a tampered row).
  await w.services.ledger.db.updateTable("notify_deliveries").set({ org_id: w.orgB.id })
    .where("id", "=", id).execute();
  equal(await w.deliverDue(), 1);
  equal(hook.requests.length, 0, "org A's URL and secret were never used");
  const delivery = (await getDelivery(w.services.ledger, id))!;
  deepEqual([delivery.status, delivery.reason, delivery.endpointId], [
    "suppressed",
    "endpoint_deleted",
    endpoint.id,
  ]);
});

Deno.test("[notify] gives up with failed after the last attempt; 410 fails at once", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  await w.addEndpoint({ name: "Down", kind: "webhook", url: `${hook.origin}/down` });
  hook.script(...new Array(MAX_ATTEMPTS).fill(503));
  const { deliveries: [id] } = await notify(w.services, critical(w.orgA.id));
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    equal(await w.deliverDue(), 1, `attempt ${i + 1}`);
    w.services.clock.advance(RETRY_DELAYS_MS[i] ?? 0);
  }
  equal(await w.deliverDue(), 0);
  const delivery = (await getDelivery(w.services.ledger, id))!;
  equal(delivery.status, "failed");
  equal(delivery.attempts, MAX_ATTEMPTS);
  match(delivery.reason ?? "", /gave up after 7 attempts/);
  const total = RETRY_DELAYS_MS.reduce((a, b) => a + b, 0);
  ok(total >= 24 * 3_600_000 && total <= 32 * 3_600_000, "retries spread over about a day");

  hook.script(410);
  const gone = await notify(w.services, critical(w.orgA.id, { title: "another" }));
  await w.deliverDue();
  const goneDelivery = (await getDelivery(w.services.ledger, gone.deliveries[0]))!;
  equal(goneDelivery.status, "failed");
  equal(goneDelivery.attempts, 1);
});

Deno.test("[notify] e-mail endpoints and explicit addresses go through a real SMTP server", async () => {
  await using smtp = await startSmtpServer();
  await using w = await notifyWorld({ env: { SMTP_URL: smtp.url } });
  await w.addEndpoint({
    name: "On-call mail",
    kind: "email",
    emails: ["oncall@acme.test", "Lead@Acme.test"],
  });
  const result = await notify(w.services, critical(w.orgA.id));
  equal(await w.deliverDue(), 1);
  const mail = await smtp.waitForMessage((m) => m.subject.includes("IOC on web-1"));
  deepEqual(mail.envelopeTo.sort(), ["lead@acme.test", "oncall@acme.test"]);
  equal(mail.subject, "[VPS Sentry] [CRITICAL] IOC on web-1");
  match(mail.text, /Outbound scan from pid 4242/);
  match(mail.text, /http:\/\/localhost:8000\/incidents\/i_1/);
  match(mail.html, /<h1>\[CRITICAL\] IOC on web-1<\/h1>/);
  equal((await getDelivery(w.services.ledger, result.deliveries[0]))!.lastCode, 250);

  // Escalation-style explicit targets: an address without an endpoint.
  const explicit = await notify(w.services, {
    ...critical(w.orgA.id, { title: "Escalated" }),
    type: "incident.escalated",
    targets: { emails: ["level2@acme.test"] },
  });
  equal(explicit.deliveries.length, 1);
  await w.deliverDue();
  const escalated = await smtp.waitForMessage((m) => m.subject.includes("Escalated"));
  deepEqual(escalated.envelopeTo, ["level2@acme.test"]);
});

Deno.test("[notify] Slack and Discord endpoints get their platform's body shape", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  await w.addEndpoint({ name: "Slack", kind: "slack", url: `${hook.origin}/services/T0/B0/x` });
  await w.addEndpoint({ name: "Discord", kind: "discord", url: `${hook.origin}/api/webhooks/1/y` });
  await notify(w.services, critical(w.orgA.id, { title: "@everyone <b>IOC</b> & co" }));
  equal(await w.deliverDue(), 2);
  const slack = hook.requests.find((r) => r.path.startsWith("/services"))!.json<{
    text: string;
    blocks: { type: string; text?: { type: string; text: string }; elements?: unknown[] }[];
  }>();
  match(slack.text, /^\[CRITICAL\] @everyone <b>IOC<\/b> & co: Outbound scan/);
  deepEqual(slack.blocks.map((b) => b.type), ["header", "section", "context", "actions"]);
  equal(slack.blocks[0].text?.type, "plain_text");
  equal(slack.blocks[1].text?.type, "mrkdwn");
  deepEqual(slack.blocks[3].elements, [{
    type: "button",
    text: { type: "plain_text", text: "Open in console" },
    url: "http://localhost:8000/incidents/i_1",
  }]);
  match(JSON.stringify(slack.blocks[2]), /critical/);

  const discord = hook.requests.find((r) => r.path.startsWith("/api/webhooks"))!.json<{
    content: string;
    embeds: Record<string, unknown>[];
    allowed_mentions: { parse: string[] };
  }>();
  equal(discord.content, "**[CRITICAL] @everyone <b>IOC</b> & co**");
  equal(discord.embeds.length, 1);
  equal(discord.embeds[0].title, "@everyone <b>IOC</b> & co");
  equal(discord.embeds[0].description, "Outbound scan from pid 4242");
  equal(discord.embeds[0].url, "http://localhost:8000/incidents/i_1");
  equal(discord.embeds[0].color, 0xb91c1c);
  deepEqual(discord.allowed_mentions, { parse: [] }, "no @everyone ping");
  ok(hook.requests.every((r) => r.headers.get("webhook-signature") === null));
});

Deno.test("[notify] an unreachable URL is logged by its display form, never in full", async () => {
  await using w = await notifyWorld();
  await w.addEndpoint({
    name: "Closed",
    kind: "slack",
    url: "http://127.0.0.1:1/services/T0/secretpath?token=zzz",
  });
  const { deliveries: [id] } = await notify(w.services, critical(w.orgA.id));
  await w.deliverDue();
  const delivery = (await getDelivery(w.services.ledger, id))!;
  equal(delivery.status, "retrying");
  match(delivery.lastError ?? "", /^could not reach http:\/\/127\.0\.0\.1:1\/services\/…\?…/);
  const everywhere = JSON.stringify([delivery, w.services.logLines]);
  ok(!everywhere.includes("secretpath") && !everywhere.includes("zzz"), everywhere.slice(0, 400));
});
