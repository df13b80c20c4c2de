/**
 * The notifications list page after QA: every intent ends in a 303 so a refresh never repeats
 * it (a webhook's secret and a test's outcome travel through a one-time entry, shown once to
 * the operator who acted), "test all" shows each endpoint's outcome, the last-delivery cell
 * reads as words, and the settings form flags every invalid field at once in plain words.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { queryAudit } from "@/lib/audit/query.ts";
import { listEndpoints } from "@/lib/notify/endpoint_store.ts";
import { getNotifySettings } from "@/lib/notify/settings.ts";
import { getPage, parseHtml, postForm, textOf } from "../support/pages.ts";
import { startWebhookReceiver } from "../support/webhook_receiver.ts";
import { notifyWorld } from "../lib/notify/notify_world.ts";

/** The path and one-time id of a 303 to `/notifications?<param>=<id>`. */
function onceTarget(res: Response, param: string): { path: string; id: string } {
  equal(res.status, 303);
  equal(res.headers.get("cache-control"), "no-store");
  const location = res.headers.get("location") ?? "";
  const url = new URL(location, "http://localhost");
  equal(url.pathname, "/notifications");
  const id = url.searchParams.get(param) ?? "";
  match(id, /^[A-Za-z0-9_-]{16,}$/, `a random one-time id in ?${param}=`);
  return { path: location, id };
}

Deno.test("[pages] notifications: creating a webhook redirects; its secret is shown once, to its creator", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const res = await postForm(w.app, "/notifications", {
    intent: "create",
    kind: "webhook",
    name: "Pager",
    url: `${hook.origin}/pager`,
    minSeverity: "high",
    enabled: "on",
  }, { cookie: w.a.admin.cookie });
  const { path, id } = onceTarget(res, "created");
  ok(!path.includes("whsec_"), "the secret never travels in the URL");

  // Another admin of the organization cannot read it with the id.
  const other = await getPage(w.app, path, w.headers(w.a.owner));
  equal(other.status, 200);
  equal(other.doc.querySelector("#new-secret"), null, "shown only to the operator who created it");

  const shown = await getPage(w.app, path, w.headers(w.a.admin));
  equal(shown.status, 200);
  const secret = textOf(shown.doc.querySelector("#new-secret"));
  match(secret, /^whsec_/);
  equal(
    textOf(shown.doc.body).match(/Endpoint created/g)?.length,
    1,
    "one 'Endpoint created' message, not a flash plus the secret notice",
  );

  // A refresh: no second create (no 409), no secret again.
  const refreshed = await getPage(w.app, path, w.headers(w.a.admin));
  equal(refreshed.status, 200);
  equal(refreshed.doc.querySelector("#new-secret"), null);
  ok(!refreshed.html.includes(secret.slice(6)), "the secret is shown once");
  equal((await listEndpoints(w.services.ledger, w.orgA.id)).length, 1);
  const audit = await queryAudit(w.services.ledger, w.orgA.id, { action: "notify.", limit: 20 });
  deepEqual(audit.entries.map((e) => e.action), ["notify.endpoint.create"]);
  ok(!JSON.stringify(audit.entries).includes(id), "the one-time id is not audited");
});

Deno.test("[pages] notifications: a created secret is gone after five minutes", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const res = await postForm(w.app, "/notifications", {
    intent: "create",
    kind: "webhook",
    name: "Late",
    url: `${hook.origin}/late`,
    minSeverity: "high",
    enabled: "on",
  }, { cookie: w.a.admin.cookie });
  const { path } = onceTarget(res, "created");
  w.services.clock.advance(5 * 60_000 + 1);
  const late = await getPage(w.app, path, w.headers(w.a.admin));
  equal(late.status, 200);
  equal(late.doc.querySelector("#new-secret"), null);
  ok(!late.html.includes("whsec_"));
  // A forged id is no error either.
  const forged = await getPage(w.app, "/notifications?created=%3Cscript%3E", w.headers(w.a.admin));
  equal(forged.status, 200);
  ok(!forged.html.includes("<script>"));
});

Deno.test("[pages] notifications: a test redirects; a refresh does not send it again", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const { endpoint } = await w.addEndpoint({
    name: "Hook",
    kind: "webhook",
    url: `${hook.origin}/h`,
  });
  const res = await postForm(w.app, "/notifications", {
    intent: "test",
    endpointId: endpoint.id,
  }, { cookie: w.a.admin.cookie });
  const { path } = onceTarget(res, "tested");
  equal(hook.requests.length, 1);

  const shown = await getPage(w.app, path, w.headers(w.a.admin));
  equal(shown.status, 200);
  match(textOf(shown.doc.querySelector("#test-results")), /Hook: sent \(200\) in \d+ ms/);

  const refreshed = await getPage(w.app, path, w.headers(w.a.admin));
  equal(refreshed.status, 200);
  equal(refreshed.doc.querySelector("#test-results"), null, "the outcome is shown once");
  equal(hook.requests.length, 1, "one real delivery");
  const audit = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "notify.endpoint.test",
    limit: 20,
  });
  equal(audit.entries.length, 1, "audited once");
});

Deno.test("[pages] notifications: test all lists each endpoint's outcome; mixed is no error box", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  await w.addEndpoint({ name: "Good", kind: "webhook", url: `${hook.origin}/good` });
  const { endpoint: bad } = await w.addEndpoint({
    name: "Dead",
    kind: "slack",
    url: "http://127.0.0.1:9/x",
  });

  const before = await getPage(w.app, "/notifications", w.headers(w.a.admin));
  const head = before.doc.querySelector("#endpoints-title")?.parentElement;
  equal(head?.getAttribute("class"), "section-head", "the endpoints card has an actions row");
  ok(head?.querySelector("#test-all"), "'Test all enabled' sits with the section's actions");
  equal(before.doc.querySelectorAll("#test-all").length, 1);

  const res = await postForm(w.app, "/notifications", { intent: "test" }, {
    cookie: w.a.admin.cookie,
  });
  const { path } = onceTarget(res, "tested");
  const page = await getPage(w.app, path, w.headers(w.a.admin));
  const list = page.doc.querySelector("#test-results");
  ok(list);
  const box = list!.closest(".notice");
  ok(box && !box.getAttribute("class")!.includes("notice-error"), "mixed outcomes: no error box");
  ok(box!.getAttribute("role") !== "alert");
  const items = [...list!.querySelectorAll("li")].map((li) => ({
    state: li.getAttribute("data-state"),
    text: textOf(li),
  })).sort((x, y) => x.text.localeCompare(y.text));
  equal(items.length, 2);
  equal(items[0].state, "error");
  match(items[0].text, /^Dead: failed/);
  equal(items[1].state, "ok");
  match(items[1].text, /^Good: sent \(200\)/);
  match(textOf(box), /1 of 2 .*failed/);

  // The last-delivery cell reads as words.
  const cells = Object.fromEntries(
    [...page.doc.querySelectorAll("#endpoints tbody tr")].map((tr) => [
      textOf(tr.querySelector("th")),
      textOf(tr.querySelectorAll("td")[3]),
    ]),
  );
  match(cells.Good, /^sent 200 · \S.* ago$/);
  match(cells.Dead, /^failed · \S.* ago$/);
  ok(bad.id);
});

Deno.test("[pages] notifications: every invalid setting is flagged at once, in plain words", async () => {
  await using w = await notifyWorld();
  const typed = {
    dedupeWindowMinutes: "abc",
    quietStart: "25:00",
    quietEnd: "07:00",
    timezone: "Mars/Olympus",
    digestIntervalMinutes: "1",
  };
  const res = await postForm(w.app, "/notifications", { intent: "settings", ...typed }, {
    cookie: w.a.admin.cookie,
  });
  equal(res.status, 400);
  const doc = parseHtml(await res.text());
  const error = (field: string) => textOf(doc.querySelector(`#f-${field}-error`));
  for (const field of ["dedupeWindowMinutes", "quietStart", "timezone", "digestIntervalMinutes"]) {
    ok(doc.querySelector(`.field-invalid #f-${field}`), `${field} is flagged`);
  }
  equal(doc.querySelector(".field-invalid #f-quietEnd"), null, "a valid end is not flagged");
  match(error("dedupeWindowMinutes"), /whole number of minutes, 0 to 1440/);
  match(error("digestIntervalMinutes"), /whole number of minutes, 5 to 1440/);
  match(error("quietStart"), /HH:MM/);
  match(error("timezone"), /IANA time zone/);
  const all = textOf(doc.querySelector("#settings-form"));
  ok(!/Invalid input|expected|received/.test(all), `no raw validator text: ${all}`);
  for (const [field, value] of Object.entries(typed)) {
    equal(doc.querySelector(`#f-${field}`)?.getAttribute("value"), value, `${field} kept`);
  }
  equal((await getNotifySettings(w.services.ledger, w.orgA.id)).updatedAt, null, "nothing stored");

  // Out of range and malformed numbers read the same way.
  const more = await postForm(w.app, "/notifications", {
    intent: "settings",
    dedupeWindowMinutes: "2000",
    quietStart: "",
    quietEnd: "",
    timezone: "UTC",
    digestIntervalMinutes: "1.5",
  }, { cookie: w.a.admin.cookie });
  equal(more.status, 400);
  const mdoc = parseHtml(await more.text());
  match(textOf(mdoc.querySelector("#f-dedupeWindowMinutes-error")), /0 to 1440/);
  match(textOf(mdoc.querySelector("#f-digestIntervalMinutes-error")), /whole number of minutes/);
  ok(!/Invalid input|expected|received/.test(textOf(mdoc.querySelector("#settings-form"))));
});
