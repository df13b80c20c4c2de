import assert from "node:assert/strict";
import { buildActionPlan, verifyActionPlan } from "@/lib/remediation/plans.ts";
import { PlanError } from "@/lib/remediation/types.ts";
import { SSHD_DROPIN_PATH } from "@/lib/remediation/catalog/harden_ssh_auth.ts";
import { fixtureInput } from "../plan_inputs.ts";

const ID = "harden-ssh-auth";

Deno.test("[remediation] harden-ssh: installs the shipped drop-in, tests, reloads; rollback removes it", async () => {
  const plan = await buildActionPlan(ID, await fixtureInput("status-drift.json"), {});
  assert.deepEqual(plan.steps.map((s) => s.argv), [
    [
      "/usr/bin/install",
      "-m",
      "0644",
      "-o",
      "root",
      "-g",
      "root",
      "/usr/share/vps-sentry-runner/sshd/no-password-no-root.conf",
      SSHD_DROPIN_PATH,
    ],
    ["/usr/sbin/sshd", "-t"],
    ["/usr/bin/systemctl", "try-reload-or-restart", "--", "ssh.service"],
  ]);
  assert.deepEqual(plan.dryRunSteps.map((s) => s.argv), [
    ["/usr/bin/test", "-f", "/usr/share/vps-sentry-runner/sshd/no-password-no-root.conf"],
    [
      "/usr/sbin/sshd",
      "-t",
      "-o",
      "PasswordAuthentication=no",
      "-o",
      "KbdInteractiveAuthentication=no",
      "-o",
      "PermitRootLogin=no",
    ],
  ]);
  assert.deepEqual(plan.rollbackSteps[0].argv, ["/usr/bin/rm", "-f", "--", SSHD_DROPIN_PATH]);
  assert.equal(plan.reversible, true);
  const rootOnly = await buildActionPlan(ID, await fixtureInput("status-drift.json"), {
    disablePasswordLogin: false,
    sshUnit: "sshd.service",
  });
  assert.match(rootOnly.steps[0].argv[7], /no-root\.conf$/);
  assert.deepEqual(rootOnly.steps[2].argv.slice(-1), ["sshd.service"]);
});

Deno.test("[remediation] harden-ssh: turning both off is refused, naming the field", async () => {
  await assert.rejects(
    async () =>
      buildActionPlan(ID, await fixtureInput("status-drift.json"), {
        disablePasswordLogin: false,
        disableRootLogin: false,
      }),
    (e: unknown) =>
      e instanceof PlanError && e.code === "invalid_params" && e.field === "disablePasswordLogin",
  );
});

Deno.test("[remediation] harden-ssh: verify reads the auth-log delta, honestly", async () => {
  const plan = await buildActionPlan(ID, await fixtureInput("status-drift.json"), {});
  // Drift fixture: 23 failed passwords → still accepting passwords.
  const before = verifyActionPlan(plan, await fixtureInput("status-drift.json"));
  assert.equal(before.verified, false);
  assert.equal(before.inconclusive, undefined);
  const fixed = await fixtureInput("status-drift.json", (s) => {
    s.auth = { ssh_failed_password: 0, ssh_invalid_user: 7, new_ssh_accepts_count: 0 };
  });
  assert.equal(verifyActionPlan(plan, fixed).verified, true);
  // Real Debian (journald only, all zeros): cannot tell.
  const quiet = verifyActionPlan(plan, await fixtureInput("status-real-debian.json"));
  assert.deepEqual([quiet.verified, quiet.inconclusive], [false, true]);
  const rootOnly = await buildActionPlan(ID, await fixtureInput("status-drift.json"), {
    disablePasswordLogin: false,
  });
  assert.equal(verifyActionPlan(rootOnly, fixed).inconclusive, true);
});
