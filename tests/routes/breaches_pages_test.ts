/**
 * The breach ledger pages: the list from a real fixture push with its filters, the detail page
 * (evidence, state history), ops actions by form with Post/Redirect/Get, viewers read-only and
 * another organization's breach 404.
 */
import { equal, match, ok } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../support/operator_world.ts";
import { getPage, postForm, textOf } from "../support/pages.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import {
  type CreatedHost,
  createHostViaApi as createHost,
  fixtureJson,
  pushStatus,
} from "../support/hosts_api.ts";

const push = async (w: OperatorWorld, host: CreatedHost, ts = "2026-11-25T09:00:00.000Z") =>
  await pushStatus(w, host, await fixtureJson("status-drift.json"), ts);

const rowsOf = (doc: Document) => [...doc.querySelectorAll("tr[data-breach]")];

Deno.test("[pages] breaches: the ledger lists breaches and filters narrow it", async () => {
  await using w = await operatorWorld();
  const web = await createHost(w, "web-1");
  const db = await createHost(w, "db-1");
  const opened = (await push(w, web)).breaches.opened;
  await push(w, db);
  ok(opened.length > 1);

  const { status, doc } = await getPage(w.app, "/breaches", w.headers(w.a.viewer));
  equal(status, 200);
  ok(doc.querySelector('a[href="/breaches"][aria-current="page"]'), "Breaches in the header");
  const rows = rowsOf(doc);
  equal(rows.length, opened.length * 2);
  const row = doc.querySelector(`tr[data-host="web-1"] a[href="/breaches/${opened[0].id}"]`);
  ok(row, "rows link to the breach page");
  ok(doc.querySelector(`tr[data-host="web-1"] a[href="/hosts/${web.host.id}"]`), "host link");
  ok(rows.every((r) => r.getAttribute("data-state") === "open"));
  ok(rows[0].querySelector("time[title='2026-11-25T09:00:00.000Z']"), "opened, exact ISO");

  const query = async (q: string) => {
    const page = await getPage(w.app, `/breaches?${q}`, w.headers(w.a.viewer));
    equal(page.status, 200, q);
    return rowsOf(page.doc);
  };
  const byHost = await query(`host=${db.host.id}`);
  equal(byHost.length, opened.length);
  ok(byHost.every((r) => r.getAttribute("data-host") === "db-1"));
  const critical = await query("severity=critical");
  ok(critical.length > 0 && critical.length < rows.length);
  ok(critical.every((r) => /critical/i.test(textOf(r.querySelector(".sev")))));
  const search = await query(`q=redis-server&host=${web.host.id}`);
  equal(search.length, 1);
  equal((await query("state=fixed")).length, 0);
  const none = await getPage(w.app, "/breaches?state=ignored", w.headers(w.a.viewer));
  match(textOf(none.doc.querySelector(".empty")), /No breach matches/);

  // Paging keeps the filters.
  const first = await getPage(
    w.app,
    `/breaches?host=${web.host.id}&limit=1`,
    w.headers(w.a.viewer),
  );
  const older = first.doc.querySelector('a[rel="next"]')?.getAttribute("href");
  ok(older?.includes(`host=${web.host.id}`) && older.includes("after="));
  const second = await getPage(w.app, older!, w.headers(w.a.viewer));
  equal(rowsOf(second.doc).length, 1);

  const bad = await getPage(w.app, "/breaches?state=closed", w.headers(w.a.viewer));
  equal(bad.status, 400);
  ok(bad.doc.querySelector(".field-invalid #f-state"));
});

Deno.test("[pages] breaches: details for viewers without forms; viewer POST is 403", async () => {
  await using w = await operatorWorld();
  const host = await createHost(w, "web-1");
  const opened = (await push(w, host)).breaches.opened;
  const id = opened[0].id;

  const { status, doc } = await getPage(w.app, `/breaches/${id}`, w.headers(w.a.viewer));
  equal(status, 200);
  ok(doc.querySelector(`a[href="/hosts/${host.host.id}"]`));
  equal(doc.querySelector("[data-state]")?.getAttribute("data-state"), "open");
  // The evidence as labelled facts, and the agent's JSON folded away for copying.
  const facts = [...doc.querySelectorAll("dl.evidence dt")].map(textOf);
  ok(facts.length > 0, "evidence shown as facts");
  ok(!facts.some((label) => /[_{}]/.test(label)), `labels in words: ${facts.join(", ")}`);
  const evidence = doc.querySelector("details pre.evidence");
  ok(evidence, "the JSON is there too");
  JSON.parse(evidence!.textContent!); // formatted JSON
  const events = [...doc.querySelectorAll("table.breach-events tbody tr")];
  equal(events.length, 1);
  match(textOf(events[0]), /open/);
  match(textOf(events[0]), /system/);
  equal(doc.querySelectorAll("form.breach-action").length, 0, "viewers get no action forms");

  const res = await postForm(
    w.app,
    `/breaches/${id}`,
    { intent: "ignore", reason: "nope" },
    { cookie: w.a.viewer.cookie },
  );
  equal(res.status, 403);
  const after = await getPage(w.app, `/breaches/${id}`, w.headers(w.a.viewer));
  equal(after.doc.querySelector("[data-state]")?.getAttribute("data-state"), "open");
});

Deno.test("[pages] breaches: ops ignore with a reason (PRG), fix and re-open", async () => {
  await using w = await operatorWorld();
  const host = await createHost(w, "web-1");
  const id = (await push(w, host)).breaches.opened[0].id;
  const ops = { cookie: w.a.ops.cookie };

  const page = await getPage(w.app, `/breaches/${id}`, w.headers(w.a.ops));
  const forms = [...page.doc.querySelectorAll("form.breach-action")].map((f) =>
    f.getAttribute("data-action")
  );
  equal(forms.join(","), "fix,ignore", "an open breach can be fixed or ignored");

  // The reason is required.
  const missing = await postForm(w.app, `/breaches/${id}`, { intent: "ignore", reason: " " }, ops);
  equal(missing.status, 400);
  ok(
    (await getPage(w.app, `/breaches/${id}`, w.headers(w.a.ops))).doc.querySelector(
      "[data-state='open']",
    ),
  );
  const badUntil = await postForm(
    w.app,
    `/breaches/${id}`,
    { intent: "ignore", reason: "accepted", until: "soon" },
    ops,
  );
  equal(badUntil.status, 400);
  match(await badUntil.text(), /expected a UTC time/);

  const res = await postForm(
    w.app,
    `/breaches/${id}`,
    { intent: "ignore", reason: "known lab box", until: "2099-01-01" },
    ops,
  );
  equal(res.status, 303);
  equal(res.headers.get("location"), `/breaches/${id}?done=ignored`);
  const shown = await getPage(w.app, `/breaches/${id}?done=ignored`, w.headers(w.a.viewer));
  equal(shown.doc.querySelector("[data-state]")?.getAttribute("data-state"), "ignored");
  match(textOf(shown.doc.body), /Breach ignored\./);
  match(textOf(shown.doc.body), /known lab box/);
  ok(shown.doc.querySelector("time[title='2099-01-01T00:00:00.000Z']"), "the expiry");
  const events = [...shown.doc.querySelectorAll("table.breach-events tbody tr")];
  equal(events.length, 2);
  match(textOf(events[1]), /open → ignored/);
  match(textOf(events[1]), /ops@acme\.test/);
  match(textOf(events[1]), /known lab box/);
  equal(
    (await queryAudit(w.services.ledger, w.orgA.id, { action: "breach.ignore" })).entries.length,
    1,
  );

  const fixed = await postForm(w.app, `/breaches/${id}`, { intent: "fix", reason: "patched" }, ops);
  equal(fixed.status, 303);
  const reopened = await postForm(
    w.app,
    `/breaches/${id}`,
    { intent: "reopen", reason: "came back" },
    ops,
  );
  equal(reopened.status, 303);
  const last = await getPage(w.app, `/breaches/${id}`, w.headers(w.a.viewer));
  equal(last.doc.querySelector("[data-state]")?.getAttribute("data-state"), "open");
  equal(last.doc.querySelectorAll("table.breach-events tbody tr").length, 4);

  const unknown = await postForm(w.app, `/breaches/${id}`, { intent: "delete" }, ops);
  equal(unknown.status, 400);
});

Deno.test("[pages] breaches: another organization's breach is 404", async () => {
  await using w = await operatorWorld();
  const host = await createHost(w, "web-1");
  const id = (await push(w, host)).breaches.opened[0].id;
  const b = w.ownerB;
  equal((await getPage(w.app, `/breaches/${id}`, w.headers(b))).status, 404);
  const res = await postForm(
    w.app,
    `/breaches/${id}`,
    { intent: "ignore", reason: "mine now" },
    { cookie: b.cookie },
  );
  equal(res.status, 404);
  equal(rowsOf((await getPage(w.app, "/breaches", w.headers(b))).doc).length, 0);
  equal(
    (await getPage(w.app, "/breaches/01ARZ3NDEKTSV4RRFFQ69G5FAV", w.headers(w.a.viewer))).status,
    404,
  );
  const still = await getPage(w.app, `/breaches/${id}`, w.headers(w.a.viewer));
  equal(still.doc.querySelector("[data-state]")?.getAttribute("data-state"), "open");
});
