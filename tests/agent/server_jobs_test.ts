/**
 * The job loop against the REAL control plane job routes (`GET /api/agent/jobs`, `POST
 * /api/agent/jobs/{jti}/result`), served in-process: a verify job runs and its result is
 * stored; an unlisted program is refused with its code; commit-confirm arms the rollback and a
 * server confirmation disarms it; an unconfirmed execute is rolled back by the runner at its
 * deadline and the server marks it `rolled_back`; a key rollover pins the new job-signing key.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { enroll } from "../../agent/enroll.ts";
import { listArmed } from "../../agent/jobs/confirm.ts";
import { runLoop } from "../../agent/jobs/loop.ts";
import { openRuntime } from "../../agent/runtime.ts";
import { loadState } from "../../agent/state.ts";
import { lastAcceptedSeq } from "@/lib/ingest/sequence.ts";
import { rotateJobSigningKey } from "@/lib/remediation/job_keys.ts";
import {
  confirmJob,
  createExecuteWithRollback,
  createJob,
  getJob,
} from "@/lib/remediation/job_store.ts";
import type { JobStep } from "@/lib/protocol/job.ts";
import { operatorWorld } from "../support/operator_world.ts";
import { FIXTURES, sandbox, step, writeAllowlist, writeProgram } from "./support.ts";

const JSON_TYPE = { "content-type": "application/json" };

Deno.test("[runner] the job loop against the real job routes", async () => {
  await using w = await operatorWorld();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (req) => w.app.fetch(req),
  );
  const baseUrl = `http://127.0.0.1:${server.addr.port}`;
  await using s = await sandbox({}, { now: () => w.services.clock.now().getTime() });
  try {
    const created = await w.app.request("/api/hosts", {
      method: "POST",
      headers: w.headers(w.a.admin, JSON_TYPE),
      body: JSON.stringify({ name: "web-jobs", slug: "web-jobs" }),
    });
    const hostId = (await created.json()).host.id;
    const tokenRes = await w.app.request(`/api/hosts/${hostId}/keys`, {
      method: "POST",
      headers: w.headers(w.a.admin, JSON_TYPE),
      body: JSON.stringify({ action: "create-enrollment" }),
    });
    const token = (await tokenRes.json()).secret.token;
    await enroll(s.ctx, { baseUrl, hostId, token });
    await Deno.copyFile(
      new URL("status-minimal.json", FIXTURES),
      `${s.config.statusDir}/status.json`,
    );
    const rt = await openRuntime(s.ctx);
    const mark = `${s.dir}/marks`;
    const show = await writeProgram(
      `${s.dir}/bin/show`,
      `#!/bin/sh\necho "$*" >> ${mark}\necho "$*"\n`,
    );
    await writeAllowlist(s.config, `${show}\n`);
    const steps = (id: string, arg: string) => [step(id, [show, arg]) as unknown as JobStep];
    const base = { orgId: w.orgA.id, hostId, runId: "run_e2e", actionId: "e2e", actionVersion: 1 };
    const once = () => runLoop(rt, { once: true, waitSec: 0 });

    // A verify job: run, reported, stored.
    const verify = await createJob(w.services, {
      ...base,
      mode: "verify",
      steps: steps("v", "v1"),
    });
    equal(await once(), "once");
    const stored = await getJob(w.services.ledger, verify.jti);
    equal(stored?.state, "succeeded", JSON.stringify(stored?.result));
    equal(stored?.result?.steps[0].stdoutTail, "v1\n");

    // A refused job: the program is not allowlisted.
    const refused = await createJob(w.services, {
      ...base,
      mode: "verify",
      steps: [step("r", ["/usr/bin/true"]) as unknown as JobStep],
    });
    await once();
    const r = await getJob(w.services.ledger, refused.jti);
    equal(r?.state, "refused");
    equal(r?.result?.refusedReason, "argv_not_allowlisted");

    // Commit-confirm, confirmed by the server: armed, then disarmed by `confirmed`.
    const seqBefore = await lastAcceptedSeq(w.services.ledger, hostId);
    const pair = await createExecuteWithRollback(w.services, {
      ...base,
      steps: steps("do", "do1"),
      rollbackSteps: steps("undo", "undo1"),
      confirmWindowSec: 120,
    });
    await once();
    equal((await getJob(w.services.ledger, pair.execute.jti))?.state, "succeeded");
    deepEqual((await listArmed(rt)).map((a) => a.executeJti), [pair.execute.jti]);
    ok(
      (await lastAcceptedSeq(w.services.ledger, hostId))! > (seqBefore ?? 0),
      "a fresh snapshot went out after the execute",
    );
    ok(await confirmJob(w.services, pair.execute.jti));
    await once();
    deepEqual(await listArmed(rt), [], "disarmed by the confirmation");

    // Commit-confirm, never confirmed: at the deadline the runner rolls back itself.
    const lone = await createExecuteWithRollback(w.services, {
      ...base,
      steps: steps("do", "do2"),
      rollbackSteps: steps("undo", "undo2"),
      confirmWindowSec: 120,
    });
    await once();
    equal((await listArmed(rt)).length, 1);
    w.services.clock.advance(151_000);
    await once();
    deepEqual(await listArmed(rt), []);
    equal((await getJob(w.services.ledger, lone.rollback.jti))?.state, "succeeded");
    equal((await getJob(w.services.ledger, lone.execute.jti))?.state, "rolled_back");
    const marks = (await Deno.readTextFile(mark)).trim().split("\n");
    deepEqual(marks, ["v1", "do1", "do2", "undo2"], "undo1 never ran; each job ran once");

    // Key rollover: the next poll carries a statement signed by the pinned key.
    const { active } = await rotateJobSigningKey(w.services, { overlapSec: 900 });
    await once();
    const kids = (await loadState(s.config.stateDir))!.jobKeys.map((k) => k.kid);
    ok(kids.includes(active.kid), `pinned ${kids}`);
    const next = await createJob(w.services, { ...base, mode: "verify", steps: steps("n", "n1") });
    equal(next.kid, active.kid);
    await once();
    equal((await getJob(w.services.ledger, next.jti))?.state, "succeeded");
  } finally {
    await server.shutdown();
  }
});
