import { deepEqual, equal, match, notEqual, ok } from "node:assert/strict";
import { dispatchRun, drainQueue, expireRun } from "@/lib/remediation/lifecycle.ts";
import { confirmDeadline } from "@/lib/remediation/outcomes.ts";
import { getJob } from "@/lib/remediation/job_rows.ts";
import { rotateJobSigningKey } from "@/lib/remediation/job_keys.ts";
import { getRun, listRuns } from "@/lib/remediation/runs.ts";
import { createQueueDispatcher } from "@/jobs/queue.ts";
import { createQueueHandlers } from "@/jobs/mod.ts";
import { remediationWorld } from "../../support/remediation_world.ts";
import { createHostViaApi, fixtureJson, pushStatus } from "../../support/hosts_api.ts";

const LOCKDOWN = "lockdown-access-surface";

async function runsOf(w: Awaited<ReturnType<typeof remediationWorld>>) {
  return await listRuns(w.services.ledger, w.orgA.id, { limit: 200 });
}

async function auditActions(w: Awaited<ReturnType<typeof remediationWorld>>, prefix: string) {
  const rows = await w.services.ledger.db.selectFrom("audit_entries").select("action")
    .where("action", "like", `${prefix}%`).execute();
  return rows.map((r) => r.action);
}

Deno.test("remediate: plan for a viewer, dry-run and execute only for ops", async () => {
  await using w = await remediationWorld();
  const plan = await w.remediate(w.a.viewer, {
    hostId: w.web.host.id,
    actionId: LOCKDOWN,
    mode: "plan",
  });
  equal(plan.status, 200, JSON.stringify(plan.body));
  match(plan.body.plan!.planHash, /^[0-9a-f]{64}$/);
  const argv = plan.body.plan!.steps.map((s) => s.argv.join(" ")).join("\n");
  match(argv, /6379/);
  equal(plan.body.executePhrase, `EXECUTE ${LOCKDOWN} ${plan.body.plan!.planHash.slice(0, 8)}`);

  const denied = await w.dryRun(w.a.viewer, LOCKDOWN);
  equal(denied.status, 403);
  equal((denied.body.error as { code: string }).code, "role_required");
  deepEqual(await runsOf(w), []);
  ok((await auditActions(w, "remediation.request.denied")).length >= 1);
});

Deno.test("remediate: bad input is a 4xx naming the problem and queues nothing", async () => {
  await using w = await remediationWorld();
  const other = await createHostViaApi(w, "db-1");
  const hostB = await w.services.ledger.db.insertInto("hosts").values({
    id: "host_orgb_1",
    org_id: w.orgB.id,
    name: "b",
    slug: "b",
    group_name: null,
    tags: "[]",
    scopes: "[]",
    rollout_priority: 0,
    paused: 0,
    disabled_at: null,
    ingest_mode: "bearer",
    created_at: new Date(),
  }).execute().then(() => "host_orgb_1").catch(() => "host_orgb_1");
  const webBreaches = await w.api(w.a.viewer, "GET", `/api/hosts/${w.web.host.id}/breaches`);
  const webBreach: string = (await webBreaches.json()).breaches[0].id;
  const cases: [Record<string, unknown>, number, string][] = [
    [{ hostId: w.web.host.id, actionId: "rm-rf", mode: "dry-run" }, 404, "unknown_action"],
    [
      { hostId: w.web.host.id, actionId: "block-ip", params: { ip: "not an ip" }, mode: "dry-run" },
      400,
      "invalid_params",
    ],
    [{ hostId: hostB, actionId: LOCKDOWN, mode: "dry-run" }, 404, "host_not_found"],
    [{ hostId: w.web.host.id, actionId: LOCKDOWN, mode: "destroy" }, 400, "invalid_input"],
    [
      {
        hostId: w.web.host.id,
        actionId: LOCKDOWN,
        mode: "execute",
        planHash: "0".repeat(64),
        confirm: "x",
      },
      409,
      "plan_changed",
    ],
    // A host without snapshots has nothing to lock down.
    [{ hostId: other.host.id, actionId: LOCKDOWN, mode: "dry-run" }, 422, "no_port_data"],
    // The breach a run fixes must be the host's own (its success marks that breach mitigated).
    [
      { hostId: other.host.id, actionId: LOCKDOWN, mode: "dry-run", breachId: webBreach },
      400,
      "invalid_input",
    ],
    [
      { hostId: w.web.host.id, actionId: LOCKDOWN, mode: "dry-run", breachId: "brk_nowhere" },
      400,
      "invalid_input",
    ],
  ];
  for (const [body, status, code] of cases) {
    const res = await w.remediate(w.a.ops, body);
    equal(res.status, status, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
    const error = res.body.error as { code: string; details?: { field?: string } };
    if (code !== "no_port_data") equal(error.code, code);
    if (code === "invalid_params") match(error.details!.field!, /^params\.ip/);
    if ("breachId" in body) equal(error.details!.field, "breachId");
  }
  deepEqual(await runsOf(w), []);
});

Deno.test("remediate: execute needs the phrase, the current hash, a dry-run, and another approver", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  const { body: preview } = await w.remediate(w.a.ops, {
    hostId: host,
    actionId: LOCKDOWN,
    mode: "plan",
  });
  const hash = preview.plan!.planHash;
  const phrase = `EXECUTE ${LOCKDOWN} ${hash.slice(0, 8)}`;
  const execute = (confirm: string, planHash = hash) =>
    w.remediate(w.a.ops, { hostId: host, actionId: LOCKDOWN, mode: "execute", planHash, confirm });

  const noDryRun = await execute(phrase);
  equal(noDryRun.status, 409);
  equal((noDryRun.body.error as { code: string }).code, "dry_run_required");

  const dry = await w.succeededDryRun(w.a.ops, LOCKDOWN);
  equal(dry.planHash, hash);
  const job = await getJob(w.services.ledger, dry.jobJti!);
  equal(job!.mode, "dry-run");
  const denies = job!.claims.steps.filter((s) => s.argv.includes("deny"));
  ok(denies.length > 0 && denies.every((s) => s.argv.includes("--dry-run")), "check-mode argv");

  const wrongPhrase = await execute(`EXECUTE ${LOCKDOWN} 00000000`);
  equal(wrongPhrase.status, 400);
  equal((wrongPhrase.body.error as { code: string }).code, "confirmation_mismatch");

  const queued = await execute(phrase);
  equal(queued.status, 202, JSON.stringify(queued.body));
  const run = queued.body.run!;
  equal(run.state, "awaiting-approval"); // guarded_auto ≥ the balanced threshold

  const self = await w.api(w.a.ops, "POST", "/api/ops/remediate-queue", {
    runId: run.id,
    decision: "approve",
  });
  equal(self.status, 403);
  equal((await self.json()).error.code, "approval_by_requester");
  const approved = await w.api(w.a.admin, "POST", "/api/ops/remediate-queue", {
    runId: run.id,
    decision: "approve",
  });
  equal(approved.status, 200);
  equal((await approved.json()).run.state, "queued");
  const again = await w.api(w.a.owner, "POST", "/api/ops/remediate-queue", {
    runId: run.id,
    decision: "approve",
  });
  equal(again.status, 409);

  const done = await w.runOnHost(run.id);
  equal(done.state, "succeeded");
  equal(done.verification, "pending");
  equal(done.confirmState, "armed", "a reversible execute arms commit-confirm");
  const executeJob = await getJob(w.services.ledger, done.jobJti!);
  ok(executeJob!.claims.confirm, "the execute job embeds its rollback token");
  ok((await auditActions(w, "remediation.")).includes("remediation.run.approve"));
});

Deno.test("remediate: commit-confirm without a healthy snapshot releases the rollback", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  await w.succeededDryRun(w.a.ops, LOCKDOWN);
  await w.api(w.a.admin, "PUT", "/api/ops/remediate-policy", { approvalThreshold: "risky_manual" });
  const { body: preview } = await w.remediate(w.a.ops, {
    hostId: host,
    actionId: LOCKDOWN,
    mode: "plan",
  });
  const hash = preview.plan!.planHash;
  const res = await w.remediate(w.a.ops, {
    hostId: host,
    actionId: LOCKDOWN,
    mode: "execute",
    planHash: hash,
    confirm: `EXECUTE ${LOCKDOWN} ${hash.slice(0, 8)}`,
  });
  equal(res.status, 202, JSON.stringify(res.body));
  equal(res.body.run!.state, "queued");
  const run = await w.runOnHost(res.body.run!.id);
  equal(run.confirmState, "armed");
  const reserved = await getJob(w.services.ledger, run.rollbackJti!);
  equal(reserved!.state, "reserved");

  await confirmDeadline(w.services, run.id); // too early: nothing happens
  equal((await getJob(w.services.ledger, run.rollbackJti!))!.state, "reserved");
  w.services.clock.advance((run.plan.confirmWindowSec! + 1) * 1000);
  await confirmDeadline(w.services, run.id);
  await confirmDeadline(w.services, run.id); // duplicate delivery
  const after = (await getRun(w.services.ledger, run.id))!;
  equal(after.confirmState, "rolled-back");
  const released = (await getJob(w.services.ledger, run.rollbackJti!))!;
  equal(released.state, "created", "the rollback job is deliverable");
  equal(released.claims.mode, "rollback");
  equal(released.claims.rollbackOf, run.jobJti);
});

Deno.test("remediate: guards refuse with the rule's name and audit it", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  await w.api(w.a.admin, "PUT", "/api/ops/remediate-policy", { approvalThreshold: "risky_manual" });
  await w.succeededDryRun(w.a.ops, LOCKDOWN);
  const { body: preview } = await w.remediate(w.a.ops, {
    hostId: host,
    actionId: LOCKDOWN,
    mode: "plan",
  });
  const hash = preview.plan!.planHash;
  const execute = () =>
    w.remediate(w.a.ops, {
      hostId: host,
      actionId: LOCKDOWN,
      mode: "execute",
      planHash: hash,
      confirm: `EXECUTE ${LOCKDOWN} ${hash.slice(0, 8)}`,
    });

  // Kill switch: frozen → 423, nothing queued.
  const frozen = await w.api(w.a.admin, "PUT", "/api/ops/remediate-policy", {
    frozen: true,
    frozenReason: "incident 12",
  });
  equal(frozen.status, 200);
  const refused = await execute();
  equal(refused.status, 423, JSON.stringify(refused.body));
  equal((refused.body.error as { code: string }).code, "kill_switch");
  await w.api(w.a.admin, "PUT", "/api/ops/remediate-policy", { frozen: false });
  const viewerFreeze = await w.api(w.a.ops, "PUT", "/api/ops/remediate-policy", { frozen: true });
  equal(viewerFreeze.status, 403);

  // Cooldown: a second execute of the same action within 5 minutes.
  equal((await execute()).status, 202);
  const cooldown = await execute();
  equal(cooldown.status, 429);
  equal((cooldown.body.error as { code: string }).code, "cooldown");
  ok((await auditActions(w, "remediation.request.denied")).length >= 2);

  // Queue cap per host (4 pending in balanced): dry-runs fill it.
  for (let i = 0; i < 3; i++) {
    equal(
      (await w.dryRun(w.a.ops, "collect-forensics-first")).status,
      202,
    );
  }
  const full = await w.dryRun(w.a.ops, "collect-forensics-first");
  equal(full.status, 429, JSON.stringify(full.body));
  equal((full.body.error as { code: string }).code, "host_queue_cap");
});

Deno.test("remediate: self-lockout refuses blocking the requester's own address unless overridden", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  const ip = "203.0.113.7";
  const params = { ip };
  const dry = await w.remediate(w.a.ops, {
    hostId: host,
    actionId: "block-ip",
    params,
    mode: "dry-run",
  }, ip);
  equal(dry.status, 202, "a dry-run changes nothing, so it may name any address");
  await w.runOnHost(dry.body.run!.id);
  const plan = dry.body.plan!;
  const body = {
    hostId: host,
    actionId: "block-ip",
    params,
    mode: "execute",
    planHash: plan.planHash,
    confirm: `EXECUTE block-ip ${plan.planHash.slice(0, 8)}`,
  };
  const locked = await w.remediate(w.a.ops, body, ip);
  equal(locked.status, 409, JSON.stringify(locked.body));
  equal((locked.body.error as { code: string }).code, "self_lockout");
  const overridden = await w.remediate(w.a.ops, {
    ...body,
    override: `OVERRIDE SELF-LOCKOUT ${host} ${plan.planHash.slice(0, 8)}`,
  }, ip);
  equal(overridden.status, 202, JSON.stringify(overridden.body));
});

Deno.test("remediate: queue TTL expiry, and concurrent drains and duplicate deliveries dispatch once", async () => {
  await using w = await remediationWorld();
  const a = await w.dryRun(w.a.ops, "collect-forensics-first");
  const b = await w.dryRun(w.a.ops, "verify-system-drift");
  equal(a.status, 202);
  equal(b.status, 202);

  // Two drains at once, plus the queue's own message delivered twice.
  const dispatch = createQueueDispatcher(createQueueHandlers(w.services), w.services);
  const message = {
    type: "remediation.dispatch",
    id: `dup-${a.body.run!.id}`,
    runId: a.body.run!.id,
  };
  await Promise.all([
    drainQueue(w.services, w.orgA.id),
    drainQueue(w.services, w.orgA.id),
    dispatch(message),
    dispatch(message),
    dispatch({ ...message, id: "another-id" }),
    dispatchRun(w.services, a.body.run!.id),
  ]);
  const jobs = await w.services.ledger.db.selectFrom("remediation_jobs").select(["jti", "run_id"])
    .execute();
  equal(jobs.length, 2, "one job per run");
  notEqual(jobs[0].run_id, jobs[1].run_id);

  // TTL: a queued run not dispatched within 120 minutes expires.
  const c = await w.dryRun(w.a.ops, "collect-forensics-first");
  await expireRun(w.services, c.body.run!.id);
  equal((await getRun(w.services.ledger, c.body.run!.id))!.state, "queued");
  w.services.clock.advance(121 * 60_000);
  await expireRun(w.services, c.body.run!.id);
  equal((await getRun(w.services.ledger, c.body.run!.id))!.state, "expired");
  equal((await dispatchRun(w.services, c.body.run!.id))!.state, "expired");
});

Deno.test("remediate: queue, replay and run history API", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  const a = await w.dryRun(w.a.ops, "collect-forensics-first");
  const queue = await w.api(w.a.ops, "GET", "/api/ops/remediate-queue");
  equal(queue.status, 200);
  deepEqual((await queue.json()).runs.map((r: { id: string }) => r.id), [a.body.run!.id]);
  equal((await w.api(w.a.viewer, "GET", "/api/ops/remediate-queue")).status, 403);

  // Dead-letter by hand (dispatch kept failing), then replay it.
  await w.services.ledger.db.updateTable("remediation_runs")
    .set({ state: "dead-letter", dead_letter_reason: "test" }).where("id", "=", a.body.run!.id)
    .execute();
  const replay = await w.api(w.a.ops, "POST", "/api/ops/remediate-replay", {
    runIds: [a.body.run!.id, "run_nope"],
  });
  equal(replay.status, 200);
  deepEqual(await replay.json(), { ok: true, replayed: [a.body.run!.id], skipped: ["run_nope"] });
  equal((await getRun(w.services.ledger, a.body.run!.id))!.state, "queued");

  const history = await w.api(w.a.viewer, "GET", `/api/hosts/${host}/runs`);
  equal(history.status, 200);
  equal((await history.json()).runs.length, 1);
  const one = await w.api(w.a.viewer, "GET", `/api/remediate/${a.body.run!.id}`);
  equal(one.status, 200);
  equal((await w.api(w.ownerB, "GET", `/api/remediate/${a.body.run!.id}`)).status, 404);
});

Deno.test("remediate: a second org gets 404 or nothing from every run and queue route", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  const runId = (await w.dryRun(w.a.ops, "collect-forensics-first")).body.run!.id;
  const asB = (method: string, path: string, body?: unknown) => w.api(w.ownerB, method, path, body);
  equal((await asB("GET", `/api/remediate/${runId}`)).status, 404);
  equal((await asB("GET", `/api/hosts/${host}/runs`)).status, 404);
  const plan = await w.remediate(w.ownerB, { hostId: host, actionId: LOCKDOWN, mode: "plan" });
  equal(plan.status, 404);
  for (const decision of ["approve", "reject", "cancel"]) {
    const res = await asB("POST", "/api/ops/remediate-queue", { runId, decision });
    equal(res.status, 404, decision);
    equal((await res.json()).error.code, "run_not_found");
  }
  deepEqual((await (await asB("GET", "/api/ops/remediate-queue")).json()).runs, []);
  const replay = await asB("POST", "/api/ops/remediate-replay", { runIds: [runId] });
  deepEqual(await replay.json(), { ok: true, replayed: [], skipped: [runId] });
  const drained = await (await asB("POST", "/api/ops/remediate-drain", {})).json();
  equal(drained.dispatched, 0);
  equal((await asB("PUT", "/api/ops/remediate-policy", { frozen: true })).status, 200);
  const policyA = await (await w.api(w.a.ops, "GET", "/api/ops/remediate-policy")).json();
  equal(policyA.policy.frozen, false, "org B's kill switch leaves org A alone");
  equal((await getRun(w.services.ledger, runId))!.state, "queued", "org A's run is untouched");
});

Deno.test("remediate: no organization rotates the shared job-signing key through the API", async () => {
  await using w = await remediationWorld();
  const before = await (await w.api(w.a.admin, "GET", "/api/ops/job-signing-key")).json();
  equal(before.keys.length, 1);
  equal((await w.api(w.a.ops, "GET", "/api/ops/job-signing-key")).status, 403);
  // The key signs every organization's jobs: an owner (of any organization) cannot rotate it.
  for (const who of [w.a.admin, w.a.owner, w.ownerB]) {
    const res = await w.api(who, "POST", "/api/ops/job-signing-key", { overlapSec: 3600 });
    equal(res.status, 405, "no POST on this URL (key rotation is the operator's task)");
  }
  const after = await (await w.api(w.a.admin, "GET", "/api/ops/job-signing-key")).json();
  deepEqual(after, before, "nothing rotated");
  equal((await auditActions(w, "remediation.job_key.rotate")).length, 0);
  // The operator's rotation (deno task job-key:rotate) is seen at once, both keys trusted.
  const { active, previous } = await rotateJobSigningKey(w.services, { overlapSec: 3600 });
  equal(previous?.kid, before.activeKid);
  const rotated = await (await w.api(w.a.admin, "GET", "/api/ops/job-signing-key")).json();
  deepEqual(rotated.keys.map((k: { kid: string }) => k.kid), [active.kid, before.activeKid]);
});

Deno.test("remediate: a linked breach is mitigated by the run, stays so until a snapshot verifies", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  await w.api(w.a.admin, "PUT", "/api/ops/remediate-policy", { approvalThreshold: "risky_manual" });
  const breaches = await (await w.api(w.a.viewer, "GET", `/api/hosts/${host}/breaches`)).json();
  const redis = breaches.breaches.find((b: { fingerprint: string }) =>
    b.fingerprint.includes("6379")
  );
  ok(redis, "the drift fixture opens a breach for tcp:6379");
  const action = {
    hostId: host,
    actionId: LOCKDOWN,
    params: { ports: ["tcp:6379"] },
    breachId: redis.id,
  };
  const dry = await w.remediate(w.a.ops, { ...action, mode: "dry-run" });
  await w.runOnHost(dry.body.run!.id);
  const hash = dry.body.plan!.planHash;
  const res = await w.remediate(w.a.ops, {
    ...action,
    mode: "execute",
    planHash: hash,
    confirm: `EXECUTE ${LOCKDOWN} ${hash.slice(0, 8)}`,
  });
  equal(res.status, 202, JSON.stringify(res.body));
  await w.runOnHost(res.body.run!.id);
  const breachState = async () =>
    (await (await w.api(w.a.viewer, "GET", `/api/breaches/${redis.id}`)).json()).breach.state;
  equal(await breachState(), "mitigated");

  // The host still shows the port: the run is flagged, the breach stays mitigated.
  const drift = await fixtureJson("status-drift.json");
  w.services.clock.advance(60_000);
  await pushStatus(w, w.web, drift, "2026-11-25T10:01:00.000Z");
  const flagged = (await getRun(w.services.ledger, res.body.run!.id))!;
  equal(flagged.verification, "unverified", flagged.verificationDetail ?? "");
  equal(await breachState(), "mitigated");

  // The port is gone: the breach is fixed by the snapshot.
  const fixed = structuredClone(drift) as Record<string, unknown>;
  for (const key of ["ports_public_unexpected", "ports_public"]) {
    if (Array.isArray(fixed[key])) {
      fixed[key] = (fixed[key] as { port?: number }[]).filter((p) => p.port !== 6379);
    }
  }
  if (Array.isArray(fixed.alerts)) {
    fixed.alerts = (fixed.alerts as unknown[]).filter((a) => !JSON.stringify(a).includes("6379"));
  }
  w.services.clock.advance(60_000);
  await pushStatus(w, w.web, fixed, "2026-11-25T10:02:00.000Z");
  equal(await breachState(), "fixed");
});
