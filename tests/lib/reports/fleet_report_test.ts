/**
 * The fleet report on a seeded fleet (real fixture pushes through the API, incidents with known
 * times): posture distribution, silent hosts, top signals, open breaches, incidents with exact
 * MTTA/MTTR, ingest volume, and organization isolation both ways.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { operatorWorld } from "../../support/operator_world.ts";
import { buildFleetReport } from "@/lib/reports/fleet_report.ts";
import { renderReportHtml, renderReportText } from "@/lib/reports/render.ts";
import { HOSTILE_NAME, ORG_B_HOST, seedFleet } from "./fleet_seed.ts";

Deno.test("[reports] a week report of a seeded fleet has the exact numbers", async () => {
  await using w = await operatorWorld();
  const fleet = await seedFleet(w);
  // The cron runs a few minutes after the hour; the pushes (received at 10:00) are in the week.
  w.services.clock.advance(4 * 60_000);
  const report = await buildFleetReport(w.services, w.orgA.id, { kind: "week" });
  const { db } = w.services.ledger;

  deepEqual(report.period, {
    kind: "week",
    start: "2026-11-18T10:04:00.000Z",
    end: "2026-11-25T10:04:00.000Z",
  });
  equal(report.hosts.total, 4);
  deepEqual(report.hosts.posture, { low: 1, guarded: 1, elevated: 0, critical: 2 });
  deepEqual(report.hosts.riskiest.slice(0, 2).map((h) => [h.name, h.band]), [
    ["web-1", "critical"],
    [HOSTILE_NAME, "critical"],
  ]);
  deepEqual(report.silent, {
    count: 1,
    hosts: [{ id: fleet.hostIds.silent, name: "silent-1", state: "missing", lastSeenAt: null }],
  });

  // Signals: org A's three pushes only (org B's outbound-scan IOC is not here).
  equal(report.signals.bySeverity.critical, 2);
  equal(report.signals.total, Object.values(report.signals.bySeverity).reduce((a, b) => a + b));
  deepEqual(report.signals.top.slice(0, 2).map((s) => [s.code, s.severity, s.count, s.hosts]), [
    ["self_integrity_changed", "critical", 1, 1],
    ["suspicious_process_ioc", "critical", 1, 1],
  ]);
  deepEqual(
    report.signals.top.filter((s) => s.code === "unexpected_public_port").map((s) => [
      s.severity,
      s.count,
      s.hosts,
    ]),
    [["high", 3, 2]],
    "web-1 shows two unexpected ports, evil-1 one",
  );
  ok(!report.signals.top.some((s) => s.code === "outbound_scan_ioc"), "org B's signal");

  // Breaches: every open one of org A was opened by these pushes.
  const open = await db.selectFrom("breaches").select("id").where("org_id", "=", w.orgA.id)
    .where("state", "=", "open").execute();
  ok(open.length >= 4);
  equal(report.breaches.open, open.length);
  equal(report.breaches.openedInPeriod, open.length);
  equal(report.breaches.openBySeverity.critical, 2);
  deepEqual(report.breaches.top.slice(0, 2).map((b) => b.severity), ["critical", "critical"]);
  ok(report.breaches.top.length <= 10);

  // Incidents: the seeded ones plus any that ingest opened by itself (open, unacknowledged, now).
  const { baseline } = fleet;
  deepEqual(report.incidents, {
    open: 2 + baseline.open + baseline.acknowledged,
    unacknowledged: 1 + baseline.open,
    openedInPeriod: 4 + baseline.total,
    resolvedInPeriod: 3,
    mtta: { count: 3, medianMinutes: 15, meanMinutes: 20 },
    mttr: { count: 3, medianMinutes: 120, meanMinutes: 4860 },
  });

  const bytes = await db.selectFrom("snapshots").select("payload_bytes")
    .where("org_id", "=", w.orgA.id).execute();
  deepEqual(report.ingest, {
    snapshots: 3,
    bytes: bytes.reduce((sum, r) => sum + r.payload_bytes, 0),
    reportingHosts: 3,
  });

  const text = renderReportText(report);
  ok(text.includes("  MTTA: median 15m, mean 20m (3 acknowledged)"), text);
  ok(text.includes("  MTTR: median 2h, mean 3d 9h (3 resolved)"), text);
  ok(text.includes("  Hosts: 4") && text.includes("  Silent hosts: 1"), text);
  ok(text.includes(`  Open breaches: ${open.length}`), text);
  const html = renderReportHtml(report);
  ok(!html.includes("<img"), "the hostile host name is escaped");
  ok(html.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;evil"));
  for (const doc of [text, html, JSON.stringify(report)]) {
    ok(!doc.includes(ORG_B_HOST), "org B's host never shows in org A's report");
  }
});

Deno.test("[reports] org B's report never includes org A's hosts, signals or incidents", async () => {
  await using w = await operatorWorld();
  await seedFleet(w);
  w.services.clock.advance(4 * 60_000);
  const report = await buildFleetReport(w.services, w.orgB.id, { kind: "day" });
  equal(report.org.id, w.orgB.id);
  equal(report.hosts.total, 1);
  equal(report.ingest.snapshots, 1);
  ok(report.signals.top.some((s) => s.code === "outbound_scan_ioc"));
  ok(!report.signals.top.some((s) => s.code === "self_integrity_changed"), "org A's signal");
  deepEqual(report.incidents.mtta, { count: 1, medianMinutes: 119, meanMinutes: 119 });
  deepEqual(report.incidents.mttr, { count: 0, medianMinutes: null, meanMinutes: null });
  const all = JSON.stringify(report) + renderReportText(report) + renderReportHtml(report);
  for (const name of ["web-1", "db-1", "silent-1", "evil", "Acme Ops"]) {
    ok(!all.includes(name), `org A's ${name} is not in org B's report`);
  }
});

Deno.test("[reports] a period before the pushes: nothing observed, posture still current", async () => {
  await using w = await operatorWorld();
  await seedFleet(w);
  const report = await buildFleetReport(w.services, w.orgA.id, {
    kind: "day",
    end: new Date("2026-11-25T09:00:00Z"),
  });
  equal(report.signals.total, 0);
  deepEqual(report.signals.top, []);
  deepEqual(report.ingest, { snapshots: 0, bytes: 0, reportingHosts: 0 });
  equal(report.breaches.openedInPeriod, 0);
  ok(report.breaches.open > 0, "open breaches are counted as of now");
  equal(report.hosts.posture.critical, 2);
  // The day from 11-24 09:00: resolved at 09:00 (start inclusive) and 14:00; acknowledged 12:15.
  equal(report.incidents.resolvedInPeriod, 2);
  deepEqual(report.incidents.mtta, { count: 1, medianMinutes: 15, meanMinutes: 15 });
  deepEqual(report.incidents.mttr, { count: 2, medianMinutes: 90, meanMinutes: 90 });
  let refused = "";
  try {
    await buildFleetReport(w.services, "no-such-org");
  } catch (error) {
    refused = (error as Error).message;
  }
  ok(refused.includes("No such organization"), refused);
});
