/**
 * QA findings (third pass) on the incident page: "Publish postmortem" publishes what is on screen
 * (or keeps it with the error), a bad action item due date keeps the row with a plain error, the
 * escalation wording agrees at level 0, resolving again keeps a published postmortem (and says
 * so), a re-opened incident is not shown as acknowledged, readable times and field names, and an
 * acknowledge from an out-of-date page says who acknowledged and when.
 */
import { equal, match, ok } from "node:assert/strict";
import { getPage, ORIGIN, parseHtml, postForm, textOf } from "../support/pages.ts";
import { type IncidentWorld, incidentWorld } from "../lib/incidents/world.ts";

/** Posts form fields in order (duplicate names allowed), as a browser sends a form. */
function postPairs(w: IncidentWorld, path: string, pairs: [string, string][]) {
  return Promise.resolve(w.app.request(path, {
    method: "POST",
    headers: {
      origin: ORIGIN,
      "content-type": "application/x-www-form-urlencoded",
      cookie: w.a.ops.cookie,
    },
    body: new URLSearchParams(pairs).toString(),
  }));
}

async function resolvedIncident(w: IncidentWorld) {
  const incident = await w.open({ title: "Checkout down" });
  const res = await w.api(w.a.ops, "POST", `/api/incidents/${incident.id}`, {
    action: "resolve",
  });
  equal(res.status, 200, JSON.stringify(res.body));
  return incident;
}

Deno.test("[incidents qa3] Publish postmortem saves what is typed and publishes it", async () => {
  await using w = await incidentWorld();
  const incident = await resolvedIncident(w);
  const path = `/incidents/${incident.id}`;
  const page = await getPage(w.app, path, w.headers(w.a.ops));
  const form = page.doc.querySelector('textarea[name="rootCause"]')?.closest("form");
  ok(form, "the editor is a form");
  const publish = form.querySelector('button[name="intent"][value="postmortem-publish"]');
  ok(publish, "Publish postmortem submits the editor form");
  match(textOf(publish), /Publish postmortem/);

  // As a browser sends it: the hidden intent, the fields, then the clicked button's intent.
  const summary = textOf(form.querySelector('textarea[name="summary"]'));
  const res = await postPairs(w, path, [
    ["intent", "postmortem-save"],
    ["summary", summary],
    ["impact", "All checkouts for 12 minutes"],
    ["rootCause", "A bad deploy"],
    ["item-0-title", ""],
    ["intent", "postmortem-publish"],
  ]);
  equal(res.status, 303, await res.clone().text());
  const pm = await w.api(w.a.ops, "GET", `/api/incidents/${incident.id}/postmortem`);
  const stored = pm.body.postmortem as Record<string, unknown>;
  equal(stored.status, "published", JSON.stringify(pm.body));
  equal(stored.impact, "All checkouts for 12 minutes");
  equal(stored.rootCause, "A bad deploy");
});

Deno.test("[incidents qa3] Publish with a required field empty keeps the typed text and says why", async () => {
  await using w = await incidentWorld();
  const incident = await resolvedIncident(w);
  const res = await postPairs(w, `/incidents/${incident.id}`, [
    ["intent", "postmortem-save"],
    ["summary", "Checkout was down"],
    ["impact", "All checkouts for 12 minutes"],
    ["rootCause", ""],
    ["intent", "postmortem-publish"],
  ]);
  equal(res.status, 400);
  const doc = parseHtml(await res.text());
  equal(textOf(doc.querySelector('textarea[name="impact"]')), "All checkouts for 12 minutes");
  equal(textOf(doc.querySelector('textarea[name="summary"]')), "Checkout was down");
  const field = doc.querySelector('textarea[name="rootCause"]')?.closest(".field");
  match(textOf(field ?? null), /required to publish/);
  match(textOf(doc.querySelector("[data-publish-error]")), /Not published/);
});

Deno.test("[incidents qa3] a bad action item due date keeps the row and says so plainly", async () => {
  await using w = await incidentWorld();
  const incident = await resolvedIncident(w);
  const res = await postForm(w.app, `/incidents/${incident.id}`, {
    intent: "postmortem-save",
    summary: "Checkout was down",
    impact: "",
    rootCause: "",
    "item-0-title": "Add a canary",
    "item-0-owner": w.a.ops.userId,
    "item-0-due": "2026-13-45",
    "item-0-status": "open",
  }, { cookie: w.a.ops.cookie });
  equal(res.status, 400);
  const doc = parseHtml(await res.text());
  equal(doc.querySelector("#item-0-title")?.getAttribute("value"), "Add a canary");
  equal(doc.querySelector("#item-0-due")?.getAttribute("value"), "2026-13-45");
  equal(
    doc.querySelector("#item-0-owner option[selected]")?.getAttribute("value"),
    w.a.ops.userId,
  );
  const row = doc.querySelector("#item-0-due")?.closest("tr");
  match(textOf(row ?? null), /Action item 1: due date must be YYYY-MM-DD/);
  const text = textOf(doc.querySelector('section[aria-labelledby="incident-postmortem"]'));
  ok(!/actionItems\.0|Invalid ISO date/.test(text), text);
});

Deno.test("[incidents qa3] level 0 with policy levels: 'not paged yet' everywhere, reminders counted", async () => {
  await using w = await incidentWorld();
  const incident = await w.open({ title: "Checkout down", severity: "critical" });
  const saved = await w.api(w.a.admin, "PUT", "/api/escalation-policy", {
    levels: [{ userIds: [w.a.ops.userId] }, { userIds: [w.a.admin.userId] }],
  });
  equal(saved.status, 200, JSON.stringify(saved.body));
  await w.services.ledger.db.updateTable("incidents")
    .set({ escalation_level: 0, reminders_sent: 1 }).where("id", "=", incident.id).execute();
  w.services.clock.advance(6 * 60_000);
  const { doc } = await getPage(w.app, `/incidents/${incident.id}`, w.headers(w.a.ops));
  const banner = textOf(doc.querySelector("[data-overdue-notice]"));
  ok(!/paging level 1/.test(banner), banner);
  match(banner, /not paged yet/);
  const facts = textOf(doc.querySelector(".facts"));
  match(facts, /not paged yet \(2 levels in the policy\), 1 reminder sent/);
  ok(!/reminder\(s\)|level 0/.test(facts), facts);
  ok(
    [...doc.querySelectorAll("button")].some((b) => textOf(b) === "Escalate to level 1"),
    "the button pages level 1",
  );
});

Deno.test("[incidents qa3] resolve → publish → reopen → resolve: the flash keeps the published postmortem", async () => {
  await using w = await incidentWorld();
  const incident = await resolvedIncident(w);
  const path = `/incidents/${incident.id}`;
  const saved = await postForm(w.app, path, {
    intent: "postmortem-save",
    summary: "Checkout was down",
    impact: "",
    rootCause: "A bad deploy",
  }, { cookie: w.a.ops.cookie });
  equal(saved.status, 303);
  equal(
    (await postForm(w.app, path, { intent: "postmortem-publish" }, { cookie: w.a.ops.cookie }))
      .status,
    303,
  );
  equal(
    (await postForm(w.app, path, { intent: "reopen" }, { cookie: w.a.ops.cookie })).status,
    303,
  );
  const again = await postForm(w.app, path, { intent: "resolve" }, { cookie: w.a.ops.cookie });
  equal(again.status, 303);
  const { doc } = await getPage(w.app, `${path}?done=resolve`, w.headers(w.a.ops));
  const main = textOf(doc.querySelector("main"));
  ok(!/draft is ready/.test(main), main);
  match(main, /Incident resolved: the postmortem published earlier is kept/);
});

Deno.test("[incidents qa3] a re-opened incident is not shown as acknowledged", async () => {
  await using w = await incidentWorld();
  const incident = await w.open();
  const path = `/incidents/${incident.id}`;
  equal(
    (await postForm(w.app, path, { intent: "acknowledge" }, { cookie: w.a.ops.cookie }))
      .status,
    303,
  );
  w.services.clock.advance(60_000);
  equal(
    (await postForm(w.app, path, { intent: "reopen" }, { cookie: w.a.ops.cookie })).status,
    303,
  );
  const { doc } = await getPage(w.app, path, w.headers(w.a.ops));
  const cell = doc.querySelector("[data-acknowledged]");
  equal(cell?.getAttribute("data-acknowledged"), "previously");
  match(textOf(cell), /^not yet \(previously acknowledged .+\)$/);
});

Deno.test("[incidents qa3] readable summary times, changed fields in words, counted runs, workflow result in words", async () => {
  await using w = await incidentWorld();
  const incident = await resolvedIncident(w);
  const path = `/incidents/${incident.id}`;
  const page = await getPage(w.app, path, w.headers(w.a.ops));
  const summary = textOf(page.doc.querySelector('textarea[name="summary"]'));
  ok(!/\d{4}-\d\d-\d\dT\d\d:/.test(summary), summary);
  match(summary, /opened \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  const prefill = textOf(page.doc.querySelector("[data-postmortem] details > summary"));
  match(prefill, /^Pre-filled at resolve: \d+ timeline entr(y|ies), 0 signals, 0 runs$/);

  const draft = await w.api(w.a.ops, "GET", `/api/incidents/${incident.id}/postmortem`);
  const stored = draft.body.postmortem as { summary: string };
  match(stored.summary, /opened \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  const saved = await postForm(w.app, path, {
    intent: "postmortem-save",
    summary: stored.summary,
    impact: "",
    rootCause: "A bad deploy",
  }, { cookie: w.a.ops.cookie });
  equal(saved.status, 303, await saved.clone().text());
  const after = await getPage(w.app, path, w.headers(w.a.ops));
  const edits = [...after.doc.querySelectorAll('tr[data-type="postmortem"]')].map(textOf)
    .filter((t) => /edited/.test(t));
  equal(edits.length, 1, edits.join(" | "));
  match(edits[0], /Postmortem edited \(root cause\)/);
});

Deno.test("[incidents qa3] a remediation step result reads in words and links its run", async () => {
  await using w = await incidentWorld();
  const incident = await w.open();
  await w.services.ledger.db.insertInto("incident_workflow_steps").values({
    incident_id: incident.id,
    org_id: w.orgA.id,
    workflow_id: "critical-triage",
    step_id: "own",
    status: "succeeded",
    result: JSON.stringify({
      actionId: "firewall.block-outbound",
      mode: "dry-run",
      planHash: "abc123",
      steps: 3,
      needsApproval: false,
      guardRefusals: [],
      runId: "run_01TEST",
      runState: "queued",
    }),
    updated_at: w.services.clock.now(),
    actor_id: w.a.ops.userId,
  }).execute();
  const { doc } = await getPage(w.app, `/incidents/${incident.id}`, w.headers(w.a.ops));
  const step = doc.querySelector('li[data-step="critical-triage/own"]');
  const text = textOf(step);
  ok(!/planHash|actionId|runId/.test(text), text);
  match(text, /Dry-run of firewall\.block-outbound, 3 steps, run queued/);
  ok(step?.querySelector('a[href="/remediation/run_01TEST"]'), "the run is a link");
});

Deno.test("[incidents qa3] acknowledge from an out-of-date page: who acknowledged it and when", async () => {
  await using w = await incidentWorld();
  const incident = await w.open();
  const path = `/incidents/${incident.id}`;
  const first = await w.api(w.a.admin, "POST", `/api/incidents/${incident.id}`, {
    action: "acknowledge",
  });
  equal(first.status, 200, JSON.stringify(first.body));
  const res = await postForm(w.app, path, { intent: "acknowledge" }, { cookie: w.a.ops.cookie });
  equal(res.status, 409);
  const text = textOf(parseHtml(await res.text()).querySelector("main"));
  ok(!/it cannot be acknowledged/.test(text), text);
  match(text, /Already acknowledged by admin@acme\.test at \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
});
