/**
 * The fleet timeline page: rows from real fixture pushes (host link, severity, code, detail,
 * folded repeats), filters, paging links, the empty state and organization scoping.
 */
import { equal, match, ok } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../support/operator_world.ts";
import { getPage, textOf } from "../support/pages.ts";
import {
  type CreatedHost,
  createHostViaApi as createHost,
  fixtureJson,
  pushStatus,
} from "../support/hosts_api.ts";

const push = async (w: OperatorWorld, host: CreatedHost, fixture: string, ts: string) =>
  await pushStatus(w, host, await fixtureJson(fixture), ts);

const rowsOf = (doc: Document) => [...doc.querySelectorAll("tr[data-signal]")];

Deno.test("[pages] timeline: rows, folded repeats, filters and paging", async () => {
  await using w = await operatorWorld();
  const web = await createHost(w, "web-1");
  const db = await createHost(w, "db-1");
  await push(w, web, "status-drift.json", "2026-11-25T09:00:00.000Z");
  await push(w, web, "status-drift.json", "2026-11-25T09:05:00.000Z");
  await push(w, db, "status-drift.json", "2026-11-25T10:00:00.000Z");

  const { status, doc } = await getPage(w.app, "/timeline", w.headers(w.a.viewer));
  equal(status, 200);
  ok(doc.querySelector('a[href="/timeline"][aria-current="page"]'), "Timeline in the header");
  ok(doc.querySelector('a[href="/breaches"]'), "Breaches in the header");
  const rows = rowsOf(doc);
  ok(rows.length > 0, "rows rendered");
  // Newest first: db-1's push is the latest.
  equal(rows[0].getAttribute("data-host"), "db-1");
  ok(rows[0].querySelector(`a[href="/hosts/${db.host.id}"]`), "host link");
  ok(rows[0].querySelector("time[title='2026-11-25T10:00:00.000Z']"), "exact ISO in title");
  ok(rows[0].querySelector(".sev"), "severity badge");
  // web-1's two identical pushes fold into one row counted twice, with its first time.
  const folded = rows.filter((r) =>
    r.getAttribute("data-host") === "web-1" && /×2/.test(textOf(r))
  );
  ok(folded.length > 0, "repeats folded");
  for (const r of folded) {
    ok(r.querySelector("time[title='2026-11-25T09:00:00.000Z']"), "first time of the run");
    ok(r.querySelector("time[title='2026-11-25T09:05:00.000Z']"), "last time of the run");
  }
  ok(doc.querySelector("tr[data-signal] details summary"), "detail collapsed");

  const code = rows[0].getAttribute("data-signal")!;
  const query = async (q: string) => {
    const page = await getPage(w.app, `/timeline?${q}`, w.headers(w.a.viewer));
    equal(page.status, 200, q);
    return rowsOf(page.doc);
  };
  const byHost = await query(`host=${web.host.id}`);
  ok(byHost.length > 0 && byHost.every((r) => r.getAttribute("data-host") === "web-1"));
  const byCode = await query(`code=${code}`);
  ok(byCode.length >= 2 && byCode.every((r) => r.getAttribute("data-signal") === code));
  const bySeverity = await query("severity=critical");
  ok(bySeverity.length < rows.length || rows.every((r) => /critical/.test(textOf(r))));
  ok(bySeverity.every((r) => /critical/i.test(textOf(r.querySelector(".sev")))));
  const window = await query("from=2026-11-25T09:30:00Z");
  ok(window.length > 0 && window.every((r) => r.getAttribute("data-host") === "db-1"));
  equal((await query("to=2026-11-25T08:00:00Z")).length, 0);
  const none = await getPage(w.app, "/timeline?q=no-such-thing", w.headers(w.a.viewer));
  match(textOf(none.doc.querySelector(".empty")), /No signal matches/);

  // Paging: limit=1 gives an Older link that keeps the filters and moves on.
  const first = await getPage(
    w.app,
    `/timeline?host=${web.host.id}&limit=1`,
    w.headers(w.a.viewer),
  );
  const older = first.doc.querySelector('a[rel="next"]')?.getAttribute("href");
  ok(older && older.includes(`host=${web.host.id}`) && older.includes("before="));
  const second = await getPage(w.app, older!, w.headers(w.a.viewer));
  equal(second.status, 200);
  equal(rowsOf(second.doc).length, 1);
  ok(second.doc.querySelector('nav.pager a[href^="/timeline?host="]'), "a Newest link");

  // Bad filter values are 400 with the field named, not a crash.
  const bad = await getPage(w.app, "/timeline?from=yesterday", w.headers(w.a.viewer));
  equal(bad.status, 400);
  ok(bad.doc.querySelector(".field-invalid #f-from"));
});

Deno.test("[pages] timeline: empty state, sign-in required, other organizations see nothing", async () => {
  await using w = await operatorWorld();
  const empty = await getPage(w.app, "/timeline", w.headers(w.a.viewer));
  equal(empty.status, 200);
  match(textOf(empty.doc.querySelector(".empty")), /No signal recorded yet/);
  const host = await createHost(w, "web-1");
  await push(w, host, "status-drift.json", "2026-11-25T09:00:00.000Z");
  const b = await getPage(w.app, "/timeline", w.headers(w.ownerB));
  equal(rowsOf(b.doc).length, 0);
  const foreign = await getPage(w.app, `/timeline?host=${host.host.id}`, w.headers(w.ownerB));
  equal(foreign.status, 400);
  equal(rowsOf(foreign.doc).length, 0);
  const anon = await w.app.request("/timeline", { headers: w.headers() });
  ok(anon.status === 303 || anon.status === 302 || anon.status === 401, String(anon.status));
});
