/**
 * The job channel over HTTP (agent-protocol §3.1, §3.6, §3.8): a runner enrolled in the test
 * pulls a job made by `createJob`, verifies it with the key enrollment handed it, and posts the
 * result; refusals by scope, host, jti, headers and `wait`, each with its code; the long poll
 * returning a job created while it waits; key rotation with a verifiable rollover statement.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { queryAudit } from "@/lib/audit/query.ts";
import { jwkThumbprint } from "@/lib/protocol/ed25519.ts";
import { getActiveJobSigningKey, rotateJobSigningKey } from "@/lib/remediation/job_keys.ts";
import { confirmJob, createExecuteWithRollback, createJob } from "@/lib/remediation/job_store.ts";
import {
  type JobSigningPublicJwk,
  verifyJob,
  verifyKeyRollover,
} from "@/lib/remediation/job_token.ts";
import { createHostViaApi } from "../../support/hosts_api.ts";
import { type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import { resultBody, ROLLBACK_STEPS, STEPS } from "../../support/remediation_jobs.ts";
import {
  enrollmentToken,
  newRunnerKey,
  signedHeaders,
  signedRequest,
  type TestRunner,
} from "../../support/runner.ts";

const JSON_TYPE = { "content-type": "application/json" };

/** Enrolls a runner for a new host, returning it with the enrollment response. */
async function enrolled(
  w: OperatorWorld,
  slug: string,
  tokenExtra: Record<string, unknown> = {},
): Promise<{ runner: TestRunner; jobSigningKey: JobSigningPublicJwk; orgId: string }> {
  const created = await createHostViaApi(w, slug);
  const token = await enrollmentToken(w, created.host.id, tokenExtra);
  const key = await newRunnerKey();
  const body = JSON.stringify({
    publicKeyJwk: { kty: "OKP", crv: "Ed25519", x: key.x },
    runnerVersion: "0.4.1",
    hostname: slug,
  });
  const headers = await signedHeaders(w, key, {
    method: "POST",
    path: "/api/agent/enroll",
    hostId: created.host.id,
    body,
  });
  const res = await w.app.request("/api/agent/enroll", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...JSON_TYPE, ...headers },
    body,
  });
  equal(res.status, 201, await res.clone().text());
  const answer = await res.json();
  return {
    runner: { ...key, hostId: created.host.id },
    jobSigningKey: answer.jobSigningKey,
    orgId: w.orgA.id,
  };
}

const poll = (w: OperatorWorld, r: TestRunner, wait = 0) =>
  signedRequest(w, r, "GET", `/api/agent/jobs?wait=${wait}`);

const report = (w: OperatorWorld, r: TestRunner, jti: string, body: string) =>
  signedRequest(w, r, "POST", `/api/agent/jobs/${jti}/result`, { body });

function newJob(w: OperatorWorld, r: TestRunner, over: Record<string, unknown> = {}) {
  return createJob(w.services, {
    orgId: w.orgA.id,
    hostId: r.hostId,
    runId: "run_1",
    mode: "execute",
    actionId: "ufw-deny-port",
    actionVersion: 3,
    steps: STEPS,
    ...over,
  });
}

async function expectCode(res: Response, status: number, code: string) {
  const body = await res.json();
  equal(res.status, status, JSON.stringify(body));
  equal(body.ok, false);
  equal(body.error.code, code);
  return body;
}

Deno.test("[api] jobs: enroll returns the job key; poll, verify, report, duplicate, audit", async () => {
  await using w = await operatorWorld();
  const { runner, jobSigningKey } = await enrolled(w, "web-1");
  const active = await getActiveJobSigningKey(w.services);
  deepEqual(jobSigningKey, active.publicJwk);
  equal(jobSigningKey.kid, await jwkThumbprint({ x: jobSigningKey.x }));

  const empty = await poll(w, runner);
  equal(empty.status, 200, await empty.clone().text());
  deepEqual(await empty.json(), {
    ok: true,
    jobs: [],
    confirmed: [],
    serverTime: Math.floor(w.services.clock.now().getTime() / 1000),
  });

  const job = await newJob(w, runner);
  const first = await (await poll(w, runner)).json();
  deepEqual(first.jobs, [job.jws]);
  const claims = await verifyJob(first.jobs[0], [jobSigningKey], {
    audience: runner.hostId,
    issuer: w.services.config.publicOrigin,
  });
  equal(claims.jti, job.jti);
  // Delivered again until a result is recorded.
  deepEqual((await (await poll(w, runner)).json()).jobs, [job.jws]);

  const body = resultBody();
  const res = await report(w, runner, job.jti, body);
  equal(res.status, 200, await res.clone().text());
  deepEqual(await res.json(), { ok: true, jti: job.jti, state: "succeeded", duplicate: false });
  const again = await report(w, runner, job.jti, body);
  deepEqual(await again.json(), { ok: true, jti: job.jti, state: "succeeded", duplicate: true });
  await expectCode(
    await report(w, runner, job.jti, resultBody(STEPS, { status: "failed" })),
    409,
    "result_conflict",
  );
  deepEqual((await (await poll(w, runner)).json()).jobs, []);
  const audit = await queryAudit(w.services.ledger, w.orgA.id, { action: "host.job.result" });
  equal(audit.entries.length, 1);
  equal(audit.entries[0].actor.type, "host");
  equal(audit.entries[0].actor.id, runner.hostId);
});

Deno.test("[api] jobs: scope, host, jti, headers and wait refusals carry their codes", async () => {
  await using w = await operatorWorld();
  const { runner } = await enrolled(w, "web-1");
  const { runner: other } = await enrolled(w, "db-1");
  const { runner: readOnly } = await enrolled(w, "ro-1", {
    scopes: ["host.status.write", "host.status.read"],
  });
  const job = await newJob(w, runner);

  await expectCode(await poll(w, readOnly), 403, "insufficient_scope");
  await expectCode(
    await report(w, readOnly, "job_x", resultBody()),
    403,
    "insufficient_scope",
  );
  // Another host's runner neither receives nor reports the job.
  deepEqual((await (await poll(w, other)).json()).jobs, []);
  await expectCode(await report(w, other, job.jti, resultBody()), 404, "job_not_found");
  await expectCode(await report(w, runner, "job_unknown", resultBody()), 404, "job_not_found");
  const invalid = await expectCode(
    await report(w, runner, job.jti, resultBody(STEPS, { status: "done" })),
    400,
    "invalid_result",
  );
  equal(invalid.error.details.field, "status");

  await expectCode(
    await signedRequest(w, runner, "GET", "/api/agent/jobs?wait=abc"),
    400,
    "invalid_input",
  );
  await expectCode(
    await signedRequest(w, runner, "GET", "/api/agent/jobs?wait=-1"),
    400,
    "invalid_input",
  );
  await expectCode(
    await signedRequest(w, runner, "GET", "/api/agent/jobs?wait=0", { seq: 7 }),
    401,
    "malformed_signature",
  );
  await expectCode(
    await signedRequest(w, runner, "GET", "/api/agent/jobs", {
      extraHeaders: { authorization: "Bearer vs1_x" },
    }),
    400,
    "auth_mode_conflict",
  );
  await expectCode(await w.app.request("/api/agent/jobs"), 401, "signature_required");
  // The signature covers the query: a changed wait is a bad signature.
  await expectCode(
    await signedRequest(w, runner, "GET", "/api/agent/jobs?wait=0", {
      over: { signPath: "/api/agent/jobs?wait=25" },
    }),
    401,
    "bad_signature",
  );
  // None of that delivered or changed the job; `wait` over 25 counts as 25 (a job is waiting).
  const big = await (await poll(w, runner, 600)).json();
  deepEqual(big.jobs, [job.jws]);
});

Deno.test("[api] jobs: a long poll returns the job created while it waits", async () => {
  await using w = await operatorWorld();
  const { runner } = await enrolled(w, "web-1");
  const waiting = poll(w, runner, 25);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const job = await newJob(w, runner);
  const res = await waiting;
  equal(res.status, 200);
  deepEqual((await res.json()).jobs, [job.jws]);

  // Confirmations wake it too; a reserved rollback is not delivered.
  const { execute, rollback } = await createExecuteWithRollback(w.services, {
    orgId: w.orgA.id,
    hostId: runner.hostId,
    runId: "run_2",
    actionId: "ufw-deny-port",
    actionVersion: 3,
    steps: STEPS,
    rollbackSteps: ROLLBACK_STEPS,
    confirmWindowSec: 600,
  });
  const listed = await (await poll(w, runner)).json();
  deepEqual(listed.jobs, [job.jws, execute.jws]);
  ok(!listed.jobs.includes(rollback.jws));
  await report(w, runner, job.jti, resultBody());
  await report(w, runner, execute.jti, resultBody());
  const confirming = poll(w, runner, 25);
  await new Promise((resolve) => setTimeout(resolve, 100));
  ok(await confirmJob(w.services, execute.jti));
  deepEqual((await (await confirming).json()).confirmed, [execute.jti]);
});

Deno.test("[api] jobs: after a rotation, polls carry a rollover the pinned key verifies", async () => {
  await using w = await operatorWorld();
  const { runner, jobSigningKey } = await enrolled(w, "web-1");
  w.services.clock.advance(600_000);
  const { active, previous } = await rotateJobSigningKey(w.services, { overlapSec: 86400 });
  const answer = await (await poll(w, runner)).json();
  ok(answer.keyRollover, JSON.stringify(answer));
  const rollover = await verifyKeyRollover(answer.keyRollover, [jobSigningKey], {
    audience: runner.hostId,
    issuer: w.services.config.publicOrigin,
  });
  deepEqual(rollover.newKey, active.publicJwk);
  equal(rollover.notAfter, Math.floor(previous!.notAfter.getTime() / 1000));
  // Jobs are now signed by the new key, which the runner pins from the statement.
  const job = await newJob(w, runner);
  const { jobs } = await (await poll(w, runner)).json();
  equal((await verifyJob(jobs[0], [jobSigningKey, rollover.newKey])).jti, job.jti);
  // A runner enrolled after the rotation pinned the new key and gets no statement.
  w.services.clock.advance(120_000);
  const late = await enrolled(w, "db-1");
  deepEqual(late.jobSigningKey, active.publicJwk);
  equal((await (await poll(w, late.runner)).json()).keyRollover, undefined);
});
