import assert from "node:assert/strict";
import { buildActionPlan, verifyActionPlan } from "@/lib/remediation/plans.ts";
import { PlanError } from "@/lib/remediation/types.ts";
import { dropListeners, fixtureInput, type Json } from "../plan_inputs.ts";

const ID = "quarantine-unexpected-listener";
const code = (c: string) => (e: unknown) => e instanceof PlanError && e.code === c;

Deno.test("[remediation] quarantine: stops and disables the unit found via vitals (pid 2817)", async () => {
  const plan = await buildActionPlan(ID, await fixtureInput("status-drift.json"), {
    port: "tcp:6379",
  });
  assert.deepEqual(plan.steps.map((s) => s.argv), [
    ["/usr/bin/systemctl", "stop", "--", "redis-server.service"],
    ["/usr/bin/systemctl", "disable", "--", "redis-server.service"],
  ]);
  assert.deepEqual(plan.rollbackSteps.map((s) => s.argv[1]), ["enable", "start"]);
  assert.equal(plan.dryRunSteps[0].argv[1], "show");
  assert.deepEqual(plan.targets, {
    ports: ["tcp:6379"],
    units: ["redis-server.service"],
    pids: [2817],
  });
  assert.equal(plan.reversible, true);
  assert.equal(plan.riskTier, "risky_manual");
});

Deno.test("[remediation] quarantine: unit from the public_ports_changed alert line when vitals lack it", async () => {
  const input = await fixtureInput("status-drift.json", (s) => {
    ((s.vitals as Json).processes as Json).top = [];
  });
  const plan = await buildActionPlan(ID, input, { port: "tcp:8080" });
  assert.deepEqual(plan.targets.units, ["orders-api.service"]);
});

Deno.test("[remediation] quarantine: kill mode is irreversible and re-checks the pid first", async () => {
  const plan = await buildActionPlan(ID, await fixtureInput("status-drift.json"), {
    port: "tcp:8080",
    method: "kill",
  });
  assert.deepEqual(plan.steps.map((s) => s.argv), [
    ["/usr/bin/ps", "-p", "51204", "-o", "pid=,user=,comm=,args="],
    ["/usr/bin/kill", "-s", "TERM", "51204"],
  ]);
  assert.deepEqual(plan.rollbackSteps, []);
  assert.equal(plan.reversible, false);
  assert.equal(plan.confirmWindowSec, null);
});

Deno.test("[remediation] quarantine: refusals name the problem", async () => {
  const drift = await fixtureInput("status-drift.json");
  await assert.rejects(
    () => buildActionPlan(ID, drift, { port: "tcp:3032" }),
    code("port_not_unexpected"),
  );
  // Real Debian: tcp:2024 has pid 0 and no unit.
  const debian = await fixtureInput("status-real-debian.json");
  await assert.rejects(
    () => buildActionPlan(ID, debian, { port: "tcp:2024" }),
    code("no_process_evidence"),
  );
  await assert.rejects(
    () => buildActionPlan(ID, debian, { port: "tcp:2024", method: "systemd" }),
    (e: unknown) => e instanceof PlanError && e.code === "no_unit" && e.field === "unit",
  );
  const withUnit = await buildActionPlan(ID, debian, {
    port: "tcp:2024",
    unit: "process-api.service",
  });
  assert.deepEqual(withUnit.targets.units, ["process-api.service"]);
  await assert.rejects(
    () => buildActionPlan(ID, debian, { port: "tcp:2024", unit: "ssh.service" }),
    code("protected_target"),
  );
  const sshd = await fixtureInput("status-drift.json", (s) => {
    for (const list of [s.ports_public, s.ports_public_unexpected] as Json[][]) {
      for (const p of list) if (p.port === 6379) p.proc = "sshd";
    }
  });
  await assert.rejects(
    () => buildActionPlan(ID, sshd, { port: "tcp:6379" }),
    code("protected_target"),
  );
});

Deno.test("[remediation] quarantine: a hostile unit name in the snapshot never reaches argv", async () => {
  const input = await fixtureInput("status-drift.json", (s) => {
    for (const row of ((s.vitals as Json).processes as Json).top as Json[]) {
      row.unit = "redis.service; rm -rf /";
    }
    s.alerts = [];
  });
  // No trustworthy unit: auto falls back to the pid.
  const plan = await buildActionPlan(ID, input, { port: "tcp:6379" });
  assert.equal(plan.reversible, false);
  assert.deepEqual(plan.steps[1].argv, ["/usr/bin/kill", "-s", "TERM", "2817"]);
});

Deno.test("[remediation] quarantine: verify = the port is gone from the later snapshot", async () => {
  const plan = await buildActionPlan(ID, await fixtureInput("status-drift.json"), {
    port: "tcp:6379",
  });
  assert.equal(verifyActionPlan(plan, await fixtureInput("status-drift.json")).verified, false);
  const fixed = await fixtureInput("status-drift.json", (s) => dropListeners(s, ["tcp:6379"]));
  const v = verifyActionPlan(plan, fixed);
  assert.equal(v.verified, true, v.reason);
  const noList = await fixtureInput("status-drift.json", (s) => {
    delete s.ports_public;
  });
  assert.equal(verifyActionPlan(plan, noList).inconclusive, true);
});
