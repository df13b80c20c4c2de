/**
 * Host changes that no snapshot makes reach the change feed: an admin creating, editing and
 * deleting a host (through the API), and the heartbeat sweep moving a host's heartbeat, noted
 * after the fleet summaries were refreshed so a re-read row already shows the new state.
 */
import { deepEqual, equal } from "node:assert/strict";
import { runHeartbeatSweep } from "@/jobs/heartbeat_sweep.ts";
import { readChanges } from "@/lib/live/changes.ts";
import { storeSnapshot } from "@/lib/ingest/store.ts";
import { operatorWorld } from "../../support/operator_world.ts";
import { createHostViaApi } from "../../support/hosts_api.ts";
import { parsedSnapshot } from "../../support/hosts.ts";

const JSON_TYPE = { "content-type": "application/json" };

Deno.test("[live] host created, edited, deleted and its heartbeat moving are noted", async () => {
  await using w = await operatorWorld();
  const { host } = await createHostViaApi(w, "web-1");
  const edit = await w.app.request(`/api/hosts/${host.id}`, {
    method: "PUT",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ group: "eu" }),
  });
  equal(edit.status, 200);
  await edit.body?.cancel();

  // A push, then 20 minutes of silence: the sweep moves the host to `stale`.
  const stored = await w.services.ledger.db.selectFrom("hosts").selectAll()
    .where("id", "=", host.id).executeTakeFirstOrThrow();
  const now = w.services.clock.now();
  await storeSnapshot(w.services, {
    host: { id: stored.id, orgId: stored.org_id },
    parsed: parsedSnapshot({ ts: now.toISOString(), base: { at: now.toISOString() } }),
    signals: [],
    now,
  });
  await runHeartbeatSweep(w.services);
  w.services.clock.advance(20 * 60_000);
  await runHeartbeatSweep(w.services);
  const summary = await w.services.ledger.db.selectFrom("host_summaries").select("heartbeat")
    .where("host_id", "=", host.id).executeTakeFirstOrThrow();
  equal(summary.heartbeat, "stale", "the row an open page re-reads already says stale");

  const del = await w.app.request(`/api/hosts/${host.id}`, {
    method: "DELETE",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ confirm: host.slug }),
  });
  equal(del.status, 200);
  await del.body?.cancel();

  const events = await readChanges(w.services.kv, w.orgA.id, { after: 0 });
  const hostEvents = events.filter((e) => e.type === "host.state" && e.id === host.id)
    .map((e) => [e.fields.change, e.fields.heartbeat ?? null]);
  deepEqual(hostEvents, [
    ["created", null],
    ["edited", null],
    ["heartbeat", "fresh"],
    ["heartbeat", "stale"],
    ["deleted", null],
  ]);
  // Org B's feed heard nothing of it.
  deepEqual(await readChanges(w.services.kv, w.orgB.id, { after: 0 }), []);
});
