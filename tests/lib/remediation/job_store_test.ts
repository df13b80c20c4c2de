/**
 * The job store (agent-protocol §3.1, §3.6, §3.7) on both ledgers: create → deliver → result,
 * result idempotency under concurrency (one stored, the other a duplicate or a 409), result
 * validation with nothing stored, expiry states, the reserved rollback and its release,
 * cancel, commit-confirm and the listeners.
 */
import { deepEqual, equal, notEqual, ok, rejects } from "node:assert/strict";
import { queryAudit } from "@/lib/audit/query.ts";
import { HttpError } from "@/lib/fresh/errors.ts";
import { sha256Hex } from "@/lib/protocol/canonical.ts";
import { jobVerificationKeys } from "@/lib/remediation/job_keys.ts";
import {
  cancelJob,
  confirmedJtisForHost,
  confirmJob,
  createExecuteWithRollback,
  createJob,
  expireJobs,
  getJob,
  type JobExpiredEvent,
  type JobResultEvent,
  jobsOfRun,
  markDelivered,
  onJobExpired,
  onJobResult,
  pendingJobsForHost,
  recordResult,
  releaseRollback,
} from "@/lib/remediation/job_store.ts";
import { JobClaimsError, verifyJob } from "@/lib/remediation/job_token.ts";
import type { Host } from "@/lib/hosts/registry.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import {
  jobServices,
  type JobTestServices,
  resultBody,
  ROLLBACK_STEPS,
  seedJobHosts,
  STEPS,
} from "../../support/remediation_jobs.ts";

const encoder = new TextEncoder();

function job(orgId: string, host: Host, over: Record<string, unknown> = {}) {
  return {
    orgId,
    hostId: host.id,
    runId: "run_1",
    mode: "execute" as const,
    actionId: "ufw-deny-port",
    actionVersion: 3,
    steps: STEPS,
    ...over,
  };
}

async function post(services: JobTestServices, host: Host, jti: string, body: string) {
  return await recordResult(services, {
    jti,
    host: { id: host.id, orgId: host.orgId, slug: host.slug },
    body: encoder.encode(body),
    bodySha256: await sha256Hex(body),
    ip: "203.0.113.7",
  });
}

async function httpCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "ok";
  } catch (error) {
    if (error instanceof HttpError) return `${error.status} ${error.code}`;
    throw error;
  }
}

forEachLedger(
  "[job store] create → pending → delivered → result; listener and audit once",
  async (ledger) => {
    await using services = await jobServices(ledger);
    const { org, web } = await seedJobHosts(ledger);
    const events: JobResultEvent[] = [];
    const off = onJobResult((e) => {
      events.push(e);
    });
    try {
      const created = await createJob(services, job(org.id, web));
      ok(/^job_[0-9A-Z]{26}$/.test(created.jti));
      equal(created.state, "created");
      const claims = await verifyJob(created.jws, await jobVerificationKeys(services), {
        audience: web.id,
        issuer: services.config.publicOrigin,
        now: services.clock.now(),
      });
      equal(claims.exp - claims.iat, 900);
      deepEqual(created.claims, claims);

      const now = services.clock.now();
      deepEqual((await pendingJobsForHost(ledger, web.id, now)).map((j) => j.jti), [created.jti]);
      equal(await markDelivered(ledger, [created.jti], now), 1);
      equal(await markDelivered(ledger, [created.jti], now), 0, "delivered once");
      const again = await pendingJobsForHost(ledger, web.id, now);
      deepEqual(again.map((j) => [j.jti, j.state]), [[created.jti, "delivered"]], "redelivered");

      const body = resultBody(STEPS.slice(0, 1), { status: "failed" });
      const first = await post(services, web, created.jti, body);
      equal(first.duplicate, false);
      equal(first.job.state, "failed");
      equal(first.job.result?.steps.length, 1);
      equal(first.job.resultHash, await sha256Hex(body));
      deepEqual(await pendingJobsForHost(ledger, web.id, now), []);
      const dup = await post(services, web, created.jti, body);
      equal(dup.duplicate, true);
      equal(events.length, 1);
      equal(events[0].jti, created.jti);
      equal(events[0].state, "failed");
      const audit = await queryAudit(ledger, org.id, { action: "host.job.result" });
      equal(audit.entries.length, 1);
      equal(audit.entries[0].target?.id, created.jti);
      deepEqual((await jobsOfRun(ledger, "run_1")).map((j) => j.jti), [created.jti]);
    } finally {
      off();
    }
  },
);

forEachLedger(
  "[job store] concurrent results: same body → one stored + duplicate; different → 409",
  async (ledger) => {
    await using services = await jobServices(ledger);
    const { org, web } = await seedJobHosts(ledger);
    let heard = 0;
    const off = onJobResult(() => {
      heard++;
    });
    try {
      const a = await createJob(services, job(org.id, web));
      const body = resultBody();
      const results = await Promise.all([
        post(services, web, a.jti, body),
        post(services, web, a.jti, body),
      ]);
      deepEqual(results.map((r) => r.duplicate).sort(), [false, true]);
      equal(heard, 1, "one stored result, one listener call");

      const b = await createJob(services, job(org.id, web));
      const codes = await Promise.all([
        httpCode(post(services, web, b.jti, resultBody())),
        httpCode(post(services, web, b.jti, resultBody(STEPS, { status: "failed" }))),
      ]);
      deepEqual(codes.sort(), ["409 result_conflict", "ok"]);
      equal(
        await httpCode(
          post(services, web, a.jti, resultBody(STEPS, { finishedAt: "2026-11-25T10:00:02Z" })),
        ),
        "409 result_conflict",
      );
      equal(heard, 2);
      const audit = await queryAudit(ledger, org.id, { action: "host.job.result" });
      equal(audit.entries.length, 2);
    } finally {
      off();
    }
  },
);

forEachLedger(
  "[job store] invalid results are refused naming the field, and nothing is stored",
  async (ledger) => {
    await using services = await jobServices(ledger);
    const { org, web, db } = await seedJobHosts(ledger);
    const j = await createJob(services, job(org.id, web));
    equal(await httpCode(post(services, web, "job_unknown", resultBody())), "404 job_not_found");
    equal(await httpCode(post(services, db, j.jti, resultBody())), "404 job_not_found");
    const stepResult = JSON.parse(resultBody()).steps;
    const cases: Array<[string, string]> = [
      ["(body)", "not json"],
      ["(body)", "[]"],
      ["status", resultBody(STEPS, { status: "ok" })],
      ["steps[0].id", resultBody(STEPS, { steps: [stepResult[1]] })],
      ["steps[2]", resultBody(STEPS, { steps: [...stepResult, { ...stepResult[1], id: "x" }] })],
      // 16 characters but 32 bytes: the cap is in UTF-8 bytes.
      [
        "steps[1].stdoutTail",
        resultBody(STEPS, {
          steps: [stepResult[0], { ...stepResult[1], stdoutTail: "é".repeat(16) }],
        }),
      ],
      ["steps[0].exitCode", resultBody(STEPS, { steps: [{ ...stepResult[0], exitCode: "0" }] })],
      ["steps[0].truncated", resultBody(STEPS, { steps: [{ ...stepResult[0], truncated: 0 }] })],
      ["refusedReason", resultBody(STEPS, { refusedReason: "expired" })],
      ["refusedReason", resultBody([], { status: "refused" })],
      ["refusedReason", resultBody([], { status: "refused", refusedReason: "nope" })],
      ["steps", resultBody(STEPS, { status: "refused", refusedReason: "jobs_disabled" })],
      ["startedAt", resultBody(STEPS, { startedAt: "yesterday" })],
      ["finishedAt", resultBody(STEPS, { finishedAt: "2026-11-25 10:00:01" })],
    ];
    for (const [field, body] of cases) {
      await rejects(post(services, web, j.jti, body), (error: unknown) => {
        ok(error instanceof HttpError, String(error));
        equal(error.status, 400, field);
        equal(error.code, "invalid_result", field);
        deepEqual(error.details, { field }, `${field}: ${error.message}`);
        return true;
      });
    }
    const after = await getJob(ledger, j.jti);
    equal(after?.state, "created");
    equal(after?.result, null);
    equal((await queryAudit(ledger, org.id, { action: "host.job.result" })).entries.length, 0);
    // A refusal with its reason and no steps is fine; the empty prefix too.
    const refused = await post(
      services,
      web,
      j.jti,
      resultBody([], { status: "refused", refusedReason: "argv_not_allowlisted" }),
    );
    equal(refused.job.state, "refused");
    equal(refused.job.result?.refusedReason, "argv_not_allowlisted");
  },
);

forEachLedger(
  "[job store] expiry: expired if never delivered, outcome_unknown if delivered; late result accepted",
  async (ledger) => {
    await using services = await jobServices(ledger);
    const { org, web } = await seedJobHosts(ledger);
    const heard: JobExpiredEvent[] = [];
    const off = onJobExpired((e) => {
      heard.push(e);
    });
    try {
      const never = await createJob(services, job(org.id, web, { ttlSec: 60 }));
      const delivered = await createJob(services, job(org.id, web, { ttlSec: 60 }));
      const answered = await createJob(services, job(org.id, web, { ttlSec: 60 }));
      const later = await createJob(services, job(org.id, web));
      await markDelivered(ledger, [delivered.jti, answered.jti], services.clock.now());
      await post(services, web, answered.jti, resultBody());
      services.clock.advance(60_000);
      deepEqual(
        (await pendingJobsForHost(ledger, web.id, services.clock.now())).map((j) => j.jti),
        [
          later.jti,
        ],
      );
      const swept = await expireJobs(services, services.clock.now());
      deepEqual(swept, { expired: [never.jti], outcomeUnknown: [delivered.jti] });
      deepEqual(await expireJobs(services, services.clock.now()), {
        expired: [],
        outcomeUnknown: [],
      });
      deepEqual(heard.map((e) => [e.jti, e.state]), [
        [never.jti, "expired"],
        [delivered.jti, "outcome_unknown"],
      ]);
      equal((await getJob(ledger, answered.jti))?.state, "succeeded");
      equal((await getJob(ledger, later.jti))?.state, "created");
      // The job may have started in time: its result is accepted after exp.
      const late = await post(services, web, delivered.jti, resultBody());
      equal(late.job.state, "succeeded");
      ok(late.job.resultAt! >= late.job.exp);
    } finally {
      off();
    }
  },
);

forEachLedger(
  "[job store] commit-confirm: reserved rollback, release once with fresh iat/exp, confirm, cancel",
  async (ledger) => {
    await using services = await jobServices(ledger);
    const { org, web } = await seedJobHosts(ledger);
    const input = { ...job(org.id, web), rollbackSteps: ROLLBACK_STEPS, confirmWindowSec: 600 };
    const { execute, rollback } = await createExecuteWithRollback(services, input);
    const keys = await jobVerificationKeys(services);
    equal(execute.state, "created");
    equal(rollback.state, "reserved");
    equal(rollback.rollbackOf, execute.jti);
    deepEqual(execute.claims.confirm, { windowSec: 600, rollback: rollback.jws });
    const embedded = await verifyJob(rollback.jws, keys, { audience: web.id });
    equal(embedded.mode, "rollback");
    equal(embedded.rollbackOf, execute.jti);
    equal(embedded.exp - embedded.iat, 900);
    const now = services.clock.now();
    deepEqual((await pendingJobsForHost(ledger, web.id, now)).map((j) => j.jti), [execute.jti]);

    // Release: re-signed later, same jti, exactly once under concurrency.
    services.clock.advance(700_000);
    const released = await Promise.all([
      releaseRollback(services, rollback.jti),
      releaseRollback(services, rollback.jti),
    ]);
    equal(released.filter((r) => r !== null).length, 1);
    const r = released.find((x) => x !== null)!;
    equal(r.jti, rollback.jti);
    equal(r.state, "created");
    notEqual(r.jws, rollback.jws);
    const fresh = await verifyJob(r.jws, keys, { now: services.clock.now() });
    equal(fresh.iat, embedded.iat + 700);
    equal(fresh.planHash, embedded.planHash);
    equal(await releaseRollback(services, rollback.jti), null);
    deepEqual(
      (await pendingJobsForHost(ledger, web.id, services.clock.now())).map((j) => j.jti),
      [execute.jti, rollback.jti],
    );
    // A succeeded rollback marks its execute rolled back.
    await post(services, web, execute.jti, resultBody());
    await post(services, web, rollback.jti, resultBody(ROLLBACK_STEPS));
    equal((await getJob(ledger, execute.jti))?.state, "rolled_back");
    equal(await confirmJob(services, execute.jti), false);

    // Confirm: a succeeded execute is confirmed, its reserved rollback cancelled, listed until
    // the rollback token's exp.
    const pair = await createExecuteWithRollback(services, { ...input, runId: "run_2" });
    equal(await confirmJob(services, pair.execute.jti), false, "not succeeded yet");
    await post(services, web, pair.execute.jti, resultBody());
    const confirms = await Promise.all([
      confirmJob(services, pair.execute.jti),
      confirmJob(services, pair.execute.jti),
    ]);
    deepEqual(confirms.sort(), [false, true]);
    equal((await getJob(ledger, pair.rollback.jti))?.state, "canceled");
    equal(await releaseRollback(services, pair.rollback.jti), null);
    deepEqual(await confirmedJtisForHost(ledger, web.id, services.clock.now()), [pair.execute.jti]);
    services.clock.advance(900_000);
    deepEqual(await confirmedJtisForHost(ledger, web.id, services.clock.now()), []);

    // Cancel: only jobs without a result; at most once.
    const c = await createJob(services, job(org.id, web, { mode: "dry-run", runId: "run_3" }));
    deepEqual(
      (await Promise.all([cancelJob(services, c.jti), cancelJob(services, c.jti)])).sort(),
      [
        false,
        true,
      ],
    );
    equal(await cancelJob(services, execute.jti), false);
    deepEqual(await pendingJobsForHost(ledger, web.id, services.clock.now()), []);
  },
);

forEachLedger(
  "[job store] refusals before signing: claims, window, host, rollbackOf; nothing stored",
  async (ledger) => {
    await using services = await jobServices(ledger);
    const { org, web, db } = await seedJobHosts(ledger);
    const bad: Array<[string, () => Promise<unknown>]> = [
      ["steps", () => createJob(services, job(org.id, web, { steps: [] }))],
      ["ttlSec", () => createJob(services, job(org.id, web, { ttlSec: 901 }))],
      ["hostId", () => createJob(services, job("org_other", web))],
      ["rollbackOf", () => createJob(services, job(org.id, web, { mode: "rollback" }))],
      [
        "rollbackOf",
        () => createJob(services, job(org.id, web, { mode: "rollback", rollbackOf: "job_x" })),
      ],
      [
        "confirm.windowSec",
        () =>
          createExecuteWithRollback(services, {
            ...job(org.id, web),
            steps: [{ ...STEPS[0], timeoutMs: 300_000 }],
            rollbackSteps: ROLLBACK_STEPS,
            confirmWindowSec: 600,
          }),
      ],
      [
        "rollbackSteps",
        () =>
          createExecuteWithRollback(services, {
            ...job(org.id, web),
            rollbackSteps: [],
            confirmWindowSec: 600,
          }),
      ],
    ];
    for (const [field, attempt] of bad) {
      await rejects(attempt(), (error: unknown) => {
        ok(error instanceof JobClaimsError, `${field}: ${error}`);
        equal((error.details as { field: string }).field, field, error.message);
        return true;
      });
    }
    const exec = await createJob(services, job(org.id, web));
    await rejects(
      createJob(services, job(org.id, db, { mode: "rollback", rollbackOf: exec.jti })),
      JobClaimsError,
    );
    equal((await ledger.db.selectFrom("remediation_jobs").selectAll().execute()).length, 1);
  },
);
