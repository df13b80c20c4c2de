/**
 * QA of `/org/settings`: every bad retention field is marked in one round trip (a mistyped one
 * and an out-of-range one together), typed input is kept, and day counts read properly.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { operatorWorld } from "../support/operator_world.ts";
import { textOf } from "../support/pages.ts";
import { pageSession } from "../support/page_session.ts";
import { orgRetention } from "@/lib/orgs/settings.ts";

Deno.test("[pages] org settings QA: a mistyped and an out-of-range field are both marked", async () => {
  await using w = await operatorWorld();
  const owner = pageSession(w, w.a.owner);
  for (
    const fields of [
      { auditRetentionDays: "abc", snapshotRetentionDays: "5000" },
      { auditRetentionDays: "5", snapshotRetentionDays: "x1" },
    ]
  ) {
    const { status, doc } = await owner.post("/org/settings", fields);
    equal(status, 400);
    for (const [field, typed] of Object.entries(fields)) {
      ok(doc.querySelector(`.field-invalid #f-${field}`), `${field} is marked (${typed})`);
      ok(textOf(doc.querySelector(`#f-${field}-error`)), `${field} has its message`);
      equal(doc.querySelector(`#f-${field}`)?.getAttribute("value"), typed, "typed input kept");
    }
  }
  const stored = await orgRetention(w.services, w.orgA.id);
  deepEqual([stored.auditRetentionDays, stored.snapshotRetentionDays], [null, null]);
});

Deno.test('[pages] org settings QA: one day reads "1 day", never "1 days"', async () => {
  await using w = await operatorWorld();
  const owner = pageSession(w, w.a.owner);
  const bad = await owner.post("/org/settings", {
    auditRetentionDays: "",
    snapshotRetentionDays: "0",
  });
  equal(bad.status, 400);
  equal(textOf(bad.doc.querySelector("#f-snapshotRetentionDays-error")), "at least 1 day");
  ok(!/\b1 days\b/.test(textOf(bad.doc.body)), 'no "1 days" anywhere on the page');

  const saved = await owner.post("/org/settings", {
    auditRetentionDays: "",
    snapshotRetentionDays: "1",
  });
  equal(saved.status, 303);
  const page = await owner.get("/org/settings");
  match(textOf(page.doc.querySelector("#retention-in-force")), /Raw snapshots ?1 day$/);
  ok(!/\b1 days\b/.test(textOf(page.doc.body)), 'no "1 days" anywhere on the page');
});
