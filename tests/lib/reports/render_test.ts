/**
 * The report e-mail, rendered from report data alone: HTML escapes every value (hostile host
 * names, breach titles, organization names), carries no script and no external resource, uses
 * inline styles for mail clients (and none in the console variant); the text version carries
 * every key number; missing response times read "n/a".
 */
import { equal, match, ok } from "node:assert/strict";
import type { FleetReport } from "@/lib/reports/model.ts";
import {
  formatBytes,
  renderReportHtml,
  renderReportText,
  reportMail,
  reportSubject,
} from "@/lib/reports/render.ts";
import { parseHtml, textOf } from "../../support/pages.ts";
import { reportSummary } from "@/lib/reports/deliver.ts";

const HOSTILE = `<img src=x onerror="alert(1)">&'web`;

function sample(overrides: Partial<FleetReport> = {}): FleetReport {
  return {
    org: { id: "o1", name: "Acme <Ops>", slug: "acme" },
    period: { kind: "week", start: "2026-11-18T10:00:00.000Z", end: "2026-11-25T10:00:00.000Z" },
    generatedAt: "2026-11-25T10:04:00.000Z",
    consoleUrl: "http://localhost:8000/reports",
    hosts: {
      total: 4,
      posture: { low: 1, guarded: 1, elevated: 0, critical: 2 },
      riskiest: [{ id: "h1", name: HOSTILE, score: 100, band: "critical" }],
    },
    signals: {
      bySeverity: { info: 3, low: 1, medium: 2, high: 5, critical: 1 },
      total: 12,
      top: [{ code: "self_integrity_changed", severity: "critical", count: 1, hosts: 1 }],
    },
    breaches: {
      open: 7,
      openBySeverity: { info: 0, low: 0, medium: 1, high: 5, critical: 1 },
      openedInPeriod: 6,
      top: [{
        id: "b1",
        hostName: HOSTILE,
        code: "unexpected_public_port",
        severity: "high",
        title: "Port tcp:6379 (<script>alert(2)</script>)",
        openedAt: "2026-11-25T09:50:00.000Z",
      }],
    },
    incidents: {
      open: 2,
      unacknowledged: 1,
      openedInPeriod: 4,
      resolvedInPeriod: 3,
      mtta: { count: 3, medianMinutes: 15, meanMinutes: 20 },
      mttr: { count: 3, medianMinutes: 120, meanMinutes: 4860 },
    },
    silent: {
      count: 1,
      hosts: [{ id: "h9", name: `silent"><b>x`, state: "missing", lastSeenAt: null }],
    },
    ingest: { snapshots: 3, bytes: 46_285, reportingHosts: 3 },
    ...overrides,
  };
}

Deno.test("[reports] HTML e-mail escapes hostile values and carries no script", () => {
  const html = renderReportHtml(sample());
  ok(html.startsWith("<!doctype html>"));
  ok(!/<script/i.test(html), "no script element, not even from a breach title");
  ok(!/<img/i.test(html), "a host name cannot inject an element");
  const doc = parseHtml(html);
  equal(doc.querySelectorAll("script, img, iframe, object, link, style").length, 0);
  for (const el of doc.querySelectorAll("*")) {
    for (const attr of el.getAttributeNames()) {
      ok(!attr.startsWith("on"), `no event handler attribute (${el.tagName} ${attr})`);
    }
  }
  ok(textOf(doc.body).includes(`${HOSTILE}`), "the hostile name shows as text");
  ok(html.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;web"));
  ok(html.includes("Port tcp:6379 (&lt;script&gt;alert(2)&lt;/script&gt;)"));
  ok(html.includes("silent&quot;&gt;&lt;b&gt;x"));
  ok(html.includes("Acme &lt;Ops&gt;"));
  ok(!/(src|href)="(?!http:\/\/localhost:8000\/reports)/.test(html), "no external resource");
  match(html, /style="/, "inline styles for mail clients");
  match(html, /median 15m, mean 20m \(3 acknowledged\)/);
  match(html, /median 2h, mean 3d 9h \(3 resolved\)/);
  match(html, /45\.2 KiB/);
});

Deno.test("[reports] the console variant has the same markup without inline styles", () => {
  const fragment = renderReportHtml(sample(), { inlineStyles: false, document: false });
  ok(fragment.startsWith("<table"), "the report table alone");
  ok(!fragment.includes("style="), "CSP: no inline style attributes");
  ok(!/<script|<html|<body/i.test(fragment));
  match(fragment, /class="rpt-card"/);
  match(fragment, /rpt-sev-critical/);
});

Deno.test("[reports] text version: every key number, n/a without response times", () => {
  const text = renderReportText(sample());
  for (
    const line of [
      "Acme <Ops>, 2026-11-18 10:00 UTC to 2026-11-25 10:00 UTC",
      "  Hosts: 4",
      "  Critical hosts: 2",
      "  Silent hosts: 1",
      "  Open breaches: 7",
      "  Incidents not resolved: 2 (1 open, 1 acknowledged)",
      "  critical  2",
      "  guarded   1",
      "  Not resolved now: 2 (1 open, 1 acknowledged)",
      "  Opened in the period: 4",
      "  Resolved in the period: 3",
      "  MTTA: median 15m, mean 20m (3 acknowledged)",
      "  MTTR: median 2h, mean 3d 9h (3 resolved)",
      "  critical self_integrity_changed: seen 1, on 1 host",
      "  3 snapshots (45.2 KiB) from 3 of 4 hosts",
      "Details: http://localhost:8000/reports",
    ]
  ) ok(text.includes(line), `text has ${JSON.stringify(line)}\n${text}`);

  const quiet = sample({
    incidents: {
      open: 0,
      unacknowledged: 0,
      openedInPeriod: 0,
      resolvedInPeriod: 0,
      mtta: { count: 0, medianMinutes: null, meanMinutes: null },
      mttr: { count: 0, medianMinutes: null, meanMinutes: null },
    },
  });
  match(renderReportText(quiet), /MTTA: n\/a \(none acknowledged in the period\)/);
  match(renderReportText(quiet), /MTTR: n\/a \(none resolved in the period\)/);
  match(renderReportHtml(quiet), /n\/a \(none resolved in the period\)/);
});

Deno.test("[reports] subject: one line naming the period and organization", () => {
  equal(reportSubject(sample()), "Weekly fleet report: Acme <Ops>, 2026-11-18 to 2026-11-25");
  const evil = sample({ org: { id: "o", name: "A\r\nBcc: x@evil.test", slug: "a" } });
  ok(!/[\r\n]/.test(reportSubject(evil)));
  const mail = reportMail(sample());
  equal(mail.subject, reportSubject(sample()));
  ok(mail.html.includes("<!doctype html>") && mail.text.startsWith("VPS Sentry"));
  equal(formatBytes(512), "512 B");
  equal(formatBytes(5 * 1024 * 1024), "5.0 MiB");
});

Deno.test("[reports] reportSummary counts in words and says incidents 'not resolved'", () => {
  const text = reportSummary(sample());
  match(text, /^\d+ hosts? \(\d+ critical, \d+ elevated\), \d+ silent; \d+ open breach(es)?; /);
  match(text, /\d+ incidents? not resolved, \d+ opened and \d+ resolved in the period\.$/);
  ok(!/\(s\)|\(es\)/.test(text));
});
