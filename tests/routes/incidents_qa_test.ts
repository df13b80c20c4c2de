/**
 * QA findings on the incident pages: the overdue banner tells who escalation pages (no one when
 * the policy has no levels), linked items have proper headings ("Breaches"), identical signals
 * are one row with a count and first/last seen, schema errors are plain ("write a note"), and a
 * manual title over 200 characters is refused naming the field (page and API), never cut short.
 */
import { equal, match, ok } from "node:assert/strict";
import { getPage, parseHtml, postForm, textOf } from "../support/pages.ts";
import { type IncidentWorld, incidentWorld } from "../lib/incidents/world.ts";

Deno.test("[incidents qa] overdue with no escalation levels: the banner says no one is paged", async () => {
  await using w = await incidentWorld();
  const incident = await w.open({ title: "Checkout down", severity: "critical" });
  w.services.clock.advance(6 * 60_000);
  const { status, doc } = await getPage(w.app, `/incidents/${incident.id}`, w.headers(w.a.ops));
  equal(status, 200);
  const banner = [...doc.querySelectorAll(".notice-error")].find((n) =>
    /Not acknowledged in time/.test(textOf(n))
  );
  ok(banner, "the overdue banner is shown");
  const text = textOf(banner);
  ok(!/paging level/.test(text), `no level is paged: ${text}`);
  match(text, /no levels/);
  match(text, /pages no one/);
  match(text, /reminders/);
  equal(
    banner.querySelector("[data-overdue-notice]")?.getAttribute("data-overdue-notice"),
    "no-levels",
  );
  ok(banner.querySelector('a[href="/escalation"]'), "links to where levels are set");

  // With a level, the banner says how many levels there are and that none is paged yet.
  const saved = await w.api(w.a.admin, "PUT", "/api/escalation-policy", {
    levels: [{ userIds: [w.a.ops.userId] }],
  });
  equal(saved.status, 200, JSON.stringify(saved.body));
  const paged = await getPage(w.app, `/incidents/${incident.id}`, w.headers(w.a.ops));
  const withLevels = paged.doc.querySelector("[data-overdue-notice]");
  equal(withLevels?.getAttribute("data-overdue-notice"), "paging");
  // Opened before the policy had levels: level 0, nothing paged yet (not "paging level 1").
  match(textOf(withLevels), /not paged yet \(the escalation policy has 1 level/);
});

/** An automatic incident from IOC pushes at `times`, with a manual breach linked to it. */
async function incidentWithSignals(w: IncidentWorld, times: string[]) {
  const shop = await w.host("shop-prod-1");
  for (const ts of times) await w.pushIoc(shop, ts);
  const list = await w.api(w.a.ops, "GET", "/api/incidents");
  const incidents = list.body.incidents as { id: string }[];
  equal(incidents.length, 1, "one automatic incident collects the snapshots' signals");
  const id = incidents[0].id;
  const created = await w.app.request(`/api/hosts/${shop.host.id}/breaches`, {
    method: "POST",
    headers: w.headers(w.a.ops, { "content-type": "application/json" }),
    body: JSON.stringify({ action: "create", title: "Web shell in uploads", severity: "high" }),
  });
  equal(created.status, 201, await created.clone().text());
  const breach = (await created.json()).breach as { id: string };
  const linked = await w.api(w.a.ops, "POST", `/api/incidents/${id}`, {
    action: "link",
    kind: "breach",
    refId: breach.id,
  });
  equal(linked.status, 200, JSON.stringify(linked.body));
  return id;
}

const TIMES = ["09:55", "10:00", "10:05", "10:10", "10:15"].map((t) => `2026-11-25T${t}:00.000Z`);

Deno.test("[incidents qa] linked items: proper headings (Breaches, not Breachs)", async () => {
  await using w = await incidentWorld();
  const id = await incidentWithSignals(w, TIMES.slice(0, 1));
  const { doc } = await getPage(w.app, `/incidents/${id}`, w.headers(w.a.ops));
  const section = doc.querySelector('section[aria-labelledby="incident-links"]');
  const headings = [...(section?.querySelectorAll("h3") ?? [])].map((h) => textOf(h));
  equal(headings.join(), "Hosts,Breaches,Signals");
});

Deno.test("[incidents qa] linked signals: identical ones are one row with ×N and first/last seen", async () => {
  await using w = await incidentWorld();
  const id = await incidentWithSignals(w, TIMES);
  const links = (await w.api(w.a.ops, "GET", `/api/incidents/${id}`)).body.links as {
    kind: string;
    label: string;
    detail: string;
  }[];
  const signals = links.filter((l) => l.kind === "signal");
  const kinds = new Set(signals.map((s) => `${s.label}|${s.detail}`));
  ok(signals.length >= TIMES.length, `${signals.length} signals linked`);
  ok(kinds.size < signals.length, "the snapshots repeat the same signals");

  const { doc } = await getPage(w.app, `/incidents/${id}`, w.headers(w.a.ops));
  const rows = [...doc.querySelectorAll('ul[data-kind="signal"] > li')];
  equal(rows.length, kinds.size, "one row per distinct signal");
  const counts = rows.map((r) => Number(r.getAttribute("data-count")));
  equal(counts.reduce((a, b) => a + b, 0), signals.length, "the counts add up");
  const repeated = rows.find((r) => Number(r.getAttribute("data-count")) === TIMES.length);
  ok(repeated, `a signal seen in each of the ${TIMES.length} snapshots: ${counts.join()}`);
  match(textOf(repeated), new RegExp(`×${TIMES.length}`));
  match(textOf(repeated), /first .* last /);
  const stamps = [...repeated.querySelectorAll("time")].map((t) => t.getAttribute("datetime"));
  equal(stamps.join(), `${TIMES[0]},${TIMES.at(-1)}`);
});

Deno.test("[incidents qa] plain field errors: an empty note and an empty manual title", async () => {
  await using w = await incidentWorld();
  const incident = await w.open();
  const note = await postForm(w.app, `/incidents/${incident.id}`, { intent: "note", text: " " }, {
    cookie: w.a.ops.cookie,
  });
  equal(note.status, 400);
  const noteHtml = await note.text();
  ok(!/Too small|expected string/.test(noteHtml), "no raw zod text");
  match(textOf(parseHtml(noteHtml).querySelector(".field-invalid")), /write a note/);

  const apiNote = await w.api(w.a.ops, "POST", `/api/incidents/${incident.id}`, {
    action: "note",
    text: "",
  });
  equal(apiNote.status, 400);
  equal(apiNote.body.error?.message, "text: write a note");

  const title = await postForm(w.app, "/incidents", {
    intent: "create",
    title: "",
    severity: "high",
  }, {
    cookie: w.a.ops.cookie,
  });
  equal(title.status, 400);
  const titleDoc = parseHtml(await title.text());
  match(textOf(titleDoc.querySelector(".field-invalid")), /write a title/);
  ok(!/Too small/.test(textOf(titleDoc)), "no raw zod text");
});

Deno.test("[incidents qa] a 500-character title is refused naming the field, never cut short", async () => {
  await using w = await incidentWorld();
  const long = `Checkout down ${"x".repeat(486)}`;
  equal(long.length, 500);
  const page = await postForm(w.app, "/incidents", {
    intent: "create",
    title: long,
    severity: "high",
    summary: "502s",
  }, { cookie: w.a.ops.cookie });
  equal(page.status, 400);
  const doc = parseHtml(await page.text());
  const field = doc.querySelector(".field-invalid");
  ok(field?.querySelector('input[name="title"]'), "the title field is marked");
  match(textOf(field), /at most 200 characters/);
  equal(doc.querySelector<HTMLInputElement>('input[name="title"]')?.getAttribute("value"), long);
  equal(textOf(doc.querySelector('textarea[name="summary"]')), "502s", "the summary is kept");
  const none = (await w.api(w.a.ops, "GET", "/api/incidents")).body.incidents as unknown[];
  equal(none.length, 0, "none opened");

  const api = await w.api(w.a.ops, "POST", "/api/incidents", { title: long, severity: "high" });
  equal(api.status, 400);
  equal(api.body.error?.details?.field, "title");
  equal(api.body.error?.message, "title: at most 200 characters");
});
