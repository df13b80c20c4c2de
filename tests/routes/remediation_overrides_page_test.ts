/**
 * The host overrides page: admins set a host's guard knobs by slug (blank fields inherit), edit
 * and clear them, every change audited as the API's; bad input re-renders with 400 next to each
 * field and stores nothing; ops only read; another organization's hosts are not found.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { createHostViaApi } from "../support/hosts_api.ts";
import { operatorWorld } from "../support/operator_world.ts";
import { pageSession } from "../support/page_session.ts";
import { textOf } from "../support/pages.ts";
import { getHostOverride, setHostOverride } from "@/lib/remediation/policy_store.ts";

const PAGE = "/remediation/overrides";

Deno.test("[pages] host overrides: set by slug, listed, edited and cleared, audited", async () => {
  await using w = await operatorWorld();
  const host = (await createHostViaApi(w, "db-1")).host;
  const admin = pageSession(w, w.a.admin);
  const empty = await admin.get(PAGE);
  equal(empty.status, 200);
  match(textOf(empty.doc.querySelector("main")), /No host has an override/);
  match(
    textOf((await admin.get("/remediation/policy")).doc.querySelector("main")),
    /Host overrides: none/,
  );

  const saved = await admin.post(PAGE, {
    intent: "set",
    host: "db-1",
    profile: "strict",
    approvalThreshold: "",
    cooldownSec: "900",
    retryAttempts: "2",
    queueTtlMin: " ",
  });
  equal(saved.status, 303, textOf(saved.doc.querySelector("main")));
  equal(saved.headers.get("location"), "/remediation/overrides?done=saved");
  deepEqual(await getHostOverride(w.services.ledger, host.id), {
    profile: "strict",
    cooldownSec: 900,
    retry: { attempts: 2 },
  });
  const listed = await admin.get(`${PAGE}?done=saved`);
  const row = textOf(listed.doc.querySelector("#overrides-title")?.closest("section") ?? null);
  match(row, /db-1.*profile strict · Cooldown per action 900 s · Delivery attempts 2/);
  match(
    textOf((await admin.get("/remediation/policy")).doc.querySelector("main")),
    /1 host with knobs/,
  );

  // Edit opens the form on the stored values; knobs set through the API survive a form save.
  await w.services.ledger.db.transaction().execute((tx) =>
    setHostOverride(
      { db: tx, dialect: w.services.ledger.dialect },
      w.orgA.id,
      host.id,
      { profile: "strict", cooldownSec: 900, maxSteps: 10 },
      new Date(),
    )
  );
  const edit = await admin.get(`${PAGE}?host=db-1`);
  equal(edit.doc.querySelector("#override-host")?.getAttribute("value"), "db-1");
  equal(edit.doc.querySelector("#override-cooldownSec")?.getAttribute("value"), "900");
  await admin.post(PAGE, { intent: "set", host: "db-1", cooldownSec: "30" });
  deepEqual(await getHostOverride(w.services.ledger, host.id), { maxSteps: 10, cooldownSec: 30 });

  const cleared = await admin.post(PAGE, { intent: "clear", hostId: host.id });
  equal(cleared.status, 303);
  equal(await getHostOverride(w.services.ledger, host.id), null);
  const audits = await w.services.ledger.db.selectFrom("audit_entries").select("action")
    .where("chain", "=", w.orgA.id).where("action", "=", "remediation.host_policy.update")
    .execute();
  equal(audits.length, 3);
});

Deno.test("[pages] host overrides: every bad field is named at once and nothing is stored", async () => {
  await using w = await operatorWorld();
  const host = (await createHostViaApi(w, "db-1")).host;
  const admin = pageSession(w, w.a.admin);
  const bad = await admin.post(PAGE, {
    intent: "set",
    host: "db-1",
    cooldownSec: "soon",
    retryAttempts: "-1",
  });
  equal(bad.status, 400);
  match(textOf(bad.doc.querySelector("#override-cooldownSec-error")), /whole number/);
  match(textOf(bad.doc.querySelector("#override-retryAttempts-error")), /whole number/);
  equal(bad.doc.querySelector("#override-cooldownSec")?.getAttribute("value"), "soon");

  const range = await admin.post(PAGE, { intent: "set", host: "db-1", queueTtlMin: "99999" });
  equal(range.status, 400);
  ok(textOf(range.doc.querySelector("#override-queueTtlMin-error")).length > 0);

  const unknown = await admin.post(PAGE, { intent: "set", host: "nope", cooldownSec: "1" });
  equal(unknown.status, 404);
  match(textOf(unknown.doc.querySelector("#override-host-error")), /no host "nope"/);
  equal(await getHostOverride(w.services.ledger, host.id), null);
});

Deno.test("[pages] host overrides: ops read only, another organization's host is not found", async () => {
  await using w = await operatorWorld();
  const host = (await createHostViaApi(w, "db-1")).host;
  const ops = pageSession(w, w.a.ops);
  const page = await ops.get(PAGE);
  equal(page.status, 200);
  equal(page.doc.querySelector("#override-form"), null);
  match(textOf(page.doc.querySelector("main")), /Admins and owners set host overrides/);
  equal((await ops.post(PAGE, { intent: "set", host: "db-1", cooldownSec: "1" })).status, 403);
  equal((await pageSession(w, w.a.viewer).get(PAGE)).status, 403);

  const b = pageSession(w, w.ownerB);
  equal((await b.post(PAGE, { intent: "set", host: "db-1", cooldownSec: "1" })).status, 404);
  equal((await b.post(PAGE, { intent: "clear", hostId: host.id })).status, 404);
  equal(await getHostOverride(w.services.ledger, host.id), null);
});
