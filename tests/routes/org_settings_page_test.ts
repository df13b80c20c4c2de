/**
 * The organization settings page (`/org/settings`): retention of audit entries and raw snapshots.
 * Owners change it (PRG with a flash, audited once per real change, empty = the server
 * default); bad values re-render with the field's message and change nothing; admins read it
 * without a form, and their POST is 403 like everyone below owner.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../support/operator_world.ts";
import { textOf } from "../support/pages.ts";
import { pageSession } from "../support/page_session.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { orgRetention } from "@/lib/orgs/settings.ts";

async function updates(w: OperatorWorld) {
  return (await queryAudit(w.services.ledger, w.orgA.id, { action: "org.settings.update" }))
    .entries;
}

const save = (w: OperatorWorld, fields: Record<string, string>, who = w.a.owner) =>
  pageSession(w, who).post("/org/settings", fields);

Deno.test("[pages] org settings: an owner saves retention (PRG, flash, audited)", async () => {
  await using w = await operatorWorld();
  const owner = pageSession(w, w.a.owner);
  const form = await owner.get("/org/settings");
  equal(form.status, 200);
  equal(form.doc.querySelector("#f-auditRetentionDays")?.getAttribute("value"), "");
  match(textOf(form.doc.querySelector("#retention-in-force")), /400 days \(server default\)/);
  match(textOf(form.doc.querySelector("#retention-in-force")), /30 days \(server default\)/);
  const button = form.doc.querySelector("#retention-form button[type='submit']");
  equal(textOf(button), "Save retention", "the pending-state button (an island)");
  ok(form.html.includes("SubmitButton"), "hydrated as an island");
  const members = await pageSession(w, w.a.admin).get("/org/members");
  ok(members.doc.querySelector("#org-settings-link"), "linked from the members page");
  const asViewer = await pageSession(w, w.a.viewer).get("/org/members");
  equal(asViewer.doc.querySelector("#org-settings-link"), null, "not for viewers");

  const res = await save(w, { auditRetentionDays: "90", snapshotRetentionDays: " 7 " });
  equal(res.status, 303);
  equal(res.headers.get("location"), "/org/settings?done=retention");
  const stored = await orgRetention(w.services, w.orgA.id);
  equal(stored.auditRetentionDays, 90);
  equal(stored.snapshotRetentionDays, 7);
  const entries = await updates(w);
  equal(entries.length, 1);
  deepEqual(entries[0].details, {
    auditRetentionDays: { from: null, to: 90 },
    snapshotRetentionDays: { from: null, to: 7 },
  });

  const after = await owner.get("/org/settings?done=retention");
  match(textOf(after.doc.body), /Retention settings saved\./);
  equal(after.doc.querySelector("#f-snapshotRetentionDays")?.getAttribute("value"), "7");

  // The same values again: nothing changes, nothing is audited, and the flash says so.
  const same = await save(w, { auditRetentionDays: "90", snapshotRetentionDays: "7" });
  equal(same.headers.get("location"), "/org/settings?done=unchanged");
  equal((await updates(w)).length, 1);

  // Empty: back to the server default.
  equal((await save(w, { auditRetentionDays: "90", snapshotRetentionDays: "" })).status, 303);
  equal((await orgRetention(w.services, w.orgA.id)).snapshotRetentionDays, null);
  equal((await updates(w)).length, 2);
  equal((await orgRetention(w.services, w.orgB.id)).auditRetentionDays, null, "org B untouched");
});

Deno.test("[pages] org settings: bad values name the field and change nothing", async () => {
  await using w = await operatorWorld();
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ auditRetentionDays: "soon" }, "auditRetentionDays", /whole number of days/],
    [{ auditRetentionDays: "5" }, "auditRetentionDays", /at least 30 days/],
    [{ auditRetentionDays: "99999" }, "auditRetentionDays", /at most 36500 days/],
    [{ snapshotRetentionDays: "0" }, "snapshotRetentionDays", /at least 1 day$/],
    [{ snapshotRetentionDays: "-3" }, "snapshotRetentionDays", /whole number of days/],
  ];
  for (const [fields, field, message] of cases) {
    const { status, doc } = await save(w, {
      auditRetentionDays: "",
      snapshotRetentionDays: "14",
      ...fields,
    });
    equal(status, 400, field);
    ok(doc.querySelector(`.field-invalid #f-${field}`), `${field} is marked`);
    match(textOf(doc.querySelector(`#f-${field}-error`)), message);
    match(textOf(doc.querySelector(".notice")), /Check the settings marked below/);
    equal(doc.querySelector(`#f-${field}`)?.getAttribute("value"), fields[field], "kept");
  }
  // Both wrong at once: both are marked.
  const both = (await save(w, { auditRetentionDays: "1", snapshotRetentionDays: "9999" })).doc;
  ok(both.querySelector("#f-auditRetentionDays-error"));
  ok(both.querySelector("#f-snapshotRetentionDays-error"));
  const stored = await orgRetention(w.services, w.orgA.id);
  deepEqual([stored.auditRetentionDays, stored.snapshotRetentionDays], [null, null]);
  equal((await updates(w)).length, 0);
});

Deno.test("[pages] org settings: admins read only; below owner cannot post", async () => {
  await using w = await operatorWorld();
  const page = await pageSession(w, w.a.admin).get("/org/settings");
  equal(page.status, 200);
  equal(page.doc.querySelector("#retention-form"), null);
  match(textOf(page.doc.body), /Only owners change retention/);
  for (const who of [w.a.admin, w.a.ops, w.a.viewer]) {
    equal((await save(w, { auditRetentionDays: "90" }, who)).status, 403, who.role);
  }
  for (const who of [w.a.ops, w.a.viewer]) {
    equal((await pageSession(w, who).get("/org/settings")).status, 403, who.role);
  }
  equal((await orgRetention(w.services, w.orgA.id)).auditRetentionDays, null);
});
