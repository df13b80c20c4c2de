import assert from "node:assert/strict";
import {
  CATALOG_EXECUTABLES,
  catalogAction,
  catalogActions,
  rankActionsForSignals,
} from "@/lib/remediation/catalog/mod.ts";
import { RISK_TIERS } from "@/lib/remediation/types.ts";
import { fixtureInput } from "../plan_inputs.ts";

Deno.test("[remediation] catalog: six typed, versioned actions with the §1.2 shape", () => {
  const ids = catalogActions().map((a) => a.id).sort();
  assert.deepEqual(ids, [
    "block-ip",
    "collect-forensics-first",
    "harden-ssh-auth",
    "lockdown-access-surface",
    "quarantine-unexpected-listener",
    "verify-system-drift",
  ]);
  for (const a of catalogActions()) {
    assert.ok(Number.isInteger(a.version) && a.version >= 1, a.id);
    assert.ok(RISK_TIERS.includes(a.riskTier), a.id);
    assert.ok(a.addresses.length > 0, a.id);
    if (a.reversible) {
      assert.ok(a.confirmWindowSec! >= 120 && a.confirmWindowSec! <= 600, a.id);
    }
    assert.equal(catalogAction(a.id), a);
  }
  assert.equal(catalogAction("constructor"), null);
  assert.equal(catalogAction("ufw-deny-port"), null);
  assert.ok(CATALOG_EXECUTABLES.every((e) => e.path.startsWith("/") && e.modes.length > 0));
});

Deno.test("[remediation] catalog: ranking for the fixtures' findings", async () => {
  const drift = await fixtureInput("status-drift.json");
  const ranked = rankActionsForSignals(drift.signals);
  // self_integrity_changed means possible compromise: evidence first.
  assert.equal(ranked[0].actionId, "collect-forensics-first");
  assert.match(ranked[0].reason, /capture evidence/);
  assert.ok(ranked.some((o) => o.actionId === "lockdown-access-surface"));
  const ports = rankActionsForSignals([{ code: "unexpected_public_port", severity: "high" }]);
  assert.deepEqual(ports.map((o) => o.actionId), [
    "lockdown-access-surface",
    "quarantine-unexpected-listener",
    "collect-forensics-first",
  ]);
  const ssh = rankActionsForSignals(["ssh_noise_spike"]);
  assert.deepEqual(ssh.map((o) => o.actionId), ["block-ip", "harden-ssh-auth"]);
  assert.deepEqual(rankActionsForSignals(["cpu_hotspot"]), []);
  const ioc = rankActionsForSignals((await fixtureInput("status-ioc-outbound.json")).signals);
  assert.equal(ioc[0].actionId, "collect-forensics-first");
});
