import assert from "node:assert/strict";
import { schedulerHeartbeatKey } from "@/lib/db/kv.ts";
import { checkReadiness, SCHEDULER_STALE_AFTER_MS } from "@/lib/ops/readiness.ts";
import { openTestServices } from "../../support/test_services.ts";

const MINUTE = 60_000;

Deno.test("[ops] readiness: ok on fresh, migrated services", async () => {
  await using services = await openTestServices();
  const readiness = await checkReadiness(services, { uptimeMs: 1000 });
  assert.equal(readiness.ok, true, JSON.stringify(readiness));
  for (const name of ["kv", "ledger", "migrations"] as const) {
    assert.equal(readiness.checks[name].ok, true, name);
    assert.equal(typeof readiness.checks[name].ms, "number");
  }
  assert.deepEqual(readiness.checks.scheduler, { ok: true, detail: "no heartbeat yet", ms: 0 });
});

Deno.test("[ops] readiness: not ok when a migration is pending, naming it", async () => {
  await using services = await openTestServices({ migrate: false });
  const readiness = await checkReadiness(services, { uptimeMs: 1000 });
  assert.equal(readiness.ok, false);
  assert.equal(readiness.checks.kv.ok, true);
  assert.equal(readiness.checks.ledger.ok, true);
  assert.equal(readiness.checks.migrations.ok, false);
  assert.match(
    readiness.checks.migrations.detail ?? "",
    /pending migrations: 2026_11_25_0001_foundation, .*\(run "deno task db:migrate"\)/,
  );
});

Deno.test("[ops] readiness: not ok when the ledger is unreachable", async () => {
  await using services = await openTestServices();
  await services.ledger.close();
  const readiness = await checkReadiness(services, { uptimeMs: 1000 });
  assert.equal(readiness.ok, false);
  assert.equal(readiness.checks.ledger.ok, false);
  assert.ok(readiness.checks.ledger.detail);
  assert.equal(readiness.checks.kv.ok, true);
});

Deno.test("[ops] readiness: not ok when KV is closed; scheduler then not reported", async () => {
  await using services = await openTestServices();
  services.kv.close();
  const readiness = await checkReadiness(services, { uptimeMs: 1000 });
  assert.equal(readiness.ok, false);
  assert.equal(readiness.checks.kv.ok, false);
  assert.equal(readiness.checks.scheduler, undefined);
});

Deno.test("[ops] readiness: the heartbeat age is informational until clearly stale", async () => {
  await using services = await openTestServices();
  await services.kv.set(schedulerHeartbeatKey(), { at: services.clock.now().toISOString() });
  services.clock.advance(30_000);
  const fresh = await checkReadiness(services, { uptimeMs: 60 * MINUTE });
  assert.equal(fresh.ok, true);
  assert.match(fresh.checks.scheduler?.detail ?? "", /last heartbeat 30 s ago/);

  services.clock.advance(SCHEDULER_STALE_AFTER_MS);
  const justStarted = await checkReadiness(services, { uptimeMs: MINUTE });
  assert.equal(justStarted.ok, true, "a process up for a minute is not blamed");

  const stale = await checkReadiness(services, { uptimeMs: 60 * MINUTE });
  assert.equal(stale.ok, false);
  assert.equal(stale.checks.scheduler?.ok, false);
  assert.match(stale.checks.scheduler?.detail ?? "", /scheduler stalled/);
});

Deno.test("[ops] readiness: no heartbeat at all fails only after the warm-up", async () => {
  await using services = await openTestServices();
  const early = await checkReadiness(services, { uptimeMs: MINUTE });
  assert.equal(early.ok, true);
  const late = await checkReadiness(services, { uptimeMs: 10 * MINUTE });
  assert.equal(late.ok, false);
  assert.match(late.checks.scheduler?.detail ?? "", /no heartbeat after 5 min of uptime/);
});
