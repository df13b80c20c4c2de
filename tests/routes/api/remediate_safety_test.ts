/**
 * Safety of `/api/remediate` and run decisions around commit-confirm and the kill switch: no
 * second execute of an action while an earlier one on the host is armed (its rollback would undo
 * the second change), no approval while remediation is frozen, and the freeze reason in refusals.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { confirmDeadline } from "@/lib/remediation/outcomes.ts";
import { getRun } from "@/lib/remediation/runs.ts";
import { dispatchRun } from "@/lib/remediation/lifecycle.ts";
import { remediationWorld } from "../../support/remediation_world.ts";

const LOCKDOWN = "lockdown-access-surface";

type World = Awaited<ReturnType<typeof remediationWorld>>;

async function denials(w: World, action: string) {
  const rows = await w.services.ledger.db.selectFrom("audit_entries")
    .select(["action", "summary", "details"]).where("action", "=", action).execute();
  return rows.map((r) => ({
    summary: r.summary,
    details: (typeof r.details === "string" ? JSON.parse(r.details) : r.details) as Record<
      string,
      unknown
    >,
  }));
}

async function planHash(w: World): Promise<string> {
  const { body } = await w.remediate(w.a.ops, {
    hostId: w.web.host.id,
    actionId: LOCKDOWN,
    mode: "plan",
  });
  return body.plan!.planHash;
}

function executeLockdown(w: World, hash: string) {
  return w.remediate(w.a.ops, {
    hostId: w.web.host.id,
    actionId: LOCKDOWN,
    mode: "execute",
    planHash: hash,
    confirm: `EXECUTE ${LOCKDOWN} ${hash.slice(0, 8)}`,
  });
}

const errorOf = (body: Record<string, unknown>) =>
  body.error as { code: string; message: string; details?: { rule?: string } };

Deno.test("remediate safety: no second execute of an action while an earlier one is armed", async () => {
  await using w = await remediationWorld();
  await w.api(w.a.admin, "PUT", "/api/ops/remediate-policy", { approvalThreshold: "risky_manual" });
  await w.succeededDryRun(w.a.ops, LOCKDOWN);
  const hash = await planHash(w);
  const first = await executeLockdown(w, hash);
  equal(first.status, 202, JSON.stringify(first.body));
  const armed = await w.runOnHost(first.body.run!.id);
  equal(armed.state, "succeeded");
  equal(armed.confirmState, "armed");
  const deadline = armed.confirmDeadline!.toISOString();

  // Past the cooldown (5 min in balanced) but inside the confirm window (10 min).
  w.services.clock.advance(301_000);
  ok(w.services.clock.now() < armed.confirmDeadline!, "still inside the confirm window");
  const second = await executeLockdown(w, hash);
  equal(second.status, 409, JSON.stringify(second.body));
  const error = errorOf(second.body);
  equal(error.code, "armed_run_pending");
  match(error.message, new RegExp(armed.id));
  match(error.message, new RegExp(deadline.replace(/\./g, "\\.")));
  const denied = await denials(w, "remediation.request.denied");
  ok(
    denied.some((d) => d.details.rule === "armed_run_pending" && d.details.mode === "execute"),
    JSON.stringify(denied),
  );

  // The plan preview names it among the refusals an execute would meet.
  const { body: preview } = await w.remediate(w.a.ops, {
    hostId: w.web.host.id,
    actionId: LOCKDOWN,
    mode: "plan",
  });
  const guard = preview.guard as { rule: string }[];
  ok(guard.some((g) => g.rule === "armed_run_pending"), JSON.stringify(guard));

  // Dry-runs stay allowed.
  const dry = await w.dryRun(w.a.ops, LOCKDOWN);
  equal(dry.status, 202, JSON.stringify(dry.body));
  await w.runOnHost(dry.body.run!.id);

  // Once the deadline has rolled the first run back, an execute is accepted again.
  w.services.clock.advance(armed.plan.confirmWindowSec! * 1000);
  await confirmDeadline(w.services, armed.id);
  equal((await getRun(w.services.ledger, armed.id))!.confirmState, "rolled-back");
  const third = await executeLockdown(w, hash);
  equal(third.status, 202, JSON.stringify(third.body));
});

Deno.test("remediate safety: the kill-switch refusal of an execute names the freeze reason", async () => {
  await using w = await remediationWorld();
  await w.api(w.a.admin, "PUT", "/api/ops/remediate-policy", { approvalThreshold: "risky_manual" });
  await w.succeededDryRun(w.a.ops, LOCKDOWN);
  const hash = await planHash(w);
  const freeze = await w.api(w.a.admin, "PUT", "/api/ops/remediate-policy", {
    frozen: true,
    frozenReason: "incident 12: disk forensics",
  });
  equal(freeze.status, 200);
  const refused = await executeLockdown(w, hash);
  equal(refused.status, 423, JSON.stringify(refused.body));
  const error = errorOf(refused.body);
  equal(error.code, "kill_switch");
  match(error.message, /reason: incident 12: disk forensics/);
});

Deno.test("remediate safety: no approval while remediation is frozen; reject and cancel still work", async () => {
  await using w = await remediationWorld();
  await w.succeededDryRun(w.a.ops, LOCKDOWN);
  const hash = await planHash(w);
  const setFrozen = async (frozen: boolean) => {
    const res = await w.api(w.a.admin, "PUT", "/api/ops/remediate-policy", {
      frozen,
      ...(frozen ? { frozenReason: "incident 12" } : {}),
    });
    equal(res.status, 200);
  };
  const decide = (runId: string, decision: string) =>
    w.api(w.a.admin, "POST", "/api/ops/remediate-queue", { runId, decision });
  const awaiting = async () => {
    const res = await executeLockdown(w, hash);
    equal(res.status, 202, JSON.stringify(res.body));
    equal(res.body.run!.state, "awaiting-approval");
    return res.body.run!.id;
  };

  const first = await awaiting();
  await setFrozen(true);
  const approve = await decide(first, "approve");
  equal(approve.status, 423);
  const error = (await approve.json()).error;
  equal(error.code, "kill_switch");
  equal(
    error.message,
    "Remediation is frozen (reason: incident 12): approve after the freeze is lifted.",
  );
  equal((await getRun(w.services.ledger, first))!.state, "awaiting-approval");
  const denied = await denials(w, "remediation.run.approve.denied");
  ok(denied.some((d) => /frozen/.test(d.summary)), JSON.stringify(denied));

  // Rejecting stays allowed while frozen.
  const reject = await decide(first, "reject");
  equal(reject.status, 200);
  equal((await reject.json()).run.state, "canceled");

  // Cancelling too.
  await setFrozen(false);
  w.services.clock.advance(301_000);
  const second = await awaiting();
  await setFrozen(true);
  const cancel = await decide(second, "cancel");
  equal(cancel.status, 200);
  equal((await cancel.json()).run.state, "canceled");

  // Once the freeze is lifted, approval works as before.
  await setFrozen(false);
  w.services.clock.advance(301_000);
  const third = await awaiting();
  const approved = await decide(third, "approve");
  equal(approved.status, 200);
  deepEqual((await approved.json()).run.state, "queued");
});

Deno.test("remediate safety: an execute queued before another armed waits until that one settles", async () => {
  await using w = await remediationWorld();
  await w.api(w.a.admin, "PUT", "/api/ops/remediate-policy", { approvalThreshold: "risky_manual" });
  await w.succeededDryRun(w.a.ops, LOCKDOWN);
  const hash = await planHash(w);
  const first = await executeLockdown(w, hash);
  equal(first.status, 202, JSON.stringify(first.body));
  // Past the cooldown, the first not run yet: a second execute is accepted and queued.
  w.services.clock.advance(301_000);
  const second = await executeLockdown(w, hash);
  equal(second.status, 202, JSON.stringify(second.body));
  // Now the first runs and arms; the second's dispatch holds it back.
  const armed = await w.runOnHost(first.body.run!.id);
  equal(armed.confirmState, "armed");
  const held = await dispatchRun(w.services, second.body.run!.id);
  equal(held?.state, "queued", "held while the first is armed");
  equal((await getRun(w.services.ledger, second.body.run!.id))!.attempts, 0);
  // Once the first is settled (its deadline passed: rolled back), the second dispatches.
  w.services.clock.advance(armed.confirmDeadline!.getTime() - w.services.clock.now().getTime());
  await confirmDeadline(w.services, armed.id);
  const settled = await getRun(w.services.ledger, armed.id);
  ok(settled!.confirmState !== "armed", `settled: ${settled!.confirmState}`);
  const sent = await dispatchRun(w.services, second.body.run!.id);
  equal(sent?.state, "dispatched");
});
