/**
 * Sequence gaps over HTTP (agent-protocol §2.6): a gap recorded by one signed snapshot is marked
 * explained when a later snapshot's `runner.lost` covers it; one left unexplained is raised to
 * `high` by the heartbeat sweep after 30 minutes, and a later report still lowers it.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import { createHostViaApi, fixtureJson } from "../../support/hosts_api.ts";
import { enrollRunner, signedRequest, type TestRunner } from "../../support/runner.ts";
import { runHeartbeatSweep } from "@/jobs/heartbeat_sweep.ts";

const MIN = 60_000;
const STATUS = await fixtureJson("status-minimal.json");

async function push(w: OperatorWorld, r: TestRunner, seq: number, lost?: unknown[]) {
  const body = JSON.stringify({
    status: STATUS,
    ok: true,
    runner: { version: "0.4.1", ...(lost ? { lost } : {}) },
  });
  const res = await signedRequest(w, r, "POST", `/api/hosts/${r.hostId}/status`, { body, seq });
  const answer = await res.json();
  equal(res.status, 200, JSON.stringify(answer));
  return answer;
}

async function gaps(w: OperatorWorld, hostId: string) {
  const rows = await w.services.ledger.db.selectFrom("signals")
    .select(["severity", "detail", "evidence"])
    .where("host_id", "=", hostId).where("code", "=", "snapshot_gap").orderBy("id").execute();
  return rows.map((r) => ({ ...r, evidence: JSON.parse(r.evidence ?? "{}") }));
}

Deno.test("[api] signed gaps: a later runner.lost explains an earlier gap", async () => {
  await using w = await operatorWorld();
  const created = await createHostViaApi(w, "web-1");
  const r = await enrollRunner(w, created.host.id, created.onboarding.runner.token);
  await push(w, r, 1);
  deepEqual((await push(w, r, 4)).gap, { missing: 2, fromSeq: 2, toSeq: 3 });
  equal((await gaps(w, r.hostId))[0].severity, "medium");

  // Seq 5 was created after the runner gave up on 2-3 (rejected), so it reports them.
  const next = await push(w, r, 5, [{ from: 2, to: 3, reason: "rejected:clock_skew" }]);
  equal(next.gap, null);
  const [gap] = await gaps(w, r.hostId);
  equal(gap.severity, "low");
  equal(gap.evidence.explainedBy, "rejected");
  equal(gap.evidence.explainedBySeq, 5);
  match(gap.detail, /2 snapshots missing .* runner reported them lost \(rejected\)/);

  // Not every range: 7-8 is only half covered, and stays open.
  await push(w, r, 9);
  await push(w, r, 10, [{ from: 7, to: 7, reason: "spool_overflow" }]);
  deepEqual((await gaps(w, r.hostId)).map((g) => g.severity), ["low", "medium"]);
});

Deno.test("[api] signed gaps: unexplained for 30 minutes → high; explained later → low", async () => {
  await using w = await operatorWorld();
  const created = await createHostViaApi(w, "web-1");
  const r = await enrollRunner(w, created.host.id, created.onboarding.runner.token);
  await push(w, r, 1);
  await push(w, r, 3);
  w.services.clock.advance(20 * MIN);
  equal((await runHeartbeatSweep(w.services)).gapsEscalated, 0);
  w.services.clock.advance(11 * MIN);
  equal((await runHeartbeatSweep(w.services)).gapsEscalated, 1);
  let [gap] = await gaps(w, r.hostId);
  equal(gap.severity, "high");
  match(gap.detail, /possible|may have been suppressed/);

  // The timeline shows the raised severity.
  const timeline = await (await w.app.request(
    `/api/hosts/${r.hostId}/timeline?code=snapshot_gap`,
    { headers: w.headers(w.a.viewer) },
  )).json();
  deepEqual(
    timeline.entries.map((e: { code: string; severity: string }) => `${e.code}:${e.severity}`),
    ["snapshot_gap:high"],
  );

  await push(w, r, 4, [{ from: 2, to: 2, reason: "spool_overflow" }]);
  [gap] = await gaps(w, r.hostId);
  equal(gap.severity, "low");
  equal(gap.evidence.explainedBy, "spool_overflow");
});
