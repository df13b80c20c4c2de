/**
 * The trend charts on the console pages, as a viewer sees them: the host page (posture, vitals,
 * signals, the sparkline summary), the fleet overview (signals per severity, ingest rate) and
 * the timeline histogram; the 24 h / 7 d period links; empty states; a hostile host name
 * escaped everywhere it appears.
 */
import { equal, match, ok } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../support/operator_world.ts";
import { getPage, textOf } from "../support/pages.ts";
import { createHostViaApi, fixtureJson, pushStatus } from "../support/hosts_api.ts";

const HOSTILE = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`;

/** Pushes `fixture` collected at `ts`, received 20 s later (the clock ends at 10:00 UTC). */
async function pushAt(
  w: OperatorWorld,
  host: Awaited<ReturnType<typeof createHostViaApi>>,
  fixture: string,
  ts: string,
) {
  w.services.clock.set(new Date(new Date(ts).getTime() + 20_000));
  await pushStatus(w, host, await fixtureJson(fixture), ts);
}

/** A web host with three snapshots over the morning of 2026-11-25. */
async function seeded(w: OperatorWorld, extra: Record<string, unknown> = {}) {
  const web = await createHostViaApi(w, "web-1", extra);
  await pushAt(w, web, "status-drift.json", "2026-11-25T07:10:00.000Z");
  await pushAt(w, web, "status-ioc-outbound.json", "2026-11-25T09:10:00.000Z");
  await pushAt(w, web, "status-drift.json", "2026-11-25T09:40:00.000Z");
  w.services.clock.set("2026-11-25T10:00:00.000Z");
  return web;
}

const rowsOf = (doc: Document, chart: string) =>
  [...doc.querySelectorAll(`#${chart} .visually-hidden table.chart-data tbody tr`)].map((r) =>
    [...r.children].map((c) => textOf(c)).join("|")
  );

Deno.test("[pages] charts: the host page shows posture, vitals and signal trends", async () => {
  await using w = await operatorWorld();
  const web = await seeded(w);
  const { status, doc } = await getPage(w.app, `/hosts/${web.host.id}`, w.headers(w.a.viewer));
  equal(status, 200);
  const trends = doc.querySelector("section#trends");
  match(textOf(trends?.querySelector("h2") ?? null), /Trends · last 24 hours/);
  for (const id of ["chart-posture", "chart-vitals", "chart-host-signals"]) {
    const svg = doc.querySelector(`#${id} svg[role='img']`);
    ok(svg, `${id} is an image`);
    ok(textOf(svg.querySelector("title")), `${id} has a title`);
    ok(
      doc.querySelector(`#${id} .visually-hidden table.chart-data caption`),
      `${id} has a data table`,
    );
  }
  const vitals = rowsOf(doc, "chart-vitals");
  equal(vitals.length, 24);
  // 07:10 drift (CPU 18.6, memory 36.2); 09:10 outbound (63.4, 44.8) and 09:40 drift.
  equal(vitals[20], "Nov 25 07:00|18.6%|36.2%|no data");
  equal(vitals[22], "Nov 25 09:00|41%|40.5%|no data");
  equal(vitals[21], "Nov 25 08:00|no data|no data|no data");
  const posture = rowsOf(doc, "chart-posture");
  equal(posture[22], "Nov 25 09:00|100", "the drift fixture scores 100 (docs/posture.md)");
  const signals = rowsOf(doc, "chart-host-signals");
  match(signals[22], /^Nov 25 09:00\|[1-9]/, "critical signals in the 09:00 hour");
  equal(signals[21], "Nov 25 08:00|0|0|0|0|0");
  // The at-a-glance table: one sparkline per metric, with its numbers for screen readers.
  const summary = doc.querySelector("#trends table.chart-summary");
  equal(summary?.querySelectorAll("svg[role='img'].sparkline-svg").length, 3, "disk: no data");
  match(textOf(summary), /CPU: last 41%, min 19%, max 41%\./);
  // The column says it holds the latest hour's average, not the last reading.
  equal(textOf(summary?.querySelector("thead th:nth-child(2)") ?? null), "Latest 1 h avg");
  const current = doc.querySelector(".chart-period a[aria-current='true']");
  equal(textOf(current), "24 h");
  equal(
    doc.querySelector(".chart-period a:not([aria-current])")?.getAttribute("href"),
    `/hosts/${web.host.id}?period=7d#trends`,
  );
});

Deno.test("[pages] charts: ?period=7d draws six-hour buckets; bad periods fall back", async () => {
  await using w = await operatorWorld();
  const web = await seeded(w);
  const week = await getPage(w.app, `/hosts/${web.host.id}?period=7d`, w.headers(w.a.viewer));
  equal(week.status, 200);
  match(textOf(week.doc.querySelector("#trends h2")), /last 7 days/);
  const rows = rowsOf(week.doc, "chart-vitals");
  equal(rows.length, 28);
  equal(rows[27], "Nov 25 06:00|33.5%|39.1%|no data");
  equal(textOf(week.doc.querySelector(".chart-period a[aria-current='true']")), "7 d");
  const bad = await getPage(w.app, `/hosts/${web.host.id}?period=1y`, w.headers(w.a.viewer));
  equal(bad.status, 200);
  equal(rowsOf(bad.doc, "chart-vitals").length, 24);
});

Deno.test("[pages] charts: empty states tell what to do instead of drawing nothing", async () => {
  await using w = await operatorWorld();
  const quiet = await createHostViaApi(w, "quiet-1");
  const host = await getPage(w.app, `/hosts/${quiet.host.id}`, w.headers(w.a.viewer));
  equal(host.status, 200);
  equal(host.doc.querySelectorAll("#trends figure svg").length, 0);
  match(textOf(host.doc.querySelector("#chart-posture.chart-empty")), /next push/);
  match(textOf(host.doc.querySelector("#chart-vitals.chart-empty")), /agent reports CPU/);
  const fleet = await getPage(w.app, "/hosts", w.headers(w.a.viewer));
  match(textOf(fleet.doc.querySelector("#chart-ingest.chart-empty")), /run its agent command/);
  ok(fleet.doc.querySelector("#chart-fleet-signals.chart-empty"));
  const timeline = await getPage(w.app, "/timeline", w.headers(w.a.viewer));
  match(textOf(timeline.doc.querySelector("#chart-timeline.chart-empty")), /No signal/);
});

Deno.test("[pages] charts: the fleet overview and the timeline histogram", async () => {
  await using w = await operatorWorld();
  const web = await seeded(w);
  const fleet = await getPage(w.app, "/hosts?band=critical", w.headers(w.a.viewer));
  equal(fleet.status, 200);
  ok(fleet.doc.querySelector("#chart-fleet-signals svg[role='img']"));
  ok(fleet.doc.querySelector("#chart-ingest svg[role='img']"));
  const ingest = rowsOf(fleet.doc, "chart-ingest");
  equal(ingest[20], "Nov 25 07:00|1");
  equal(ingest[22], "Nov 25 09:00|2");
  equal(ingest[21], "Nov 25 08:00|0");
  equal(
    fleet.doc.querySelector(".chart-period a:not([aria-current])")?.getAttribute("href"),
    "/hosts?band=critical&period=7d#trends",
    "the filters survive a period change",
  );
  equal(fleet.doc.querySelectorAll("tr[data-host]").length, 1, "the list is still there");
  // The host's own chart and the fleet's counters agree.
  const host = await getPage(w.app, `/hosts/${web.host.id}`, w.headers(w.a.viewer));
  equal(rowsOf(fleet.doc, "chart-fleet-signals")[22], rowsOf(host.doc, "chart-host-signals")[22]);

  const timeline = await getPage(w.app, "/timeline", w.headers(w.a.viewer));
  equal(timeline.status, 200);
  ok(timeline.doc.querySelector("#chart-timeline svg[role='img']"));
  equal(rowsOf(timeline.doc, "chart-timeline")[22], rowsOf(host.doc, "chart-host-signals")[22]);
  ok(timeline.doc.querySelector("table.timeline-table"), "the list follows the histogram");
  const filtered = await getPage(w.app, `/timeline?host=${web.host.id}`, w.headers(w.a.viewer));
  match(textOf(filtered.doc.querySelector("#chart-timeline desc")), / of web-1 from /);
});

Deno.test("[pages] charts: a hostile host name is text in titles, summaries and tables", async () => {
  await using w = await operatorWorld();
  const web = await seeded(w, { name: HOSTILE });
  const { status, html, doc } = await getPage(
    w.app,
    `/hosts/${web.host.id}`,
    w.headers(w.a.viewer),
  );
  equal(status, 200);
  ok(!html.includes("<script>alert(1)"), "never a script element");
  equal(doc.querySelector("#trends img, #trends script"), null);
  ok(textOf(doc.querySelector("#chart-vitals desc")).includes(`of ${HOSTILE},`));
  ok(textOf(doc.querySelector("#chart-host-signals caption")).includes(HOSTILE));
  const timeline = await getPage(w.app, `/timeline?host=${web.host.id}`, w.headers(w.a.viewer));
  ok(!timeline.html.includes("<script>alert(1)"));
  ok(textOf(timeline.doc.querySelector("#chart-timeline desc")).includes(HOSTILE));
});
