/**
 * The incident pages: the list (empty state, counts, overdue highlighted, filters), the incident
 * page (facts, timeline, linked items with links, actions by form with Post/Redirect/Get, a 409
 * shown as a message, workflow steps, the postmortem editor), the escalation policy editor, and
 * the navigation link. Viewers read only; another organization's incident is a 404.
 */
import { equal, match, ok } from "node:assert/strict";
import { getPage, parseHtml, postForm, textOf } from "../support/pages.ts";
import { incidentWorld } from "../lib/incidents/world.ts";

Deno.test("[pages] incidents list: empty state, counts, overdue highlight, filters", async () => {
  await using w = await incidentWorld();
  const empty = await getPage(w.app, "/incidents", w.headers(w.a.viewer));
  equal(empty.status, 200);
  ok(empty.doc.querySelector('a[href="/incidents"][aria-current="page"]'), "nav link");
  match(textOf(empty.doc.querySelector(".empty")), /open one automatically/);
  ok(!empty.doc.querySelector('form input[name="intent"][value="create"]'), "viewers open nothing");

  const shop = await w.host("shop-prod-1");
  await w.pushIoc(shop, "2026-11-25T09:55:00.000Z");
  const manual = await w.open({ title: "Billing API errors", severity: "medium" });
  w.services.clock.advance(6 * 60_000);
  const { doc } = await getPage(w.app, "/incidents", w.headers(w.a.ops));
  const rows = [...doc.querySelectorAll("tr[data-incident]")];
  equal(rows.length, 2);
  const overdue = rows.filter((r) => r.getAttribute("data-overdue") === "true");
  equal(overdue.length, 1, "the critical one is past its 5 minute deadline");
  ok(overdue[0].classList.contains("incident-overdue"));
  match(textOf(overdue[0]), /overdue/);
  ok(overdue[0].querySelector(`a[href="/hosts/${shop.host.id}"]`));
  equal(textOf(doc.querySelector('[data-count="open"]')), "2");
  equal(textOf(doc.querySelector('[data-count="overdue"]')), "1");
  ok(doc.querySelector('form input[name="intent"][value="create"]'), "ops open by hand");

  const filtered = await getPage(w.app, "/incidents?severity=medium", w.headers(w.a.ops));
  const only = [...filtered.doc.querySelectorAll("tr[data-incident]")];
  equal(only.map((r) => r.getAttribute("data-incident")).join(), manual.id);
  const bad = await getPage(w.app, "/incidents?state=melted", w.headers(w.a.ops));
  equal(bad.status, 400);
  ok(bad.doc.querySelector(".field-invalid select[name='state']"));
});

Deno.test("[pages] open by hand, act by form, see the timeline; 409 as a message", async () => {
  await using w = await incidentWorld();
  const web = await w.host("web-1");
  const invalid = await postForm(w.app, "/incidents", {
    intent: "create",
    title: "",
    severity: "high",
  }, {
    cookie: w.a.ops.cookie,
  });
  equal(invalid.status, 400);
  const created = await postForm(w.app, "/incidents", {
    intent: "create",
    title: "Checkout down",
    severity: "critical",
    hostId: web.host.id,
    summary: "502 from the load balancer",
  }, { cookie: w.a.ops.cookie });
  equal(created.status, 303);
  const location = created.headers.get("location")!;
  match(location, /^\/incidents\/inc_[0-9A-Z]{26}\?done=opened$/);
  const path = location.split("?")[0];

  const page = await getPage(w.app, location, w.headers(w.a.ops));
  equal(page.status, 200);
  match(textOf(page.doc.querySelector(".notice")), /Incident opened/);
  equal(page.doc.querySelector("[data-state]")?.getAttribute("data-state"), "open");
  ok(page.doc.querySelector(`a[href="/hosts/${web.host.id}"]`));
  ok(page.doc.querySelector('tr[data-type="opened"]'), "timeline");
  ok(page.doc.querySelector('li[data-step="critical-triage/forensics"]'), "workflow steps");

  const post = (fields: Record<string, string>) =>
    postForm(w.app, path, fields, { cookie: w.a.ops.cookie });
  equal((await post({ intent: "acknowledge" })).status, 303);
  const again = await post({ intent: "acknowledge" });
  equal(again.status, 409);
  match(
    textOf(parseHtml(await again.text()).querySelector(".notice-error")),
    /Already acknowledged by ops@acme\.test at /,
  );
  equal((await post({ intent: "assign", assigneeId: w.a.admin.userId })).status, 303);
  equal((await post({ intent: "note", text: "Rolled back the deploy" })).status, 303);
  equal(
    (await post({
      intent: "workflow",
      workflowId: "critical-triage",
      stepId: "own",
      action: "done",
    })).status,
    303,
  );
  equal((await post({ intent: "resolve" })).status, 303);

  const resolved = await getPage(w.app, path, w.headers(w.a.ops));
  equal(resolved.doc.querySelector("[data-state]")?.getAttribute("data-state"), "resolved");
  match(textOf(resolved.doc.querySelector("main")), /admin@acme\.test/);
  match(textOf(resolved.doc.querySelector('tr[data-type="note"]')), /Rolled back the deploy/);
  equal(
    resolved.doc.querySelector('li[data-step="critical-triage/own"]')?.getAttribute("data-status"),
    "done",
  );
  equal(resolved.doc.querySelector("[data-postmortem]")?.getAttribute("data-postmortem"), "draft");

  const saved = await post({
    intent: "postmortem-save",
    summary: "Checkout was down",
    impact: "All checkouts for 12 minutes",
    rootCause: "A bad deploy",
    "item-0-title": "Add a canary",
    "item-0-owner": w.a.ops.userId,
    "item-0-due": "2026-12-10",
    "item-0-status": "open",
  });
  equal(saved.status, 303, await saved.clone().text());
  equal((await post({ intent: "postmortem-publish" })).status, 303);
  const published = await getPage(w.app, path, w.headers(w.a.viewer));
  equal(
    published.doc.querySelector("[data-postmortem]")?.getAttribute("data-postmortem"),
    "published",
  );
  ok(published.doc.querySelector('textarea[name="rootCause"][readonly]'), "read-only");
  ok(
    !published.doc.querySelector('input[name="intent"][value="acknowledge"]'),
    "viewers get no actions",
  );
  const edit = await post({ intent: "postmortem-save", summary: "rewrite" });
  equal(edit.status, 409);

  equal(
    (await postForm(w.app, path, { intent: "close" }, { cookie: w.a.viewer.cookie })).status,
    403,
  );
  const other = await getPage(w.app, path, w.headers(w.ownerB));
  equal(other.status, 404);
  equal(
    (await postForm(w.app, path, { intent: "reopen" }, { cookie: w.ownerB.cookie })).status,
    404,
  );
});

Deno.test("[pages] escalation policy editor: ops read, admins save levels by ticking members", async () => {
  await using w = await incidentWorld();
  const view = await getPage(w.app, "/escalation", w.headers(w.a.ops));
  equal(view.status, 200);
  match(textOf(view.doc.querySelector(".empty")), /No levels yet/);
  ok(view.doc.querySelector('input[name="ack-critical"][value="5"]'));
  equal(
    (await postForm(w.app, "/escalation", { intent: "save" }, { cookie: w.a.ops.cookie })).status,
    403,
  );
  const invalid = await postForm(w.app, "/escalation", {
    intent: "save",
    [`level-0-user-${w.a.ops.userId}`]: "on",
    "ack-critical": "0",
  }, { cookie: w.a.admin.cookie });
  equal(invalid.status, 400);
  const invalidDoc = await invalid.text();
  match(invalidDoc, /field-invalid/);
  const saved = await postForm(w.app, "/escalation", {
    intent: "save",
    [`level-0-user-${w.a.ops.userId}`]: "on",
    [`level-1-user-${w.a.admin.userId}`]: "on",
    [`level-1-user-${w.a.owner.userId}`]: "on",
    "ack-critical": "3",
    "repeat-critical": "7",
    repeatCount: "4",
  }, { cookie: w.a.admin.cookie });
  equal(saved.status, 303);
  const policy = (await w.api(w.a.ops, "GET", "/api/escalation-policy")).body.policy as {
    levels: { userIds: string[] }[];
    ackMinutes: Record<string, number>;
    repeatCount: number;
  };
  equal(policy.levels.length, 2);
  equal(policy.levels[1].userIds.length, 2);
  equal(policy.ackMinutes.critical, 3);
  equal(policy.repeatCount, 4);
  const after = await getPage(w.app, "/escalation", w.headers(w.a.admin));
  ok(after.doc.querySelector(`input[name="level-1-user-${w.a.owner.userId}"][checked]`));
  equal(after.doc.querySelectorAll("fieldset[data-level]").length, 3, "two levels and a new one");
});
