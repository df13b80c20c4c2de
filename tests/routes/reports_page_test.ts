/**
 * The reports page (`/reports`): ops see the schedule, the send-now form and an inline preview
 * of the report e-mail (escaped, no scripts, no inline styles: CSP); admins change the schedule
 * (PRG with a flash; bad values re-render naming the field; pending-state submit buttons); ops
 * may send now but not change the schedule; viewers are refused and get no nav link.
 */
import { equal, match, ok } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { getPage, parseHtml, postForm, textOf } from "../support/pages.ts";
import { getReportSettings } from "@/lib/reports/settings.ts";
import { HOSTILE_NAME, ORG_B_HOST, seedFleet } from "../lib/reports/fleet_seed.ts";

const SETTINGS = {
  intent: "settings",
  enabled: "on",
  frequency: "daily",
  weekday: "1",
  hourUtc: "7",
  emails: "ops-team@acme.test, cto@acme.test",
};

Deno.test("[pages] reports: the preview is the e-mail's markup, escaped and CSP-safe", async () => {
  await using w = await operatorWorld();
  await seedFleet(w);
  const view = await getPage(w.app, "/reports?period=day", w.headers(w.a.ops));
  equal(view.status, 200);
  const preview = view.doc.querySelector("#report-preview");
  ok(preview, "inline preview");
  equal(preview.querySelectorAll("script, img, iframe, style, link").length, 0);
  ok(!preview.innerHTML.includes("style="), "no inline style attributes (CSP style-src 'self')");
  ok(textOf(preview).includes(HOSTILE_NAME), "the hostile host name shows as text");
  ok(!view.html.includes("<img src=x"), "and never as markup");
  ok(!view.html.includes(ORG_B_HOST), "org B's host never shows");
  match(textOf(view.doc.querySelector("#report-subject")), /^Daily fleet report: Acme Ops/);
  match(textOf(view.doc.querySelector("#report-text")), /Hosts: 4/);
  const csp = view.res.headers.get("content-security-policy") ?? "";
  ok(!csp.includes("unsafe-inline"), csp);
  equal(view.doc.querySelector("#report-settings-form"), null, "ops do not change the schedule");
  ok(view.doc.querySelector("#report-send-form"), "ops may send now");
  ok(view.html.includes("SubmitButton"), "pending-state buttons are islands");
  ok(view.doc.querySelector('nav a[href="/reports"]'), "nav link for ops");

  const viewer = await getPage(w.app, "/reports", w.headers(w.a.viewer));
  equal(viewer.status, 403);
  const home = await getPage(w.app, "/", w.headers(w.a.viewer));
  equal(home.doc.querySelector('nav a[href="/reports"]'), null, "no nav link for viewers");
});

Deno.test("[pages] reports: admins save the schedule; bad values name the field", async () => {
  await using w = await operatorWorld();
  const admin = { cookie: w.a.admin.cookie };
  const form = await getPage(w.app, "/reports", w.headers(w.a.admin));
  ok(form.doc.querySelector("#report-settings-form"));
  equal(textOf(form.doc.querySelector("#report-schedule dd")), "Off");

  const res = await postForm(w.app, "/reports", SETTINGS, admin);
  equal(res.status, 303, await res.clone().text());
  equal(res.headers.get("location"), "/reports?done=settings");
  const stored = await getReportSettings(w.services.ledger, w.orgA.id);
  equal(stored.enabled, true);
  equal(stored.hourUtc, 7);
  equal(stored.frequency, "daily");
  equal(stored.emails.join(","), "ops-team@acme.test,cto@acme.test");
  const after = await getPage(w.app, "/reports?done=settings", w.headers(w.a.admin));
  match(textOf(after.doc.body), /Report schedule saved\./);
  equal(textOf(after.doc.querySelector("#report-schedule dd")), "On: Daily at 07:00 UTC");
  equal(after.doc.querySelector("#f-hourUtc option[selected]")?.getAttribute("value"), "7");

  const same = await postForm(w.app, "/reports", SETTINGS, admin);
  equal(same.headers.get("location"), "/reports?done=unchanged");

  const cases: [Record<string, string>, string, RegExp][] = [
    [{ hourUtc: "25" }, "hourUtc", /0-23/],
    [{ frequency: "hourly" }, "frequency", /"daily" or "weekly"/],
    [{ emails: "ops@acme.test, nope" }, "emails", /"nope": expected an e-mail address/],
    [{ emails: "" }, "emails", /at least one e-mail address/],
  ];
  for (const [fields, field, message] of cases) {
    const bad = await postForm(w.app, "/reports", { ...SETTINGS, ...fields }, admin);
    equal(bad.status, 400, field);
    const doc = parseHtml(await bad.text());
    ok(doc.querySelector(`.field-invalid #f-${field}`), `${field} is marked`);
    match(textOf(doc.querySelector(`#f-${field}-error`)), message);
    match(textOf(doc.querySelector(".notice")), /Check the fields marked below/);
  }
  equal((await getReportSettings(w.services.ledger, w.orgA.id)).hourUtc, 7, "nothing changed");
});

Deno.test("[pages] reports: ops send now (PRG with counts) but cannot change the schedule", async () => {
  await using w = await operatorWorld();
  const ops = { cookie: w.a.ops.cookie };
  const sent = await postForm(
    w.app,
    "/reports",
    { intent: "send", period: "day", emails: "" },
    ops,
  );
  equal(sent.status, 303, await sent.clone().text());
  equal(sent.headers.get("location"), "/reports?done=sent&queued=1&suppressed=0&deduped=0");
  const flash = await getPage(w.app, sent.headers.get("location")!, w.headers(w.a.ops));
  match(textOf(flash.doc.body), /Report sent: 1 delivery queued/);
  const rows = await w.services.ledger.db.selectFrom("notify_deliveries").select("recipient")
    .where("event_type", "=", "report").execute();
  equal(rows.map((r) => r.recipient).join(), "ops@acme.test", "to the caller by default");

  const bad = await postForm(w.app, "/reports", { intent: "send", emails: "x@" }, ops);
  equal(bad.status, 400);
  const doc = parseHtml(await bad.text());
  match(textOf(doc.querySelector("#f-send-emails-error")), /"x@": expected an e-mail address/);

  const refused = await postForm(w.app, "/reports", SETTINGS, ops);
  equal(refused.status, 403);
  match(await refused.text(), /This needs the admin role or higher; you are ops\./);
  equal((await getReportSettings(w.services.ledger, w.orgA.id)).enabled, false);
});
