import assert from "node:assert/strict";
import { buildActionPlan, verifyActionPlan } from "@/lib/remediation/plans.ts";
import { PlanError } from "@/lib/remediation/types.ts";
import { fixtureInput } from "../plan_inputs.ts";

const ID = "block-ip";

Deno.test("[remediation] block-ip: bans a canonical address with the ladder duration", async () => {
  const input = await fixtureInput("status-drift.json");
  const plan = await buildActionPlan(ID, input, { ip: "203.0.113.7", durationSec: 3600 });
  assert.deepEqual(plan.steps[0].argv, [
    "/usr/sbin/ufw",
    "prepend",
    "deny",
    "from",
    "203.0.113.7",
    "comment",
    "vps-sentry:block-ip:3600s",
  ]);
  assert.deepEqual(plan.dryRunSteps[0].argv.slice(0, 3), ["/usr/sbin/ufw", "--dry-run", "prepend"]);
  assert.deepEqual(plan.rollbackSteps[0].argv, [
    "/usr/sbin/ufw",
    "delete",
    "deny",
    "from",
    "203.0.113.7",
  ]);
  assert.deepEqual(plan.targets, { ips: ["203.0.113.7"], durationSec: 3600 });
  assert.equal(plan.params.durationSec, 3600);
  assert.equal(plan.riskTier, "safe_auto");
  assert.equal(plan.reversible, true);
  assert.match(plan.summary, /for 1 h$/);

  // Every spelling of one address is one plan; another rung is another hash.
  const a = await buildActionPlan(ID, input, { ip: "2001:DB8:0:0::7" });
  const b = await buildActionPlan(ID, input, { ip: "2001:db8::0:7" });
  assert.equal(a.planHash, b.planHash);
  assert.deepEqual(a.targets.ips, ["2001:db8::7"]);
  const c = await buildActionPlan(ID, input, { ip: "2001:db8::7", durationSec: 86400 });
  assert.notEqual(a.planHash, c.planHash);
});

Deno.test("[remediation] block-ip: address policy", async () => {
  const input = await fixtureInput("status-drift.json");
  const refused = async (params: Record<string, unknown>, field: string, re: RegExp) => {
    await assert.rejects(
      () => buildActionPlan(ID, input, params),
      (e: unknown) =>
        e instanceof PlanError && e.code === "invalid_params" && e.field === field &&
        re.test(e.message),
      JSON.stringify(params),
    );
  };
  await refused({ ip: "10.0.0.5" }, "ip", /private.*allowPrivate/);
  await refused({ ip: "fe80::1" }, "ip", /link-local/);
  await refused({ ip: "127.0.0.1", allowPrivate: true }, "ip", /loopback.*never/);
  await refused({ ip: "::ffff:203.0.113.7" }, "ip", /plain IPv4/);
  await refused({ ip: "198.51.0.0/16" }, "ip", /wider than \/24/);
  await refused({ ip: "2001:db8::/48" }, "ip", /wider than \/64/);
  await refused({ ip: "198.51.100.7/24" }, "ip", /network form/);
  await refused({ ip: "203.0.113.7; reboot" }, "ip", /one IPv4 or IPv6/);
  await refused({ ip: "203.0.113.7", durationSec: 60 }, "durationSec", /ladder rung/);
  await refused({}, "ip", /./);
  const priv = await buildActionPlan(ID, input, { ip: "10.0.0.0/24", allowPrivate: true });
  assert.deepEqual(priv.targets.ips, ["10.0.0.0/24"]);
  const v6net = await buildActionPlan(ID, input, { ip: "2001:db8:1:2::/64" });
  assert.equal(v6net.steps[0].argv[4], "2001:db8:1:2::/64");
});

Deno.test("[remediation] block-ip: verify is inconclusive (snapshots carry no address rules)", async () => {
  const input = await fixtureInput("status-drift.json");
  const plan = await buildActionPlan(ID, input, { ip: "203.0.113.7" });
  const v = verifyActionPlan(plan, input);
  assert.deepEqual([v.verified, v.inconclusive], [false, true]);
});
