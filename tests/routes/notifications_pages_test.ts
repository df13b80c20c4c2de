/**
 * The notification console pages: the list with create forms per kind (a webhook's secret shown
 * once), settings, the endpoint page with edit, rotate, disable, test, delete with confirmation
 * and the delivery log; roles, the nav link for admins, and organization isolation.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { notify } from "@/lib/notify/notify.ts";
import { getEndpoint, listEndpoints } from "@/lib/notify/endpoint_store.ts";
import { getNotifySettings } from "@/lib/notify/settings.ts";
import { getPage, parseHtml, postForm, textOf } from "../support/pages.ts";
import { startWebhookReceiver, verifyStandardWebhook } from "../support/webhook_receiver.ts";
import { notifyWorld } from "../lib/notify/notify_world.ts";

Deno.test("[pages] notifications: admins create endpoints per kind; the secret is shown once", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const page = await getPage(w.app, "/notifications", w.headers(w.a.admin));
  equal(page.status, 200);
  ok(page.doc.querySelector("nav a[href='/notifications']"), "nav link for admins");
  for (const kind of ["email", "webhook", "slack", "discord"]) {
    ok(page.doc.querySelector(`#create-${kind} form`), `a create form for ${kind}`);
  }
  match(
    textOf(page.doc.querySelector("#endpoints-title")?.closest("section") ?? null),
    /No endpoint yet/,
  );

  const res = await postForm(w.app, "/notifications", {
    intent: "create",
    kind: "webhook",
    name: "Pager",
    url: `${hook.origin}/pager`,
    minSeverity: "high",
    "event.incident.opened": "on",
    "event.report": "on",
    enabled: "on",
  }, { cookie: w.a.admin.cookie });
  equal(res.status, 303, "post/redirect/get: a refresh never creates it again");
  const target = res.headers.get("location") ?? "";
  match(target, /^\/notifications\?created=[\w-]+$/);
  const shown = (await getPage(w.app, target, w.headers(w.a.admin))).doc;
  const secret = textOf(shown.querySelector("#new-secret"));
  match(secret, /^whsec_/);
  const [endpoint] = await listEndpoints(w.services.ledger, w.orgA.id);
  deepEqual(endpoint.eventTypes, ["incident.opened", "report"]);
  equal(endpoint.minSeverity, "high");
  equal(endpoint.enabled, true);

  const again = await getPage(w.app, target, w.headers(w.a.admin));
  ok(!again.html.includes(secret), "never shown again");
  ok(!again.html.includes(secret.slice(6)));
  const row = again.doc.querySelector(`tr[data-endpoint='${endpoint.id}']`);
  match(textOf(row), /Pager/);
  match(textOf(row), /high and above · Incident opened, Report/);

  const slack = await postForm(w.app, "/notifications", {
    intent: "create",
    kind: "slack",
    name: "Chat",
    url: `${hook.origin}/services/T/B/tok`,
    minSeverity: "medium",
    enabled: "on",
  }, { cookie: w.a.admin.cookie });
  equal(slack.status, 303);
  equal(slack.headers.get("location"), "/notifications?done=created");
  const listed = await getPage(w.app, "/notifications?done=created", w.headers(w.a.admin));
  match(textOf(listed.doc.body), /Endpoint created\./);
  ok(!listed.html.includes("/services/T/B/tok"), "the Slack URL is a credential: host only");
});

Deno.test("[pages] notifications: bad input re-renders the form with the field's error", async () => {
  await using w = await notifyWorld();
  const res = await postForm(w.app, "/notifications", {
    intent: "create",
    kind: "email",
    name: "Mail",
    emails: "oncall@acme.test, not-an-address",
    minSeverity: "high",
    enabled: "on",
  }, { cookie: w.a.admin.cookie });
  equal(res.status, 400);
  const doc = parseHtml(await res.text());
  ok(doc.querySelector("#create-email[open]"), "the failed form stays open");
  ok(doc.querySelector("#create-email .field-invalid #new-email-emails"));
  match(textOf(doc.querySelector("#new-email-emails-error")), /ops@example\.com/);
  equal(doc.querySelector("#new-email-name")?.getAttribute("value"), "Mail", "typed values kept");
  equal((await listEndpoints(w.services.ledger, w.orgA.id)).length, 0);

  const settings = await postForm(w.app, "/notifications", {
    intent: "settings",
    dedupeWindowMinutes: "15",
    quietStart: "22:00",
    quietEnd: "",
    timezone: "Mars/Olympus",
    digestIntervalMinutes: "60",
  }, { cookie: w.a.admin.cookie });
  equal(settings.status, 400);
  const sdoc = parseHtml(await settings.text());
  ok(sdoc.querySelector(".field-invalid #f-quietEnd"), "the missing end time is marked");
  match(textOf(sdoc.querySelector("#f-quietEnd-error")), /HH:MM/);
  equal((await getNotifySettings(w.services.ledger, w.orgA.id)).updatedAt, null, "nothing stored");

  const saved = await postForm(w.app, "/notifications", {
    intent: "settings",
    dedupeWindowMinutes: "15",
    quietStart: "22:00",
    quietEnd: "07:00",
    timezone: "Europe/Berlin",
    digestIntervalMinutes: "30",
  }, { cookie: w.a.admin.cookie });
  equal(saved.status, 303);
  const stored = await getNotifySettings(w.services.ledger, w.orgA.id);
  deepEqual(stored.quietHours, { start: "22:00", end: "07:00" });
  equal(stored.dedupeWindowMinutes, 15);
  equal(stored.digestIntervalMinutes, 30);
  const shown = await getPage(w.app, "/notifications?done=settings", w.headers(w.a.ops));
  match(textOf(shown.doc.querySelector("#settings-in-force")), /22:00–07:00 Europe\/Berlin/);
  equal(shown.doc.querySelector("#settings-form"), null, "ops read settings, no form");
});

Deno.test("[pages] endpoint page: delivery log, edit, rotate, disable, test, delete", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const { endpoint } = await w.addEndpoint({
    name: "Hook",
    kind: "webhook",
    url: `${hook.origin}/h`,
  });
  const path = `/notifications/${endpoint.id}`;
  hook.script(500, 200);
  await notify(w.services, {
    orgId: w.orgA.id,
    type: "incident.opened",
    severity: "critical",
    title: "IOC on web-1",
    summary: "scan",
  });
  await w.deliverDue();
  w.services.clock.advance(30_000);
  await w.deliverDue();

  const asOps = await getPage(w.app, path, w.headers(w.a.ops));
  equal(asOps.status, 200);
  equal(asOps.doc.querySelector("#edit-form"), null, "ops read only");
  const row = asOps.doc.querySelector("#delivery-log tbody tr");
  equal(row?.getAttribute("data-status"), "sent");
  const attempts = [...row!.querySelectorAll("li[data-attempt]")].map((li) => textOf(li));
  equal(attempts.length, 2);
  match(attempts[0], /#1 failed 500 · \d+ ms/);
  match(attempts[0], /HTTP 500/);
  match(attempts[1], /#2 sent 200/);
  const nav = await getPage(w.app, "/", w.headers(w.a.ops));
  equal(nav.doc.querySelector("nav a[href='/notifications']"), null, "nav link for admins only");

  const post = (fields: Record<string, string>) =>
    postForm(w.app, path, fields, { cookie: w.a.admin.cookie });
  const followed = (res: Response) =>
    getPage(w.app, res.headers.get("location")!, w.headers(w.a.admin));
  const edit = await post({
    intent: "update",
    name: "Hook 2",
    url: "",
    minSeverity: "low",
    "event.host.silent": "on",
    enabled: "on",
  });
  equal(edit.status, 303);
  let stored = (await getEndpoint(w.services.ledger, w.orgA.id, endpoint.id))!;
  equal(stored.name, "Hook 2");
  deepEqual(stored.eventTypes, ["host.silent"]);
  equal(stored.urlDisplay, `${hook.origin}/h`, "an empty URL keeps the stored one");

  // Post/Redirect/Get: the new secret shows once, on the GET after the rotation.
  const rotate = await post({ intent: "rotate" });
  equal(rotate.status, 303);
  match(rotate.headers.get("location")!, new RegExp(`^${path}\\?rotated=`));
  const secret = textOf((await followed(rotate)).doc.querySelector("#new-secret"));
  match(secret, /^whsec_/);
  const again = await followed(rotate);
  ok(!again.html.includes(secret), "a refresh does not show it again");
  match(textOf(again.doc.querySelector(".notice")), /shown once; rotate again/);

  equal((await post({ intent: "toggle" })).headers.get("location"), `${path}?done=disabled`);
  stored = (await getEndpoint(w.services.ledger, w.orgA.id, endpoint.id))!;
  equal(stored.enabled, false);
  equal((await post({ intent: "toggle", enabled: "on" })).status, 303);

  const sentBefore = hook.requests.length;
  const test = await post({ intent: "test" });
  equal(test.status, 303);
  match(textOf((await followed(test)).doc.querySelector("#test-results")), /Hook 2: sent \(200\)/);
  equal((await followed(test)).doc.querySelector("#test-results"), null, "shown once");
  equal(hook.requests.length, sentBefore + 1, "a refresh sends nothing");

  const wrong = await post({ intent: "delete", confirm: "Hook" });
  equal(wrong.status, 400);
  match(
    textOf(parseHtml(await wrong.text()).querySelector("#f-confirm-error")),
    /type the endpoint's name \(Hook 2\)/,
  );
  ok(await getEndpoint(w.services.ledger, w.orgA.id, endpoint.id));
  const gone = await post({ intent: "delete", confirm: "Hook 2" });
  equal(gone.headers.get("location"), "/notifications?done=deleted");
  equal(await getEndpoint(w.services.ledger, w.orgA.id, endpoint.id), null);
});

Deno.test("[pages] notifications: roles and organization isolation", async () => {
  await using w = await notifyWorld();
  const { endpoint } = await w.addEndpoint({
    name: "A only",
    kind: "slack",
    url: "http://127.0.0.1:9/x",
  });
  const path = `/notifications/${endpoint.id}`;
  equal((await getPage(w.app, "/notifications", w.headers(w.a.viewer))).status, 403);
  const opsList = await getPage(w.app, "/notifications", w.headers(w.a.ops));
  equal(opsList.status, 200);
  equal(opsList.doc.querySelector("#create-webhook"), null, "no create forms for ops");
  equal(
    (await postForm(w.app, path, { intent: "toggle" }, { cookie: w.a.ops.cookie })).status,
    403,
  );
  const b = await getPage(w.app, path, w.headers(w.ownerB));
  equal(b.status, 404);
  ok(!b.html.includes("A only"));
  const bPost = await postForm(w.app, path, { intent: "delete", confirm: "A only" }, {
    cookie: w.ownerB.cookie,
  });
  equal(bPost.status, 404);
  ok(await getEndpoint(w.services.ledger, w.orgA.id, endpoint.id), "still there");
  const bList = await getPage(w.app, "/notifications", w.headers(w.ownerB));
  ok(!bList.html.includes("A only"));
});

Deno.test("[pages] endpoint page: rotate with or without overlap, admins only, the secret shown once", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const { endpoint, secret: first } = await w.addEndpoint({
    name: "Hook",
    kind: "webhook",
    url: `${hook.origin}/h`,
  });
  const path = `/notifications/${endpoint.id}`;
  const asAdmin = await getPage(w.app, path, w.headers(w.a.admin));
  const choice = asAdmin.doc.querySelector("#rotate-form select[name='graceSeconds']");
  ok(choice, "admins get the rotate form");
  deepEqual(
    [...choice!.querySelectorAll("option")].map((o) => o.getAttribute("value")),
    ["86400", "3600", "604800", "0"],
  );
  equal(choice!.querySelector("option[selected]")?.getAttribute("value"), "86400", "24 h default");
  equal(asAdmin.doc.querySelector("#secret-overlap"), null, "no overlap yet");
  const asOps = await getPage(w.app, path, w.headers(w.a.ops));
  equal(asOps.doc.querySelector("#rotate-form"), null, "ops get no rotate form");
  const post = (fields: Record<string, string>, who = w.a.admin) =>
    postForm(w.app, path, fields, { cookie: who.cookie });
  equal((await post({ intent: "rotate", graceSeconds: "0" }, w.a.ops)).status, 403);

  // With the default overlap: the new secret once, and until when the old one still signs.
  const followed = async (res: Response) => {
    equal(res.status, 303);
    return (await getPage(w.app, res.headers.get("location")!, w.headers(w.a.admin))).doc;
  };
  const overlap = await post({ intent: "rotate", graceSeconds: "86400" });
  const shown = await followed(overlap);
  const second = textOf(shown.querySelector("#new-secret"));
  match(second, /^whsec_/);
  ok(second !== first);
  match(textOf(shown.body), /signed with both secrets \(the new one first\)/);
  const until = new Date(w.services.clock.now().getTime() + 86_400_000).toISOString();
  equal(shown.querySelector("#secret-overlap time")?.getAttribute("datetime"), until);
  const later = await getPage(w.app, path, w.headers(w.a.admin));
  ok(!later.html.includes(second) && !later.html.includes(second.slice(6)), "shown once");
  ok(!later.html.includes(first!.slice(6)), "the old secret never");
  match(textOf(later.doc.querySelector("#secret-overlap")), /previous secret also signs until/);

  // Without an overlap: the old one stops now, and the page says so.
  const now = await post({ intent: "rotate", graceSeconds: "0" });
  const stopped = await followed(now);
  const third = textOf(stopped.querySelector("#new-secret"));
  match(third, /^whsec_/);
  match(textOf(stopped.body), /the old one no longer verifies/);
  equal(stopped.querySelector("#secret-overlap"), null);
  ok(!stopped.documentElement.outerHTML.includes(second.slice(6)));

  // Bad input: 400 with the field's error on the form; nothing rotated.
  const bad = await post({ intent: "rotate", graceSeconds: "forever" });
  equal(bad.status, 400);
  const badDoc = parseHtml(await bad.text());
  ok(badDoc.querySelector("#rotate-form .field-invalid #f-graceSeconds"));
  match(textOf(badDoc.querySelector("#f-graceSeconds-error")), /whole seconds 0-604800/);
  equal(badDoc.querySelector("#new-secret"), null);
  await notify(w.services, {
    orgId: w.orgA.id,
    type: "incident.opened",
    severity: "critical",
    title: "after",
    summary: "s",
  });
  await w.deliverDue();
  equal(verifyStandardWebhook(third, hook.requests[0].headers, hook.requests[0].body), null);
  equal(hook.requests[0].headers.get("webhook-signature")!.split(" ").length, 1);
});
