/**
 * Property test: thousands of random argv (untouched catalog argv, catalog argv with one hostile
 * piece injected, and fully random ones: `;`, `$(…)`, backticks, `sudo ls; anything`,
 * `/bin/sh -c`, unicode tricks, `..` and relative paths) through the guard. Whatever it approves
 * must pass the independent oracle, and every injected argv the oracle refuses must be refused.
 */
import assert from "node:assert/strict";
import { buildActionPlan } from "@/lib/remediation/plans.ts";
import { argvProblems } from "@/lib/remediation/guard.ts";
import { guardPolicy } from "@/lib/remediation/profiles.ts";
import { CATALOG_EXECUTABLES } from "@/lib/remediation/catalog/mod.ts";
import type { JobMode, PlanInput } from "@/lib/remediation/types.ts";
import { fixtureStatus } from "./plan_inputs.ts";
import { LISTS, NASTY, oracle, randomString, Rng, SEED } from "./fuzz_support.ts";

Deno.test("[remediation] fuzz: the oracle itself rejects known-bad argv", () => {
  for (
    const argv of [
      ["/bin/sh", "-c", "x"],
      ["/usr/sbin/ufw", "a;b"],
      ["/usr/sbin/ufw", "$(id)"],
      ["/usr/sbin/ufw", "a b"],
      ["/usr/sbin/ufw", "\u202e"],
      ["ufw"],
      ["/usr/bin/rm", "-f", "/etc/../x"],
    ]
  ) assert.notEqual(oracle(argv, "execute"), null, JSON.stringify(argv));
  assert.equal(oracle(["/usr/sbin/ufw", "status"], "execute"), null);
});

const ARGV0 = [
  ...CATALOG_EXECUTABLES.map((e) => e.path),
  "/bin/sh",
  "/usr/bin/bash",
  "/tmp/bash",
  "/usr/bin/env",
  "/usr/bin/sudo",
  "/usr/bin/python3",
  "ufw",
  "./ufw",
  "../usr/sbin/ufw",
  "/usr/sbin/./ufw",
  "/usr/sbin/../sbin/ufw",
  "/usr//sbin/ufw",
  "/usr/sbin/ufw/",
  "/usr/sbin/ufw\u200b",
  "\uff0fbin\uff0fsh",
  "/usr/sbin/ufw ",
  "/usr/sbin/ufw;",
  "sudo ls; anything",
  "/bin/sh -c id",
  "",
];

Deno.test("[remediation] fuzz: the guard never approves a forbidden argv", async () => {
  const rng = new Rng(SEED ^ 0xa5a5);
  const policy = guardPolicy("rapid");
  const drift = { snapshot: fixtureStatus("status-drift.json"), signals: [], snapshotTs: null };
  const input: PlanInput = { host: { id: "h", name: "h", orgId: "o" }, ...drift };
  const ioc: PlanInput = { ...input, snapshot: fixtureStatus("status-ioc-outbound.json") };
  const seeds: Array<{ argv: string[]; mode: JobMode }> = [];
  for (
    const [id, params, at] of [
      ["lockdown-access-surface", {}, input],
      ["quarantine-unexpected-listener", { port: "tcp:6379" }, input],
      ["quarantine-unexpected-listener", { port: "tcp:8080", method: "kill" }, input],
      ["harden-ssh-auth", {}, input],
      ["verify-system-drift", { packages: ["openssh-server"] }, input],
      ["collect-forensics-first", {}, ioc],
      ["block-ip", { ip: "2001:db8::7" }, input],
    ] as const
  ) {
    const plan = await buildActionPlan(id, at, params);
    for (const [list, mode] of LISTS) {
      for (const s of plan[list]) seeds.push({ argv: s.argv, mode });
    }
  }
  let approved = 0;
  let injected = 0;
  for (let i = 0; i < 6_000; i++) {
    let argv: string[];
    let mode: JobMode;
    let poisoned = false;
    const kind = rng.next();
    if (kind < 0.3) {
      ({ argv, mode } = rng.pick(seeds));
    } else if (kind < 0.7) {
      const seed = rng.pick(seeds);
      argv = [...seed.argv];
      mode = rng.chance(0.8) ? seed.mode : rng.pick(["dry-run", "execute", "rollback", "verify"]);
      const at = rng.int(0, argv.length);
      const piece = rng.pick(NASTY);
      if (rng.chance(0.5) && at < argv.length) argv[at] = argv[at] + piece;
      else argv.splice(at, 0, piece);
      poisoned = oracle(argv, mode) !== null;
    } else {
      argv = [rng.pick(ARGV0), ...Array.from({ length: rng.int(0, 6) }, () => randomString(rng))];
      mode = rng.pick(["dry-run", "execute", "rollback", "verify"]);
    }
    const problems = argvProblems(argv, mode, policy);
    if (poisoned) {
      injected++;
      assert.ok(problems.length > 0, `approved poisoned ${JSON.stringify(argv)} (${mode})`);
    }
    if (problems.length === 0) {
      approved++;
      assert.equal(oracle(argv, mode), null, `guard approved ${JSON.stringify(argv)} (${mode})`);
    }
  }
  assert.ok(approved >= 1_000, `only ${approved} approvals: the generator is too hostile`);
  assert.ok(injected >= 1_000, `only ${injected} poisoned cases`);
});
