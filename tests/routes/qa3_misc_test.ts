/**
 * QA pass 3, assorted findings: notification lines on the incident timeline say "queued", use the
 * event's words and tell the two passes of an opening apart; /escalation warns when e-mail is not
 * configured; linked-item events name the item; the incident list never offers an empty "Older"
 * page; a date-only audit "Until" covers that day; audit actions break only at dots; the report
 * words unresolved incidents in the list's states.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { getPage, textOf } from "../support/pages.ts";
import { incidentWorld } from "../lib/incidents/world.ts";
import { operatorWorld } from "../support/operator_world.ts";
import { appendAudit } from "@/lib/audit/append.ts";
import { renderReportHtml, renderReportText } from "@/lib/reports/render.ts";
import type { FleetReport } from "@/lib/reports/model.ts";

type Event = { type: string; message: string; data: Record<string, unknown> | null };

Deno.test("[qa3] incident timeline: notifications say queued, in words, one line per route", async () => {
  await using w = await incidentWorld();
  const saved = await w.api(w.a.admin, "PUT", "/api/escalation-policy", {
    levels: [{ userIds: [w.a.ops.userId] }],
  });
  equal(saved.status, 200, JSON.stringify(saved.body));
  const incident = await w.open({ title: "Checkout down", severity: "critical" });
  const detail = await w.api(w.a.ops, "GET", `/api/incidents/${incident.id}`);
  const notified = (detail.body.events as Event[]).filter((e) => e.type === "notified")
    .map((e) => e.message);
  equal(notified.length, 2, `two routes, on purpose: ${notified.join(" | ")}`);
  for (const line of notified) {
    ok(!/incident\.opened/.test(line), `event in words, not the raw key: ${line}`);
    match(line, /^Notification incident opened \(/);
    match(line, /deliver(y|ies) queued/);
  }
  ok(notified.some((l) => /\(routing rules\)/.test(l)), notified.join(" | "));
  ok(
    notified.includes("Notification incident opened (level 1): 1 delivery queued"),
    notified.join(" | "),
  );
  equal(new Set(notified).size, 2, "the two lines differ");
});

Deno.test("[qa3] /escalation: without SMTP_URL a notice says levels get no e-mail", async () => {
  await using w = await incidentWorld();
  const { status, doc } = await getPage(w.app, "/escalation", w.headers(w.a.admin));
  equal(status, 200);
  const notice = doc.querySelector("[data-mail-notice]");
  ok(notice, "the notice is shown");
  match(textOf(notice), /SMTP_URL/);
  match(textOf(notice), /receive nothing by e-mail/);
  match(textOf(notice), /webhook or Slack/);
  ok(notice.querySelector('a[href="/notifications"]'), "links to the endpoints");

  await using mailing = await incidentWorld({ env: { SMTP_URL: "smtp://127.0.0.1:2525" } });
  const configured = await getPage(mailing.app, "/escalation", mailing.headers(mailing.a.admin));
  equal(configured.status, 200);
  ok(!configured.doc.querySelector("[data-mail-notice]"), "no notice with e-mail configured");
});

Deno.test("[qa3] incident timeline: a linked item is named, not its raw id", async () => {
  await using w = await incidentWorld();
  const shop = await w.host("shop-prod-1");
  const incident = await w.open({ title: "Shop compromised", severity: "high" });
  const created = await w.app.request(`/api/hosts/${shop.host.id}/breaches`, {
    method: "POST",
    headers: w.headers(w.a.ops, { "content-type": "application/json" }),
    body: JSON.stringify({ action: "create", title: "Web shell in uploads", severity: "high" }),
  });
  equal(created.status, 201, await created.clone().text());
  const breach = (await created.json()).breach as { id: string };
  for (const action of ["link", "unlink"]) {
    const res = await w.api(w.a.ops, "POST", `/api/incidents/${incident.id}`, {
      action,
      kind: "breach",
      refId: breach.id,
    });
    equal(res.status, 200, JSON.stringify(res.body));
  }
  const events = (await w.api(w.a.ops, "GET", `/api/incidents/${incident.id}`)).body
    .events as Event[];
  const messages = events.filter((e) => e.type === "linked" || e.type === "unlinked")
    .map((e) => e.message);
  deepEqual(messages, [
    'Linked breach "Web shell in uploads"',
    'Unlinked breach "Web shell in uploads"',
  ]);
  const page = await getPage(w.app, `/incidents/${incident.id}`, w.headers(w.a.ops));
  ok(!page.html.includes(`Linked breach ${breach.id}`), "the page shows no raw id");
});

Deno.test("[qa3] incidents list: no Older link (nor nextCursor) after the last incident", async () => {
  await using w = await incidentWorld();
  await w.open({ title: "First", severity: "critical" });
  await w.open({ title: "Second", severity: "critical" });
  await w.open({ title: "Minor", severity: "medium" });
  // API: two critical incidents, one a page.
  const first = await w.api(w.a.ops, "GET", "/api/incidents?limit=1&severity=critical");
  equal((first.body.incidents as unknown[]).length, 1);
  ok(typeof first.body.nextCursor === "string", "another critical incident exists");
  const second = await w.api(
    w.a.ops,
    "GET",
    `/api/incidents?limit=1&severity=critical&after=${first.body.nextCursor}`,
  );
  equal((second.body.incidents as unknown[]).length, 1);
  equal(second.body.nextCursor, null, "the last page has no cursor");

  // Page: Older once, then no Older link.
  const page1 = await getPage(w.app, "/incidents?limit=1&severity=critical", w.headers(w.a.ops));
  const older = page1.doc.querySelector('a[rel="next"]')?.getAttribute("href");
  ok(older, "an Older link on the first page");
  const page2 = await getPage(w.app, older, w.headers(w.a.ops));
  equal(page2.status, 200);
  match(page2.html, /Second|First/);
  ok(!page2.doc.querySelector('a[rel="next"]'), "no Older link on the last page");
});

Deno.test("[qa3] audit: a date-only Until covers that day (page, API, export)", async () => {
  await using w = await operatorWorld();
  await appendAudit(w.services.ledger, {
    orgId: w.orgA.id,
    actor: { type: "user", id: w.a.owner.userId, label: w.a.owner.email },
    action: "incident.reopen",
    summary: "reopened on the day",
    ts: new Date(Date.UTC(2026, 10, 26, 15, 30)),
  });
  const q = "from=2026-11-26&to=2026-11-26";
  const page = await getPage(w.app, `/audit?${q}`, w.headers(w.a.admin));
  equal(page.status, 200);
  match(page.html, /reopened on the day/);
  const api = await w.app.request(`/api/audit?${q}`, { headers: w.headers(w.a.admin) });
  equal(api.status, 200);
  match(await api.text(), /reopened on the day/);
  const exported = await w.app.request(`/api/audit/export?${q}&format=jsonl`, {
    headers: w.headers(w.a.admin),
  });
  equal(exported.status, 200);
  match(await exported.text(), /reopened on the day/);
  // A time is still an exclusive end.
  const timed = await getPage(w.app, "/audit?to=2026-11-26T15:00:00Z", w.headers(w.a.admin));
  ok(!timed.html.includes("reopened on the day"));
});

Deno.test("[qa3] audit: an action breaks only after its dots, never inside a word", async () => {
  await using w = await operatorWorld();
  await appendAudit(w.services.ledger, {
    orgId: w.orgA.id,
    actor: { type: "user", id: w.a.owner.userId, label: w.a.owner.email },
    action: "incident.reopen",
    summary: "reopened",
    ts: new Date(Date.UTC(2026, 10, 26, 15, 30)),
  });
  const page = await getPage(w.app, "/audit", w.headers(w.a.admin));
  equal(page.status, 200);
  const code = page.doc.querySelector("table.audit code.audit-action");
  ok(code, "the action is marked");
  equal(textOf(code), "incident.reopen");
  match(code.innerHTML, /^incident\.<wbr>reopen$/);
  const css = await Deno.readTextFile(new URL("../../static/styles.css", import.meta.url));
  ok(
    !/\.audit td code\s*\{[^}]*overflow-wrap:\s*anywhere/.test(css),
    "no break-anywhere on actions",
  );
  match(css, /\.audit td code:not\(\.audit-action\)\s*\{[^}]*overflow-wrap:\s*anywhere/);
});

function report(): FleetReport {
  const none = { count: 0, medianMinutes: null, meanMinutes: null };
  return {
    org: { id: "o1", name: "Acme", slug: "acme" },
    period: { kind: "week", start: "2026-11-18T10:00:00.000Z", end: "2026-11-25T10:00:00.000Z" },
    generatedAt: "2026-11-25T10:04:00.000Z",
    consoleUrl: "http://localhost:8000/reports",
    hosts: { total: 1, posture: { low: 1, guarded: 0, elevated: 0, critical: 0 }, riskiest: [] },
    signals: {
      bySeverity: { info: 0, low: 0, medium: 0, high: 0, critical: 0 },
      total: 0,
      top: [],
    },
    breaches: {
      open: 0,
      openBySeverity: { info: 0, low: 0, medium: 0, high: 0, critical: 0 },
      openedInPeriod: 0,
      top: [],
    },
    // As /incidents shows them: 1 open, 1 acknowledged.
    incidents: {
      open: 2,
      unacknowledged: 1,
      openedInPeriod: 2,
      resolvedInPeriod: 0,
      mtta: none,
      mttr: none,
    },
    silent: { count: 0, hosts: [] },
    ingest: { snapshots: 0, bytes: 0, reportingHosts: 0 },
  };
}

Deno.test("[qa3] report: unresolved incidents in the list's states", () => {
  const text = renderReportText(report());
  ok(text.includes("  Incidents not resolved: 2 (1 open, 1 acknowledged)"), text);
  ok(text.includes("  Not resolved now: 2 (1 open, 1 acknowledged)"), text);
  ok(!/Open now|Open incidents/.test(text), text);
  const html = renderReportHtml(report(), { inlineStyles: false, document: false });
  match(html, /Not resolved now/);
  match(html, /2 \(1 open, 1 acknowledged\)/);
  ok(!/Open now|Open incidents/.test(html));
});
