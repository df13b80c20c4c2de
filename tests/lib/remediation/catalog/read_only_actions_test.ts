import assert from "node:assert/strict";
import { buildActionPlan, verifyActionPlan } from "@/lib/remediation/plans.ts";
import { PlanError } from "@/lib/remediation/types.ts";
import { fixtureInput } from "../plan_inputs.ts";

Deno.test("[remediation] collect-forensics-first: IOC pids by default, read-only, same dry-run", async () => {
  const input = await fixtureInput("status-ioc-outbound.json");
  const plan = await buildActionPlan("collect-forensics-first", input, {});
  assert.equal(plan.riskTier, "observe");
  assert.equal(plan.reversible, false);
  assert.deepEqual(plan.targets, { pids: [48813] });
  assert.deepEqual(plan.dryRunSteps, plan.steps);
  assert.deepEqual(plan.rollbackSteps, []);
  assert.deepEqual(plan.steps.map((s) => s.id), [
    "sockets",
    "processes",
    "logins",
    "journal",
    "proc-48813-links",
    "proc-48813-exe-sha256",
  ]);
  assert.ok(plan.steps.every((s) => s.allowFailure));
  assert.deepEqual(plan.steps[3].argv, [
    "/usr/bin/journalctl",
    "--no-pager",
    "--output=short-iso",
    "--since=-120min",
    "--lines=1000",
  ]);
  assert.deepEqual(plan.steps[5].argv, ["/usr/bin/sha256sum", "/proc/48813/exe"]);
  const debian = await buildActionPlan(
    "collect-forensics-first",
    await fixtureInput("status-real-debian.json"),
    {
      journalSinceMinutes: 30,
    },
  );
  assert.deepEqual(debian.targets.pids, [9485]);
  assert.equal(verifyActionPlan(plan, input).verified, true);
  await assert.rejects(
    () => buildActionPlan("collect-forensics-first", input, { pids: [1] }),
    (e: unknown) => e instanceof PlanError && e.field === "pids.0",
  );
  await assert.rejects(
    () => buildActionPlan("collect-forensics-first", input, { journalLines: 10 }),
    (e: unknown) => e instanceof PlanError && e.field === "journalLines",
  );
});

Deno.test("[remediation] verify-system-drift: dpkg/debsums/sshd -t, read-only", async () => {
  const input = await fixtureInput("status-drift.json");
  const all = await buildActionPlan("verify-system-drift", input, {});
  assert.deepEqual(all.steps.map((s) => s.argv), [
    ["/usr/bin/dpkg", "--verify"],
    ["/usr/bin/debsums", "-s"],
    ["/usr/sbin/sshd", "-t"],
  ]);
  assert.ok(all.steps.every((s) => s.allowFailure));
  assert.deepEqual(all.dryRunSteps, all.steps);
  const some = await buildActionPlan("verify-system-drift", input, {
    packages: ["openssh-server", "redis-server", "openssh-server"],
    includeDebsums: false,
    includeSshdConfig: false,
  });
  assert.deepEqual(some.steps.map((s) => s.argv), [
    ["/usr/bin/dpkg", "--verify", "openssh-server", "redis-server"],
  ]);
  await assert.rejects(
    () => buildActionPlan("verify-system-drift", input, { packages: ["--admindir=/tmp"] }),
    (e: unknown) =>
      e instanceof PlanError && e.code === "invalid_params" && e.field === "packages.0",
  );
  assert.equal(verifyActionPlan(all, input).verified, true);
});
