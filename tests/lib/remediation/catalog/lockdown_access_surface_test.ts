import assert from "node:assert/strict";
import { buildActionPlan, verifyActionPlan } from "@/lib/remediation/plans.ts";
import { PlanError } from "@/lib/remediation/types.ts";
import { blockPorts, dropListeners, fixtureInput } from "../plan_inputs.ts";

const ID = "lockdown-access-surface";

Deno.test("[remediation] lockdown: denies the drift fixture's unexpected ports with ufw prepend", async () => {
  const plan = await buildActionPlan(ID, await fixtureInput("status-drift.json"), {});
  assert.deepEqual(plan.targets.ports, ["tcp:6379", "tcp:8080"]);
  assert.deepEqual(plan.steps.map((s) => s.argv), [
    ["/usr/sbin/ufw", "prepend", "deny", "6379/tcp"],
    ["/usr/sbin/ufw", "prepend", "deny", "8080/tcp"],
    ["/usr/sbin/ufw", "status", "verbose"],
  ]);
  assert.deepEqual(plan.dryRunSteps.map((s) => s.argv.slice(1, 3)), [
    ["--dry-run", "prepend"],
    ["--dry-run", "prepend"],
    ["status", "verbose"],
  ]);
  assert.deepEqual(plan.rollbackSteps.map((s) => s.argv), [
    ["/usr/sbin/ufw", "delete", "deny", "6379/tcp"],
    ["/usr/sbin/ufw", "delete", "deny", "8080/tcp"],
  ]);
  assert.equal(plan.reversible, true);
  assert.equal(plan.confirmWindowSec, 600);
  assert.equal(plan.riskTier, "guarded_auto");
  assert.match(plan.planHash, /^[0-9a-f]{64}$/);
});

Deno.test("[remediation] lockdown: named ports must be a subset of the unexpected ones", async () => {
  const input = await fixtureInput("status-drift.json");
  const plan = await buildActionPlan(ID, input, { ports: ["tcp:8080"] });
  assert.deepEqual(plan.targets.ports, ["tcp:8080"]);
  await assert.rejects(
    () => buildActionPlan(ID, input, { ports: ["tcp:8080", "tcp:3032"] }),
    (e: unknown) =>
      e instanceof PlanError && e.code === "port_not_unexpected" && e.field === "ports" &&
      /^tcp:3032 /.test(e.message) &&
      /tcp:6379, tcp:8080/.test(e.message),
  );
});

Deno.test("[remediation] lockdown: real Debian snapshot (tcp:2024, no process) and refusals", async () => {
  const debian = await buildActionPlan(ID, await fixtureInput("status-real-debian.json"), {});
  assert.deepEqual(debian.targets.ports, ["tcp:2024"]);
  // status-rich has neither normalize fields nor rules: unknown, not "none".
  await assert.rejects(
    async () => buildActionPlan(ID, await fixtureInput("status-rich.json"), {}),
    (e: unknown) => e instanceof PlanError && e.code === "no_port_data",
  );
  await assert.rejects(
    async () => buildActionPlan(ID, await fixtureInput("status-ioc-outbound.json"), {}),
    (e: unknown) => e instanceof PlanError && e.code === "nothing_to_do",
  );
});

Deno.test("[remediation] lockdown: rich fixture with expected-port rules computes its unexpected port", async () => {
  const input = await fixtureInput("status-rich.json", (s) => {
    s.expected_public_ports = ["tcp:22"];
  });
  const plan = await buildActionPlan(ID, input, {});
  assert.deepEqual(plan.targets.ports, ["udp:68"]);
});

Deno.test("[remediation] lockdown: verify on fixed, unfixed and capped later snapshots", async () => {
  const plan = await buildActionPlan(ID, await fixtureInput("status-drift.json"), {});
  const same = verifyActionPlan(plan, await fixtureInput("status-drift.json"));
  assert.equal(same.verified, false);
  assert.match(same.reason, /tcp:6379, tcp:8080 are still public/);

  const fixed = await fixtureInput("status-drift.json", (s) => blockPorts(s, plan.targets.ports!));
  assert.deepEqual(verifyActionPlan(plan, fixed).verified, true);

  const half = await fixtureInput("status-drift.json", (s) => blockPorts(s, ["tcp:6379"]));
  assert.match(verifyActionPlan(plan, half).reason, /^tcp:8080 is still public/);

  const gone = await fixtureInput(
    "status-drift.json",
    (s) => dropListeners(s, ["tcp:6379", "tcp:8080"]),
  );
  assert.equal(verifyActionPlan(plan, gone).verified, true);

  const capped = await fixtureInput("status-drift.json", (s) => {
    dropListeners(s, ["tcp:6379", "tcp:8080"]);
    s.public_ports_count = 80;
  });
  const v = verifyActionPlan(plan, capped);
  assert.equal(v.verified, false);
  assert.equal(v.inconclusive, true);
});
