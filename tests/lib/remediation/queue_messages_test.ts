/**
 * The remediation queue messages delivered twice, and again after a restart that cut a delivery
 * short: each consumer acts once (dispatch and confirm-deadline duplicates are also covered in
 * tests/routes/api/remediate_test.ts).
 */
import { equal, ok } from "node:assert/strict";
import { createQueueDispatcher } from "@/jobs/queue.ts";
import { createQueueHandlers } from "@/jobs/mod.ts";
import { getJob } from "@/lib/remediation/job_rows.ts";
import { getRun, type Run } from "@/lib/remediation/runs.ts";
import { type RemediationWorld, remediationWorld } from "../../support/remediation_world.ts";

type MessageType = "remediation.expire" | "remediation.confirm_deadline" | "remediation.unban";

/**
 * Delivers `type` for `runId` through the app's queue dispatcher: two ids at once (a duplicate
 * enqueue racing), then the first id again (a redelivery).
 */
async function deliverTwice(w: RemediationWorld, type: MessageType, runId: string) {
  const dispatch = createQueueDispatcher(createQueueHandlers(w.services), w.services);
  const message = { type, id: `${type}:${runId}:dup`, runId };
  await Promise.all([dispatch(message), dispatch({ ...message, id: `${type}:${runId}:another` })]);
  await dispatch(message);
}

/** Executes `block-ip` on the world's host (dry-run first) and reports it succeeded. */
async function executedBan(w: RemediationWorld): Promise<Run> {
  await w.api(w.a.admin, "PUT", "/api/ops/remediate-policy", { approvalThreshold: "risky_manual" });
  const params = { ip: "198.51.100.23", durationSec: 900 };
  const dry = await w.succeededDryRun(w.a.ops, "block-ip", params);
  const res = await w.remediate(w.a.ops, {
    hostId: w.web.host.id,
    actionId: "block-ip",
    params,
    mode: "execute",
    planHash: dry.planHash,
    confirm: `EXECUTE block-ip ${dry.planHash.slice(0, 8)}`,
  });
  equal(res.status, 202, JSON.stringify(res.body));
  const run = await w.runOnHost(res.body.run!.id);
  equal(run.confirmState, "armed");
  return run;
}

async function jobsOf(w: RemediationWorld, runId: string) {
  return await w.services.ledger.db.selectFrom("remediation_jobs").select(["jti", "mode", "state"])
    .where("run_id", "=", runId).execute();
}

Deno.test("queue messages: remediation.expire delivered twice after the TTL expires the run once", async () => {
  await using w = await remediationWorld();
  const { body } = await w.dryRun(w.a.ops, "collect-forensics-first");
  w.services.clock.advance(121 * 60_000);
  await deliverTwice(w, "remediation.expire", body.run!.id);
  equal((await getRun(w.services.ledger, body.run!.id))!.state, "expired");
  const audits = await w.services.ledger.db.selectFrom("audit_entries").select("action")
    .where("action", "=", "remediation.run.expire").execute();
  equal(audits.length, 1);
});

Deno.test("queue messages: remediation.unban delivered twice sends one unban", async () => {
  await using w = await remediationWorld();
  const run = await executedBan(w);
  // A healthy snapshot confirmed the ban; its time then ran out.
  await w.services.ledger.db.updateTable("remediation_runs").set({ confirm_state: "confirmed" })
    .where("id", "=", run.id).execute();
  w.services.clock.advance(901_000);
  await deliverTwice(w, "remediation.unban", run.id);
  const after = (await getRun(w.services.ledger, run.id))!;
  equal(after.confirmState, "rolled-back");
  equal(after.verificationDetail, "ban expired");
  const unbans = (await jobsOf(w, run.id)).filter((j) =>
    j.mode === "rollback" && j.state === "created"
  );
  equal(unbans.length, 1, JSON.stringify(await jobsOf(w, run.id)));
  equal(unbans[0].jti, after.rollbackJti);
  const audits = await w.services.ledger.db.selectFrom("audit_entries").select("action")
    .where("action", "=", "remediation.unban").execute();
  equal(audits.length, 1);
});

Deno.test("queue messages: remediation.confirm_deadline after a restart between claim and release releases the rollback", async () => {
  await using w = await remediationWorld();
  const run = await executedBan(w);
  equal((await getJob(w.services.ledger, run.rollbackJti!))!.state, "reserved");
  // The first delivery claimed the run, then the process died before the release.
  await w.services.ledger.db.updateTable("remediation_runs").set({ confirm_state: "rolled-back" })
    .where("id", "=", run.id).execute();
  w.services.clock.advance((run.plan.confirmWindowSec! + 1) * 1000);
  await deliverTwice(w, "remediation.confirm_deadline", run.id);
  const released = (await getJob(w.services.ledger, run.rollbackJti!))!;
  equal(released.state, "created", "the redelivery releases the reserved rollback");
  equal(released.claims.mode, "rollback");
  ok((await jobsOf(w, run.id)).filter((j) => j.mode === "rollback").length === 1);
});
