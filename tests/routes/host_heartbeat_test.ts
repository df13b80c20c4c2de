/**
 * Per-host heartbeat interval (agent-protocol Part 5 "per host"): set through
 * `PUT /api/hosts/:hostId` or the host settings form, validated (1-1440 minutes, empty/null =
 * the default), and used by every reader — host API, status API, fleet page, host page and the
 * heartbeat sweep — with the stale and missing multipliers applied to it.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../support/operator_world.ts";
import { textOf } from "../support/pages.ts";
import { pageSession } from "../support/page_session.ts";
import { createHostViaApi, fixtureJson, pushStatus } from "../support/hosts_api.ts";
import { getHost } from "@/lib/hosts/registry.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { runHeartbeatSweep } from "@/jobs/heartbeat_sweep.ts";

const JSON_TYPE = { "content-type": "application/json" };
const MIN = 60_000;
const FIELD = "heartbeatExpectedMinutes";

function put(w: OperatorWorld, hostId: string, body: unknown) {
  return w.app.request(`/api/hosts/${hostId}`, {
    method: "PUT",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify(body),
  });
}

async function stateOf(w: OperatorWorld, hostId: string): Promise<string> {
  const res = await w.app.request(`/api/hosts/${hostId}`, { headers: w.headers(w.a.viewer) });
  return (await res.json()).heartbeat.state;
}

Deno.test("[api] a 60-minute interval keeps a host fresh/delayed where the default says stale/missing", async () => {
  // Sessions outlive the simulated silence.
  await using w = await operatorWorld({ env: { SESSION_IDLE_MINUTES: "1440" } });
  const hourly = await createHostViaApi(w, "hourly");
  const usual = await createHostViaApi(w, "usual");
  const set = await put(w, hourly.host.id, { [FIELD]: 60 });
  equal(set.status, 200, await set.clone().text());
  equal((await set.json()).host[FIELD], 60);
  const audit = await queryAudit(w.services.ledger, w.orgA.id, { action: "host.update" });
  deepEqual(audit.entries.map((e) => e.details), [{ patch: { [FIELD]: 60 } }]);

  const status = await fixtureJson("status-minimal.json");
  for (const h of [hourly, usual]) await pushStatus(w, h, status);
  await runHeartbeatSweep(w.services);

  w.services.clock.advance(30 * MIN);
  equal(await stateOf(w, hourly.host.id), "fresh");
  equal(await stateOf(w, usual.host.id), "stale");
  const own = await w.app.request(`/api/hosts/${hourly.host.id}/status`, {
    headers: { authorization: `Bearer ${hourly.onboarding.token}` },
  });
  equal((await own.json()).heartbeat.state, "fresh", "the host's own status read agrees");
  const viewer = pageSession(w, w.a.viewer);
  const fleet = await viewer.get("/hosts");
  match(textOf(fleet.doc.querySelector("tr[data-host='hourly']")), /Fresh \(30m\)/);
  match(textOf(fleet.doc.querySelector("tr[data-host='usual']")), /Stale \(30m\)/);
  const page = await viewer.get(`/hosts/${hourly.host.id}`);
  match(textOf(page.doc.querySelector(".host-header")), /expects a push every 60 min/);
  match(textOf(page.doc.querySelector(".host-header")), /Fresh \(30m\)/);
  await runHeartbeatSweep(w.services);

  w.services.clock.advance(60 * MIN);
  equal(await stateOf(w, hourly.host.id), "delayed");
  equal(await stateOf(w, usual.host.id), "missing");
  const run = await runHeartbeatSweep(w.services);
  const raised = run.transitions.map((t) =>
    `${t.hostId === hourly.host.id ? "hourly" : "usual"}:${t.to}:${t.signal}`
  );
  deepEqual(raised.sort(), ["hourly:delayed:null", "usual:missing:host_silent"]);
  const silent = await w.services.ledger.db.selectFrom("signals").select("host_id")
    .where("code", "in", ["host_silent", "heartbeat_stale"]).execute();
  ok(silent.every((s) => s.host_id === usual.host.id), "nothing raised for the hourly host");

  // Back to the default: the same silence is missing for it too.
  equal((await put(w, hourly.host.id, { [FIELD]: null })).status, 200);
  equal(await stateOf(w, hourly.host.id), "missing");
});

Deno.test("[api] a bad heartbeat interval is a 400 naming the field; nothing changes", async () => {
  await using w = await operatorWorld();
  const { host } = await createHostViaApi(w, "web-1", { [FIELD]: 90 });
  equal((await getHost(w.services.ledger, w.orgA.id, host.id))?.[FIELD], 90, "set at creation");
  for (const bad of [0, 1441, 2.5, -5, "60", true, {}]) {
    const res = await put(w, host.id, { name: "renamed", [FIELD]: bad });
    const body = await res.json();
    equal(res.status, 400, JSON.stringify(bad));
    equal(body.error.details.field, FIELD);
    match(body.error.message, new RegExp(`^${FIELD}: expected whole minutes from 1 to 1440`));
  }
  const stored = await getHost(w.services.ledger, w.orgA.id, host.id);
  equal(stored?.[FIELD], 90);
  equal(stored?.name, "web-1");
  const created = await w.app.request("/api/hosts", {
    method: "POST",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ name: "web-2", [FIELD]: 0 }),
  });
  equal(created.status, 400);
  equal((await created.json()).error.details.field, FIELD);
  equal((await put(w, host.id, { [FIELD]: 5 })).status, 200);
  equal((await getHost(w.services.ledger, w.orgA.id, host.id))?.[FIELD], 5);
});

const SETTINGS = {
  intent: "settings",
  name: "web-1",
  group: "",
  tags: "",
  rolloutPriority: "0",
  ingestMode: "bearer",
};

Deno.test("[pages] host settings: the interval is set, shown, cleared and validated", async () => {
  await using w = await operatorWorld();
  const { host } = await createHostViaApi(w, "web-1");
  const admin = pageSession(w, w.a.admin);
  const post = (value: string) => admin.post(`/hosts/${host.id}`, { ...SETTINGS, [FIELD]: value });
  const form = await admin.get(`/hosts/${host.id}`);
  equal(form.doc.querySelector(`#f-${FIELD}`)?.getAttribute("value"), "");
  match(textOf(form.doc.querySelector(`#f-${FIELD}-hint`)), /the default, 5 minutes/);

  equal((await post(" 60 ")).status, 303);
  equal((await getHost(w.services.ledger, w.orgA.id, host.id))?.[FIELD], 60);
  const shown = await admin.get(`/hosts/${host.id}?done=settings`);
  equal(shown.doc.querySelector(`#f-${FIELD}`)?.getAttribute("value"), "60");

  for (const [value, message] of [["soon", /1 to 1440/], ["0", /1 to 1440/], ["5000", /1440/]]) {
    const { status, doc } = await post(value as string);
    equal(status, 400, `${value}`);
    ok(doc.querySelector(`.field-invalid #f-${FIELD}`), `${value}: the field is marked`);
    match(textOf(doc.querySelector(`#f-${FIELD}-error`)), message as RegExp);
    equal(doc.querySelector(`#f-${FIELD}`)?.getAttribute("value"), value, "typed value kept");
  }
  equal((await getHost(w.services.ledger, w.orgA.id, host.id))?.[FIELD], 60, "unchanged");

  equal((await post("")).status, 303);
  equal((await getHost(w.services.ledger, w.orgA.id, host.id))?.[FIELD], null, "empty: default");
});
