/**
 * The notification API: endpoint CRUD with the secret shown once (never again in answers, logs
 * or the audit trail), roles, organization isolation (404), input errors naming the field with
 * nothing stored, synchronous test sends reporting each outcome, and test e-mails.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { queryAudit } from "@/lib/audit/query.ts";
import { startWebhookReceiver, verifyStandardWebhook } from "../../support/webhook_receiver.ts";
import { startSmtpServer } from "../../support/smtp.ts";
import { notifyWorld } from "../../lib/notify/notify_world.ts";

type Json = Record<string, unknown>;

Deno.test("[notify api] endpoint lifecycle; secrets only in the create and rotate answers", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const texts: string[] = [];
  const call = async (method: string, path: string, body?: unknown, who = w.a.admin) => {
    const res = await w.api(method, path, who, body);
    texts.push(res.text);
    return res;
  };
  const slackUrl = `${hook.origin}/services/T000/B000/slacktokenXYZ`;
  const created = await w.addEndpoint({
    name: "Pager hook",
    kind: "webhook",
    url: `${hook.origin}/pager?token=querytoken123`,
    minSeverity: "high",
    eventTypes: ["incident.opened", "incident.escalated"],
  });
  const { endpoint, secret } = created;
  match(secret!, /^whsec_/);
  equal(endpoint.urlDisplay, `${hook.origin}/pager?…`);
  equal(endpoint.hasSecret, true);
  const slack = await w.addEndpoint({ name: "Slack", kind: "slack", url: slackUrl });
  equal(slack.secret, undefined, "only webhooks have a secret");
  equal(slack.endpoint.urlDisplay, `${hook.origin}/services/…`);
  const mail = await w.addEndpoint({
    name: "Mail",
    kind: "email",
    emails: "a@acme.test, b@acme.test\nA@acme.test",
  });
  deepEqual(mail.endpoint.emails, ["a@acme.test", "b@acme.test"]);

  const list = await call("GET", "/api/notify/endpoints", undefined, w.a.ops);
  equal(list.status, 200);
  const endpoints = list.body.endpoints as Json[];
  deepEqual(endpoints.map((e) => e.name), ["Mail", "Pager hook", "Slack"]);
  equal(endpoints[1].lastDelivery, null);
  equal(
    (await call("GET", `/api/notify/endpoints/${endpoint.id}`, undefined, w.a.ops)).status,
    200,
  );

  const patched = await call("PATCH", `/api/notify/endpoints/${endpoint.id}`, {
    name: "Pager",
    minSeverity: "critical",
    url: `${hook.origin}/pager2`,
  });
  equal(patched.status, 200, patched.text);
  const after = patched.body.endpoint as Json;
  equal(after.name, "Pager");
  equal(after.minSeverity, "critical");
  equal(after.urlDisplay, `${hook.origin}/pager2`);

  // Test send with the first secret, rotate without an overlap, test again: only the new secret
  // verifies (rotation with an overlap: tests/lib/notify/secret_rotation_test.ts).
  const first = await call("POST", "/api/notify/test", { endpointId: endpoint.id });
  equal(first.status, 200, first.text);
  const rotated = await call("POST", `/api/notify/endpoints/${endpoint.id}/rotate-secret`, {
    graceSeconds: 0,
  });
  equal(rotated.status, 200);
  equal((rotated.body.endpoint as Json).previousSecretUntil, null);
  const secret2 = rotated.body.secret as string;
  match(secret2, /^whsec_/);
  ok(secret2 !== secret);
  await call("POST", "/api/notify/test", { endpointId: endpoint.id });
  equal(hook.requests.length, 2);
  equal(hook.requests[0].path, "/pager2");
  equal(verifyStandardWebhook(secret!, hook.requests[0].headers, hook.requests[0].body), null);
  equal(verifyStandardWebhook(secret2, hook.requests[1].headers, hook.requests[1].body), null);
  ok(verifyStandardWebhook(secret!, hook.requests[1].headers, hook.requests[1].body) !== null);
  equal(
    (await call("POST", `/api/notify/endpoints/${slack.endpoint.id}/rotate-secret`)).status,
    409,
    "a Slack endpoint has no secret to rotate",
  );

  const log = await call(
    "GET",
    `/api/notify/endpoints/${endpoint.id}/deliveries`,
    undefined,
    w.a.ops,
  );
  equal(log.status, 200);
  const deliveries = log.body.deliveries as Json[];
  equal(deliveries.length, 2);
  equal(deliveries[0].eventType, "test");
  deepEqual((deliveries[0].attemptLog as Json[]).map((a) => [a.status, a.responseCode]), [[
    "sent",
    200,
  ]]);
  const listed = (await call("GET", "/api/notify/endpoints")).body.endpoints as Json[];
  equal((listed.find((e) => e.id === endpoint.id)!.lastDelivery as Json).status, "sent");

  equal((await call("DELETE", `/api/notify/endpoints/${endpoint.id}`)).status, 200);
  equal((await call("GET", `/api/notify/endpoints/${endpoint.id}`)).status, 404);
  equal(
    (await w.services.ledger.db.selectFrom("notify_deliveries").selectAll()
      .where("endpoint_id", "=", endpoint.id).execute()).length,
    0,
    "its delivery log went with it",
  );

  // Secrets and credential URLs: nowhere after creation, not in logs, not in the audit trail.
  const audit = await queryAudit(w.services.ledger, w.orgA.id, { action: "notify.", limit: 200 });
  deepEqual(
    audit.entries.map((e) => e.action).reverse(),
    [
      "notify.endpoint.create",
      "notify.endpoint.create",
      "notify.endpoint.create",
      "notify.endpoint.update",
      "notify.endpoint.test",
      "notify.endpoint.rotate_secret",
      "notify.endpoint.test",
      "notify.endpoint.delete",
    ],
  );
  const haystacks = {
    answers: texts.join("\n").replace(secret2, ""), // the rotate answer shows the new one once
    logs: JSON.stringify(w.services.logLines),
    audit: JSON.stringify(audit.entries),
    stored: JSON.stringify(
      await w.services.ledger.db.selectFrom("notify_endpoints").selectAll().execute(),
    ),
  };
  for (const [where, text] of Object.entries(haystacks)) {
    for (const needle of [secret!, secret2, secret!.slice(6), "slacktokenXYZ", "querytoken123"]) {
      ok(!text.includes(needle), `${where} must not contain ${needle.slice(0, 12)}…`);
    }
  }
  ok(texts.filter((t) => t.includes(secret2)).length === 1, "the new secret appears once");
});

Deno.test("[notify api] roles and organization isolation", async () => {
  await using w = await notifyWorld();
  const { endpoint } = await w.addEndpoint({
    name: "A hook",
    kind: "webhook",
    url: "http://127.0.0.1:9/a",
  });
  const base = `/api/notify/endpoints/${endpoint.id}`;
  equal((await w.api("GET", "/api/notify/endpoints", w.a.viewer)).status, 403);
  for (
    const [method, path, body] of [
      ["POST", "/api/notify/endpoints", { name: "x", kind: "slack", url: "http://127.0.0.1:9/" }],
      ["PATCH", base, { enabled: false }],
      ["DELETE", base, undefined],
      ["POST", `${base}/rotate-secret`, undefined],
      ["POST", "/api/notify/test", { endpointId: endpoint.id }],
    ] as const
  ) {
    equal((await w.api(method, path, w.a.ops, body)).status, 403, `ops ${method} ${path}`);
  }
  // Organization B's owner: org A's endpoint does not exist for them.
  for (
    const [method, path, body] of [
      ["GET", base, undefined],
      ["PATCH", base, { name: "mine now" }],
      ["DELETE", base, undefined],
      ["POST", `${base}/rotate-secret`, undefined],
      ["GET", `${base}/deliveries`, undefined],
      ["POST", "/api/notify/test", { endpointId: endpoint.id }],
    ] as const
  ) {
    const res = await w.api(method, path, w.ownerB, body);
    equal(res.status, 404, `owner of B ${method} ${path}`);
    ok(!res.text.includes("A hook"));
  }
  const bList = await w.api("GET", "/api/notify/endpoints", w.ownerB);
  deepEqual(bList.body.endpoints, []);
  const bTestAll = await w.api("POST", "/api/notify/test", w.ownerB, {});
  deepEqual(bTestAll.body.results, [], "testing all of B never reaches A's endpoints");
  equal((await w.api("GET", base, w.a.admin)).body.endpoint && true, true, "untouched");
});

Deno.test("[notify api] bad input answers 400 naming the field; nothing is stored", async () => {
  await using w = await notifyWorld();
  const url = "http://127.0.0.1:9/x";
  const cases: [Json, string, RegExp][] = [
    [{ kind: "webhook", url }, "name", /name/],
    [{ name: "x", kind: "pager", url }, "kind", /choose one of email, webhook, slack, discord/],
    [{ name: "x", kind: "webhook" }, "url", /enter the webhook URL/],
    [
      { name: "x", kind: "slack", url: "https://u:p@hooks.example.com/x" },
      "url",
      /remove the user/,
    ],
    [{ name: "x", kind: "discord", url: "gopher://x" }, "url", /https:\/\//],
    [{ name: "x", kind: "webhook", url, emails: ["a@b.test"] }, "emails", /take a url/],
    [{ name: "x", kind: "email" }, "emails", /at least one address/],
    [{ name: "x", kind: "email", emails: ["not-an-address"] }, "emails.0", /ops@example.com/],
    [{ name: "x", kind: "email", emails: "a@b.test", url }, "url", /take emails/],
    [{ name: "x", kind: "slack", url, minSeverity: "urgent" }, "minSeverity", /critical, high/],
    [
      { name: "x", kind: "slack", url, eventTypes: ["incident.exploded"] },
      "eventTypes.0",
      /event type/,
    ],
    [{ name: "x", kind: "slack", url, color: "red" }, "(body)", /color|Unrecognized/],
  ];
  for (const [body, field, message] of cases) {
    const res = await w.api("POST", "/api/notify/endpoints", w.a.admin, body);
    equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    const error = res.body.error as { message: string; details: { field: string } };
    equal(error.details.field, field, JSON.stringify(body));
    match(error.message, message, JSON.stringify(body));
  }
  equal(
    (await w.services.ledger.db.selectFrom("notify_endpoints").selectAll().execute()).length,
    0,
  );
  await w.addEndpoint({ name: "Taken", kind: "slack", url });
  const dup = await w.api("POST", "/api/notify/endpoints", w.a.admin, {
    name: "Taken",
    kind: "slack",
    url,
  });
  equal(dup.status, 409);
  equal((dup.body.error as { details: { field: string } }).details.field, "name");
  const { endpoint } = await w.addEndpoint({ name: "Other", kind: "slack", url });
  const kind = await w.api("PATCH", `/api/notify/endpoints/${endpoint.id}`, w.a.admin, {
    kind: "email",
  });
  equal(kind.status, 400);
  match((kind.body.error as { message: string }).message, /^kind: .*create a new endpoint/);
  equal(
    (await queryAudit(w.services.ledger, w.orgA.id, { action: "notify.endpoint.update" })).entries
      .length,
    0,
  );
});

Deno.test("[notify api] private URLs are refused when the server says so", async () => {
  await using w = await notifyWorld({ env: { NOTIFY_ALLOW_PRIVATE_URLS: "false" } });
  const res = await w.api("POST", "/api/notify/endpoints", w.a.admin, {
    name: "Internal",
    kind: "webhook",
    url: "http://127.0.0.1:8080/hook",
  });
  equal(res.status, 400);
  match((res.body.error as { message: string }).message, /NOTIFY_ALLOW_PRIVATE_URLS/);
});

Deno.test("[notify api] POST /api/notify/test reports each endpoint's outcome synchronously", async () => {
  await using good = await startWebhookReceiver();
  await using bad = await startWebhookReceiver();
  await using silent = await startWebhookReceiver();
  await using w = await notifyWorld({ env: { NOTIFY_HTTP_TIMEOUT_MS: "200" } });
  bad.script(500);
  silent.script("hang");
  await w.addEndpoint({ name: "1 good", kind: "discord", url: `${good.origin}/api/webhooks/1/x` });
  await w.addEndpoint({ name: "2 bad", kind: "webhook", url: `${bad.origin}/x` });
  await w.addEndpoint({ name: "3 silent", kind: "slack", url: `${silent.origin}/x` });
  await w.addEndpoint({ name: "4 off", kind: "slack", url: `${good.origin}/off`, enabled: false });
  const res = await w.api("POST", "/api/notify/test", w.a.admin, {});
  equal(res.status, 200, res.text);
  const results = res.body.results as Json[];
  deepEqual(results.map((r) => [r.name, r.status, r.code]), [
    ["1 good", "sent", 200],
    ["2 bad", "failed", 500],
    ["3 silent", "failed", null],
  ]);
  match(results[1].error as string, /HTTP 500/);
  match(results[2].error as string, /timed out/);
  ok(results.every((r) => typeof r.latencyMs === "number"));
  equal(good.requests.length, 1, "the disabled endpoint is not part of 'all'");
  const content = good.requests[0].json<{ content: string }>().content;
  match(content, /Test notification/);
});

Deno.test("[notify api] POST /api/ops/test-email sends through the real SMTP server", async () => {
  await using smtp = await startSmtpServer();
  await using w = await notifyWorld({ env: { SMTP_URL: smtp.url } });
  const own = await w.api("POST", "/api/ops/test-email", w.a.ops, {});
  equal(own.status, 200, own.text);
  equal(own.body.to, "ops@acme.test");
  const mail = await smtp.waitForMessage((m) => m.to.includes("ops@acme.test"));
  match(mail.subject, /Test e-mail from VPS Sentry/);
  const other = await w.api("POST", "/api/ops/test-email", w.a.ops, { to: "Lead@Example.test" });
  equal(other.body.to, "lead@example.test");
  await smtp.waitForMessage((m) => m.to.includes("lead@example.test"));
  const badTo = await w.api("POST", "/api/ops/test-email", w.a.ops, { to: "nope" });
  equal(badTo.status, 400);
  equal((badTo.body.error as { details: { field: string } }).details.field, "to");
  equal((await w.api("POST", "/api/ops/test-email", w.a.viewer, {})).status, 403);
  const audited = await queryAudit(w.services.ledger, w.orgA.id, { action: "notify.test_email" });
  equal(audited.entries.length, 2);
});

Deno.test("[notify api] test e-mail without SMTP configured says how to fix it", async () => {
  await using w = await notifyWorld();
  const res = await w.api("POST", "/api/ops/test-email", w.a.ops, {});
  equal(res.status, 503);
  match((res.body.error as { message: string }).message, /set SMTP_URL/);
});
