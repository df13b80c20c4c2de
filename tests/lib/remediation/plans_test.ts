import assert from "node:assert/strict";
import { planHash } from "@/lib/protocol/jcs.ts";
import {
  buildActionPlan,
  parseActionParams,
  planErrorStatus,
  PlanParamsError,
  verifyActionPlan,
} from "@/lib/remediation/plans.ts";
import { PlanError } from "@/lib/remediation/types.ts";
import { fixtureInput } from "./plan_inputs.ts";

Deno.test("[remediation] plans: the hash covers {actionId, actionVersion, steps} and is stable", async () => {
  const input = await fixtureInput("status-drift.json");
  const a = await buildActionPlan("lockdown-access-surface", input, {
    ports: ["tcp:8080", "tcp:6379"],
  });
  const b = await buildActionPlan(
    "lockdown-access-surface",
    await fixtureInput("status-drift.json"),
    {
      ports: ["tcp:6379", "tcp:8080", "tcp:6379"],
    },
  );
  assert.equal(a.planHash, b.planHash);
  assert.deepEqual(a, b);
  assert.equal(
    a.planHash,
    await planHash({ actionId: a.actionId, actionVersion: a.actionVersion, steps: a.steps }),
  );
  const other = await buildActionPlan("lockdown-access-surface", input, { ports: ["tcp:6379"] });
  assert.notEqual(other.planHash, a.planHash);
  assert.deepEqual(a.params, { ports: ["tcp:6379", "tcp:8080"] });
});

Deno.test("[remediation] plans: bad params are invalid_params naming the JSON path", async () => {
  const input = await fixtureInput("status-drift.json");
  const cases: Array<[string, unknown, string]> = [
    ["lockdown-access-surface", { ports: ["tcp:6379", "tcp:99999"] }, "ports.1"],
    ["lockdown-access-surface", { ports: ["TCP:6379"] }, "ports.0"],
    ["lockdown-access-surface", { ports: "tcp:6379" }, "ports"],
    ["lockdown-access-surface", { ports: [] }, "ports"],
    ["lockdown-access-surface", { port: "tcp:6379" }, "port"],
    ["lockdown-access-surface", [], "(params)"],
    ["quarantine-unexpected-listener", {}, "port"],
    ["quarantine-unexpected-listener", { port: "tcp:6379", method: "nuke" }, "method"],
    ["quarantine-unexpected-listener", { port: "tcp:6379", unit: "-Hevil.service" }, "unit"],
    ["quarantine-unexpected-listener", { port: "tcp:6379", unit: "a;b.service" }, "unit"],
    ["block-ip", { ip: 7 }, "ip"],
    ["collect-forensics-first", { pids: [0] }, "pids.0"],
    ["collect-forensics-first", { pids: [1.5] }, "pids.0"],
    ["harden-ssh-auth", { sshUnit: "ssh.service; id" }, "sshUnit"],
    ["verify-system-drift", { packages: ["Openssh"] }, "packages.0"],
  ];
  for (const [id, params, field] of cases) {
    await assert.rejects(
      () => buildActionPlan(id, input, params),
      (e: unknown) => {
        assert.ok(e instanceof PlanParamsError, `${id} ${JSON.stringify(params)}: ${e}`);
        assert.equal(e.code, "invalid_params");
        assert.equal(e.field, field, `${id} ${JSON.stringify(params)}: ${e.message}`);
        assert.ok(e.message.startsWith(`params.${field}: `), e.message);
        assert.equal(planErrorStatus(e), 400);
        return true;
      },
    );
  }
  const unknownKey = await buildActionPlan("lockdown-access-surface", input, { port: 1 }).catch((
    e,
  ) => e);
  assert.match(unknownKey.message, /remove it \(lockdown-access-surface takes: ports\)/);
});

Deno.test("[remediation] plans: unknown actions, defaults and null params", async () => {
  const input = await fixtureInput("status-drift.json");
  await assert.rejects(
    () => buildActionPlan("rm-rf", input, {}),
    (e: unknown) =>
      e instanceof PlanError && e.code === "unknown_action" && planErrorStatus(e) === 404 &&
      /block-ip/.test(e.message),
  );
  await assert.rejects(
    () => buildActionPlan("__proto__", input, {}),
    (e: unknown) => e instanceof PlanError && e.code === "unknown_action",
  );
  assert.deepEqual(parseActionParams("block-ip", { ip: "2001:DB8::7" }), {
    ip: "2001:db8::7",
    allowPrivate: false,
    durationSec: 900,
  });
  const plan = await buildActionPlan("verify-system-drift", input, null);
  assert.deepEqual(plan.params, { includeDebsums: true, includeSshdConfig: true });
  // A plan whose action version moved on is never verified.
  assert.equal(verifyActionPlan({ ...plan, actionVersion: 99 }, input).verified, false);
  assert.equal(planErrorStatus(new PlanError("nothing_to_do", "x")), 422);
});
