/**
 * Host settings on the host page (admin only, PRG, audited) and in `PUT /api/hosts/:hostId`,
 * and the deployment's HEARTBEAT_* thresholds in what the console shows.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../support/operator_world.ts";
import { textOf } from "../support/pages.ts";
import { pageSession } from "../support/page_session.ts";
import { fixtureBytes } from "../support/agent_fixtures.ts";
import { getHost } from "@/lib/hosts/registry.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { createHostViaApi as createHost } from "../support/hosts_api.ts";

const JSON_TYPE = { "content-type": "application/json" };
const MIN = 60_000;

async function actions(w: OperatorWorld, action: string) {
  return (await queryAudit(w.services.ledger, w.orgA.id, { action, limit: 10 })).entries;
}

const SETTINGS = {
  intent: "settings",
  name: "Web Frankfurt",
  group: "eu-web",
  tags: "prod, eu",
  rolloutPriority: "7",
  ingestMode: "signed",
  paused: "on",
  disabled: "on",
};

Deno.test("[pages] host settings: an admin edits, disables and re-enables; all audited (PRG)", async () => {
  await using w = await operatorWorld();
  const { host } = await createHost(w, "web-1");
  const admin = pageSession(w, w.a.admin);
  const form = await admin.get(`/hosts/${host.id}`);
  ok(form.doc.querySelector("form#host-settings input[name='intent'][value='settings']"));
  equal(form.doc.querySelector("#f-name")?.getAttribute("value"), "web-1");

  const saved = await admin.post(`/hosts/${host.id}`, SETTINGS);
  equal(saved.status, 303);
  equal(saved.headers.get("location"), `/hosts/${host.id}?done=settings`);
  const stored = (await getHost(w.services.ledger, w.orgA.id, host.id))!;
  equal(stored.name, "Web Frankfurt");
  equal(stored.group, "eu-web");
  deepEqual(stored.tags, ["prod", "eu"]);
  equal(stored.rolloutPriority, 7);
  equal(stored.paused, true);
  equal(stored.ingestMode, "signed");
  ok(stored.disabledAt, "disabled");
  equal((await actions(w, "host.update")).length, 1);
  equal((await actions(w, "host.ingest_mode.change")).length, 1);
  equal((await actions(w, "host.disable")).length, 1);

  const after = await admin.get(`/hosts/${host.id}?done=settings`);
  match(textOf(after.doc.body), /Settings saved\./);
  ok(after.doc.querySelector("#f-disabled[checked]"), "the form shows the stored state");
  equal(after.doc.querySelector("#f-ingestMode option[selected]")?.getAttribute("value"), "signed");

  // Unticking the boxes (absent from the form) enables and un-pauses.
  const { paused: _p, disabled: _d, ...rest } = SETTINGS;
  const enabled = await admin.post(`/hosts/${host.id}`, { ...rest, ingestMode: "bearer" });
  equal(enabled.status, 303);
  const back = (await getHost(w.services.ledger, w.orgA.id, host.id))!;
  equal(back.disabledAt, null);
  equal(back.paused, false);
  equal(back.ingestMode, "bearer");
  equal((await actions(w, "host.enable")).length, 1);
  equal((await actions(w, "host.ingest_mode.change")).length, 2);
  equal((await actions(w, "host.disable")).length, 1, "not disabled again");
});

Deno.test("[pages] host settings: bad input re-renders with field errors and changes nothing", async () => {
  await using w = await operatorWorld();
  const { host } = await createHost(w, "web-1");
  const cases: [Record<string, string>, string, RegExp][] = [
    [{ name: "" }, "name", /required/],
    [{ tags: "Bad Tag!" }, "tags", /each tag/],
    [{ rolloutPriority: "lots" }, "rolloutPriority", /integer/],
    [{ rolloutPriority: "500" }, "rolloutPriority", /at most 100/],
    [{ ingestMode: "open" }, "ingestMode", /bearer.*signed/],
  ];
  const admin = pageSession(w, w.a.admin);
  for (const [fields, field, message] of cases) {
    const { status, doc } = await admin.post(`/hosts/${host.id}`, { ...SETTINGS, ...fields });
    equal(status, 400, field);
    ok(doc.querySelector(`.field-invalid #f-${field}`), `${field} is marked`);
    match(textOf(doc.querySelector(`#f-${field}-error`)), message);
    equal(doc.querySelector("#f-group")?.getAttribute("value"), "eu-web", "typed values kept");
  }
  const stored = (await getHost(w.services.ledger, w.orgA.id, host.id))!;
  equal(stored.name, "web-1");
  equal(stored.disabledAt, null);
  equal(stored.ingestMode, "bearer");
  equal((await actions(w, "host.update")).length, 0);
});

Deno.test("[pages] host settings: viewers see no settings and their POST is 403", async () => {
  await using w = await operatorWorld();
  const { host } = await createHost(w, "web-1");
  const page = await pageSession(w, w.a.viewer).get(`/hosts/${host.id}`);
  equal(page.status, 200);
  equal(page.doc.querySelector("#host-settings"), null);
  equal(page.doc.querySelector("#settings-title"), null);
  for (const who of [w.a.viewer, w.a.ops]) {
    equal((await pageSession(w, who).post(`/hosts/${host.id}`, SETTINGS)).status, 403);
  }
  const stored = (await getHost(w.services.ledger, w.orgA.id, host.id))!;
  equal(stored.name, "web-1");
  equal(stored.disabledAt, null);
});

Deno.test("[api] PUT /api/hosts/:hostId takes disabled; bad values are 400", async () => {
  await using w = await operatorWorld();
  const { host } = await createHost(w, "web-1");
  const put = (body: unknown, who = w.a.admin) =>
    w.app.request(`/api/hosts/${host.id}`, {
      method: "PUT",
      headers: w.headers(who, JSON_TYPE),
      body: JSON.stringify(body),
    });
  const off = await put({ disabled: true });
  equal(off.status, 200, await off.clone().text());
  ok((await off.json()).host.disabledAt);
  equal((await actions(w, "host.disable")).length, 1);
  equal((await actions(w, "host.update")).length, 0, "only the disable is audited");
  const bad = await put({ disabled: "yes" });
  equal(bad.status, 400);
  match((await bad.json()).error.message, /^disabled: expected true or false/);
  equal((await put({ disabled: false })).status, 200);
  equal((await actions(w, "host.enable")).length, 1);
  equal((await put({ disabled: true }, w.a.viewer)).status, 403);
});

Deno.test("[pages] HEARTBEAT_EXPECTED_MINUTES=10: a host seen 8 minutes ago is fresh", async () => {
  const cases: [Record<string, string>, string][] = [
    [{}, "delayed"],
    [{ HEARTBEAT_EXPECTED_MINUTES: "10" }, "fresh"],
  ];
  for (const [env, state] of cases) {
    await using w = await operatorWorld({ env });
    const { host, onboarding } = await createHost(w, "web-1");
    const res = await w.app.request(`/api/hosts/${host.id}/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${onboarding.token}`, ...JSON_TYPE },
      body: new Uint8Array(fixtureBytes("status-real-debian.json")),
    });
    equal(res.status, 200, await res.clone().text());
    w.services.clock.advance(8 * MIN);
    const api = await w.app.request(`/api/hosts/${host.id}`, { headers: w.headers(w.a.viewer) });
    equal((await api.json()).heartbeat.state, state, JSON.stringify(env));
    const viewer = pageSession(w, w.a.viewer);
    const page = await viewer.get(`/hosts/${host.id}`);
    match(textOf(page.doc.querySelector(".host-header")), new RegExp(`${state} \\(8m\\)`, "i"));
    const fleet = await viewer.get("/hosts");
    match(textOf(fleet.doc.querySelector("tr[data-host='web-1']")), new RegExp(state, "i"));
    const status = await w.app.request("/api/status", { headers: w.headers(w.a.viewer) });
    equal((await status.json()).hosts.heartbeat[state], 1);
  }
});
