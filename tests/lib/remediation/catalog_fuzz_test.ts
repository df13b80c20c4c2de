/**
 * Property test: thousands of random params (valid ones, adversarial strings that happen to be
 * valid, and garbage) and hostile snapshots through every catalog action. Every plan that gets
 * built must pass the strict guard policy and the independent oracle in all three step lists.
 */
import assert from "node:assert/strict";
import { buildActionPlan } from "@/lib/remediation/plans.ts";
import { checkPlanArgv } from "@/lib/remediation/guard.ts";
import { guardPolicy } from "@/lib/remediation/profiles.ts";
import { catalogActions } from "@/lib/remediation/catalog/mod.ts";
import { REVERSIBLE_EXECUTE_BUDGET_MS, totalTimeoutMs } from "@/lib/remediation/catalog/steps.ts";
import { PlanError, type PlanInput } from "@/lib/remediation/types.ts";
import { fixtureStatus, type Json } from "./plan_inputs.ts";
import { LISTS, NASTY, oracle, randomString, randomValue, Rng, SEED } from "./fuzz_support.ts";

function randomIp(rng: Rng): string {
  if (rng.chance(0.5)) {
    const ip = Array.from({ length: 4 }, () => rng.int(0, 255)).join(".");
    return rng.chance(0.2) ? `${ip}/${rng.int(16, 33)}` : ip;
  }
  const groups = Array.from(
    { length: 8 },
    () => rng.int(0, 3) === 0 ? "0" : rng.int(0, 0xffff).toString(16),
  );
  let text = groups.join(":");
  if (rng.chance(0.4)) text = text.replace(/(^|:)0(:0)+(:|$)/, "::");
  if (rng.chance(0.3)) text = text.toUpperCase();
  return rng.chance(0.2) ? `${text}/${rng.int(48, 129)}` : text;
}

function portSpec(rng: Rng, known: string[]): string {
  if (known.length && rng.chance(0.6)) return rng.pick(known);
  return rng.chance(0.7) ? `${rng.pick(["tcp", "udp"])}:${rng.int(0, 70_000)}` : randomString(rng);
}

function unitLike(rng: Rng): string {
  const alphabet = "abcXYZ019@._:-";
  let name = "";
  for (let i = rng.int(0, 12); i > 0; i--) name += alphabet[rng.int(0, alphabet.length - 1)];
  if (rng.chance(0.2)) name += rng.pick(NASTY);
  return rng.chance(0.85) ? `${name}.service` : name;
}

function randomParams(rng: Rng, actionId: string, known: string[]): unknown {
  if (rng.chance(0.08)) return rng.chance(0.5) ? randomValue(rng) : { [randomString(rng)]: 1 };
  const maybe = (v: unknown) => (rng.chance(0.8) ? v : randomValue(rng));
  switch (actionId) {
    case "lockdown-access-surface":
      return rng.chance(0.3) ? {} : {
        ports: Array.from({ length: rng.int(0, 4) }, () => maybe(portSpec(rng, known))),
      };
    case "quarantine-unexpected-listener":
      return {
        port: maybe(portSpec(rng, known)),
        ...(rng.chance(0.5) ? { method: maybe(rng.pick(["auto", "systemd", "kill"])) } : {}),
        ...(rng.chance(0.4) ? { unit: maybe(unitLike(rng)) } : {}),
        ...(rng.chance(0.3) ? { signal: maybe(rng.pick(["TERM", "KILL"])) } : {}),
      };
    case "harden-ssh-auth":
      return {
        disablePasswordLogin: maybe(rng.chance(0.7)),
        disableRootLogin: maybe(rng.chance(0.7)),
        ...(rng.chance(0.5) ? { sshUnit: maybe(rng.pick(["ssh.service", "sshd.service"])) } : {}),
      };
    case "verify-system-drift":
      return {
        ...(rng.chance(0.6)
          ? {
            packages: Array.from({ length: rng.int(0, 5) }, () =>
              maybe(randomString(rng).toLowerCase() || "pkg")),
          }
          : {}),
        includeDebsums: maybe(rng.chance(0.5)),
      };
    case "collect-forensics-first":
      return {
        ...(rng.chance(0.6)
          ? { pids: Array.from({ length: rng.int(0, 7) }, () => maybe(rng.int(-3, 4_200_000))) }
          : {}),
        ...(rng.chance(0.4) ? { journalSinceMinutes: maybe(rng.int(0, 2_000)) } : {}),
        ...(rng.chance(0.4) ? { journalLines: maybe(rng.int(0, 6_000)) } : {}),
      };
    default:
      return {
        ip: rng.chance(0.85) ? randomIp(rng) : randomString(rng),
        allowPrivate: maybe(rng.chance(0.3)),
        ...(rng.chance(0.5)
          ? { durationSec: maybe(rng.pick([900, 3600, 86400, 604800, 60])) }
          : {}),
      };
  }
}

/** The drift fixture with hostile values sprinkled where plan builders read. */
function hostileSnapshot(rng: Rng, base: Json): Json {
  const s = structuredClone(base);
  const lists = [s.ports_public, s.ports_public_unexpected] as Json[][];
  if (rng.chance(0.5)) {
    const extra: Json = {
      proto: rng.pick(["tcp", "udp", "TCP", "sctp", randomString(rng)]),
      port: rng.chance(0.7) ? rng.int(-1, 70_000) : randomValue(rng),
      pid: rng.chance(0.6) ? rng.int(-2, 5_000_000) : randomValue(rng),
      proc: rng.chance(0.2) ? "sshd" : randomString(rng),
      host: "0.0.0.0",
      public: true,
      sig: randomString(rng),
    };
    for (const list of lists) list.push(extra);
  }
  for (const row of ((s.vitals as Json).processes as Json).top as Json[]) {
    if (rng.chance(0.5)) row.unit = unitLike(rng);
    if (rng.chance(0.3)) row.pid = randomValue(rng);
  }
  if (rng.chance(0.5)) {
    const unexpected = s.ports_public_unexpected as Json[];
    const sig = String(rng.pick(unexpected).sig ?? "");
    s.alerts = [{
      code: "public_ports_changed",
      detail: `Added public listeners:\n+ ${sig} (unit=${unitLike(rng)}, exe=/x, pid=${
        rng.int(0, 9)
      })`,
    }];
  }
  (s.threat as Json).suspicious_processes = [{ pid: randomValue(rng), unit: unitLike(rng) }];
  if (rng.chance(0.1)) delete s.ports_public_unexpected;
  return s;
}

const STRICT = guardPolicy("strict");

Deno.test("[remediation] fuzz: no catalog plan escapes the allow rules, whatever the params and snapshot", async () => {
  const rng = new Rng(SEED);
  const base = fixtureStatus("status-drift.json");
  const built = new Map<string, number>();
  const cases = 4_000;
  for (let i = 0; i < cases; i++) {
    const action = rng.pick(catalogActions());
    const status = hostileSnapshot(rng, base);
    const input: PlanInput = {
      host: { id: "host_fuzz", name: "fuzz", orgId: "org_fuzz" },
      snapshot: status,
      signals: [],
      snapshotTs: "2026-11-24T09:40:03.551Z",
    };
    const known = ((status.ports_public_unexpected as Json[] | undefined) ?? [])
      .map((p) => `${p.proto}:${p.port}`);
    const params = randomParams(rng, action.id, known);
    let plan;
    try {
      plan = await buildActionPlan(action.id, input, params);
    } catch (e) {
      // Refusals are fine; anything else (a TypeError on hostile data) is a bug.
      assert.ok(e instanceof PlanError, `case ${i} ${action.id} ${JSON.stringify(params)}: ${e}`);
      continue;
    }
    built.set(action.id, (built.get(action.id) ?? 0) + 1);
    const why = `case ${i} ${action.id} ${JSON.stringify(params)}`;
    assert.deepEqual(checkPlanArgv(plan, STRICT), [], why);
    for (const [list, mode] of LISTS) {
      for (const step of plan[list]) {
        assert.equal(oracle(step.argv, mode), null, `${why} ${step.argv}`);
      }
    }
    if (plan.reversible) {
      assert.ok(plan.rollbackSteps.length > 0, why);
      assert.ok(totalTimeoutMs(plan.steps) <= REVERSIBLE_EXECUTE_BUDGET_MS, why);
    }
  }
  // Every action must have produced plenty of plans, or the property proved little.
  for (const action of catalogActions()) {
    assert.ok(
      (built.get(action.id) ?? 0) >= 100,
      `${action.id} built ${built.get(action.id)} plans`,
    );
  }
});
