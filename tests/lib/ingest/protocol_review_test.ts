/**
 * Review of the wire protocol (shared/design/agent-protocol.md) against the HTTP routes: stated
 * behaviours that no other test pins down (check order of §2.4, the §2.6 warnings, §2.7 response
 * members, rate-limit answers of §0, Part 5 heartbeat rules) and the places where the code and
 * the protocol disagree. Each test asserts what the protocol says.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { createJob } from "@/lib/remediation/job_store.ts";
import { createHostViaApi } from "../../support/hosts_api.ts";
import { type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import { resultBody, STEPS } from "../../support/remediation_jobs.ts";
import {
  enrollmentToken,
  enrollRunner,
  freshNonce,
  newRunnerKey,
  signedHeaders,
  signedRequest,
  type TestRunner,
} from "../../support/runner.ts";
import { fixtureBytes } from "../../support/agent_fixtures.ts";

const JSON_TYPE = { "content-type": "application/json" };
/** status-minimal.json, reporting the test hosts' slug so no host-mismatch warning appears. */
const STATUS = {
  ...JSON.parse(new TextDecoder().decode(fixtureBytes("status-minimal.json"))),
  host: "web-1",
};

/** A host made through the API with its bearer token, and (optionally) an enrolled runner. */
async function hostWithRunner(w: OperatorWorld, slug: string, enroll = true) {
  const created = await createHostViaApi(w, slug);
  const runner = enroll
    ? await enrollRunner(w, created.host.id, await enrollmentToken(w, created.host.id))
    : null;
  return { hostId: created.host.id, bearer: created.onboarding.token, runner };
}

/** A signed snapshot POST of the §2.5 envelope, `status.ts` set to `ts` when given. */
function signedPush(
  w: OperatorWorld,
  r: TestRunner,
  seq: number | null,
  opts: { ts?: string; over?: Parameters<typeof signedHeaders>[3]; body?: string } = {},
) {
  const status = opts.ts === undefined ? STATUS : { ...STATUS, ts: opts.ts };
  const body = opts.body ??
    JSON.stringify({ status, ok: true, runner: { version: "0.4.1" } });
  return signedRequest(w, r, "POST", `/api/hosts/${r.hostId}/status`, {
    body,
    seq,
    over: opts.over,
  });
}

async function expectCode(res: Response, status: number, code: string) {
  const body = await res.json();
  equal(res.status, status, JSON.stringify(body));
  equal(body.ok, false);
  equal(body.error.code, code, JSON.stringify(body));
  return body;
}

/** The host as an admin of its organization sees it (`GET /api/hosts/{hostId}`). */
async function hostAsAdmin(w: OperatorWorld, hostId: string) {
  const res = await w.app.request(`/api/hosts/${hostId}`, { headers: w.headers(w.a.admin) });
  equal(res.status, 200, await res.clone().text());
  return (await res.json()).host as Record<string, unknown>;
}

const nowSec = (w: OperatorWorld) => Math.floor(w.services.clock.now().getTime() / 1000);

// ---------------------------------------------------------------------------------------------
// Divergences found by the protocol review, now fixed (each failed before its fix).
// ---------------------------------------------------------------------------------------------

Deno.test("[protocol-review] Part 5: a job poll is tracked as lastPollAt and is not a heartbeat", async () => {
  await using w = await operatorWorld();
  const { hostId, runner } = await hostWithRunner(w, "web-1");
  const res = await signedRequest(w, runner!, "GET", "/api/agent/jobs?wait=0");
  equal(res.status, 200, await res.clone().text());
  const host = await hostAsAdmin(w, hostId);
  equal(host.lastSeenAt, null, "a job poll does not count as a heartbeat");
  equal(
    host.lastPollAt,
    w.services.clock.now().toISOString(),
    "Part 5: job polls are tracked separately as lastPollAt",
  );
});

Deno.test("[protocol-review] §4.5: verify of a held host.status.write on a signed-mode host is 200", async () => {
  await using w = await operatorWorld();
  const { hostId, bearer } = await hostWithRunner(w, "web-1"); // enrollment switches to signed
  const res = await w.app.request(
    `/api/hosts/${hostId}/keys/verify?scope=host.status.write`,
    { headers: { authorization: `Bearer ${bearer}` } },
  );
  const body = await res.json();
  // §4.5 lists missing_token, invalid_token, key_revoked, key_expired, insufficient_scope and
  // unknown_scope; signed_ingest_required is a "bearer status POST" code (Appendix A).
  equal(res.status, 200, JSON.stringify(body));
  equal(body.requiredScope, "host.status.write");
  ok(body.key.scopes.includes("host.status.write"));
});

Deno.test("[protocol-review] §1.10 step 2: no token is missing_token even for a malformed hostId", async () => {
  await using w = await operatorWorld();
  const res = await w.app.request(`/api/hosts/${"h".repeat(65)}/status`, {
    method: "POST",
    headers: JSON_TYPE,
    body: JSON.stringify(STATUS),
  });
  await expectCode(res, 401, "missing_token");
});

Deno.test("[protocol-review] §2.4 check 7: a signed post to a hostId that is not the key's is host_mismatch", async () => {
  await using w = await operatorWorld();
  const { runner } = await hostWithRunner(w, "web-1");
  // A path hostId outside [A-Za-z0-9_-]{1,64} is still "not the key's host" (check 7).
  const path = `/api/hosts/${"h".repeat(65)}/status`;
  const body = JSON.stringify({ status: STATUS, ok: true, runner: { version: "0.4.1" } });
  const res = await signedRequest(w, runner!, "POST", path, { body, seq: 1 });
  await expectCode(res, 403, "host_mismatch");
});

Deno.test("[protocol-review] §1.10 step 11: host.agentVersion follows the newest snapshot", async () => {
  // §1.10 step 11 sets host.agentVersion = base.version; with backfills and concurrent pushes
  // "the latest" is the snapshot with the highest ts (as for the latest state), so an older
  // snapshot arriving late never rolls the version back.
  await using w = await operatorWorld();
  const { hostId, bearer } = await hostWithRunner(w, "web-1", false);
  const post = (payload: Record<string, unknown>) =>
    w.app.request(`/api/hosts/${hostId}/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${bearer}`, ...JSON_TYPE },
      body: JSON.stringify(payload),
    });
  const first = await post({ ...STATUS, ts: "2026-11-25T09:50:00Z", version: "1.0.0" });
  equal(first.status, 200, await first.clone().text());
  equal((await hostAsAdmin(w, hostId)).agentVersion, "1.0.0");
  const newer = await post({ ...STATUS, ts: "2026-11-25T09:59:00Z", version: "1.0.1" });
  equal(newer.status, 200, await newer.clone().text());
  equal((await hostAsAdmin(w, hostId)).agentVersion, "1.0.1");
  const late = await post({ ...STATUS, ts: "2026-11-25T09:55:00Z", version: "1.0.0" });
  equal(late.status, 200, await late.clone().text());
  equal((await late.json()).persisted, true);
  equal((await hostAsAdmin(w, hostId)).agentVersion, "1.0.1", "a late older snapshot");
});

// ---------------------------------------------------------------------------------------------
// Stated behaviours without a test elsewhere (these pass).
// ---------------------------------------------------------------------------------------------

Deno.test("[protocol-review] §2.7: the signed snapshot response carries every member", async () => {
  await using w = await operatorWorld();
  const { hostId, runner } = await hostWithRunner(w, "web-1");
  const res = await signedPush(w, runner!, 42, { ts: w.services.clock.now().toISOString() });
  const body = await res.json();
  equal(res.status, 200, JSON.stringify(body));
  for (
    const member of [
      "ok",
      "hostId",
      "received",
      "persisted",
      "seq",
      "lastAcceptedSeq",
      "gap",
      "ts",
      "warnings",
      "alertsCount",
      "publicPortsCount",
      "publicPortsTotalCount",
      "unexpectedPublicPortsCount",
      "expectedPublicPorts",
      "confirmedJobs",
    ]
  ) ok(member in body, `§2.7 member ${member}`);
  equal(body.ok, true);
  equal(body.hostId, hostId);
  equal(body.received, true);
  equal(body.persisted, true);
  equal(body.seq, 42);
  equal(body.lastAcceptedSeq, 42);
  equal(body.gap, null, "the host's first seq is no gap");
  equal(body.ts, "2026-11-25T10:00:00.000Z");
  deepEqual(body.warnings, []);
  deepEqual(body.confirmedJobs, []);
  equal(body.alertsCount, 2);
  equal(body.publicPortsTotalCount, 2);
  equal(body.publicPortsCount, 1);
  equal(body.unexpectedPublicPortsCount, 1);
  deepEqual(body.expectedPublicPorts, ["udp:68"]);
});

Deno.test("[protocol-review] §2.6: backfill and ts-after-signature warnings; never a skew warning", async () => {
  await using w = await operatorWorld();
  const { runner } = await hostWithRunner(w, "web-1");
  // Two hours old (spooled): accepted, `ingest_backfill:120m`, no `ingest_clock_skew_high`.
  const old = await signedPush(w, runner!, 1, { ts: "2026-11-25T08:00:00.000Z" });
  const oldBody = await old.json();
  equal(old.status, 200, JSON.stringify(oldBody));
  deepEqual(oldBody.warnings, ["ingest_backfill:120m"]);
  // 10 minutes exactly is not "more than 10 min".
  const ten = await signedPush(w, runner!, 2, { ts: "2026-11-25T09:50:00.000Z" });
  deepEqual((await ten.json()).warnings, []);
  // ts 301 s after X-Sentry-Timestamp (ts itself 301 s in the future): that warning only.
  const ahead = await signedPush(w, runner!, 3, { ts: "2026-11-25T10:05:01.000Z" });
  deepEqual((await ahead.json()).warnings, ["ingest_ts_after_signature"]);
  const exactly = await signedPush(w, runner!, 4, { ts: "2026-11-25T10:05:00.000Z" });
  deepEqual((await exactly.json()).warnings, []);
  // Missing ts: receive time with ingest_ts_invalid_or_missing, as in §1.10 step 5.
  const { ts: _ts, ...noTs } = STATUS;
  const missing = await signedPush(w, runner!, 5, {
    body: JSON.stringify({ status: noTs, ok: true, runner: { version: "0.4.1" } }),
  });
  const missingBody = await missing.json();
  deepEqual(missingBody.warnings, ["ingest_ts_invalid_or_missing"]);
  equal(missingBody.ts, w.services.clock.now().toISOString());
});

Deno.test("[protocol-review] §2.4 order: skew before key, key before host, size before signature", async () => {
  await using w = await operatorWorld();
  const { runner } = await hostWithRunner(w, "web-1");
  const { runner: other } = await hostWithRunner(w, "web-2");
  const stranger: TestRunner = { ...(await newRunnerKey()), hostId: runner!.hostId };
  // Check 4 before 5: an unknown key with a skewed clock gets clock_skew with serverTime.
  const skew = await expectCode(
    await signedPush(w, stranger, 1, { over: { timestamp: nowSec(w) + 301 } }),
    401,
    "clock_skew",
  );
  deepEqual(skew.error.details, { serverTime: nowSec(w) });
  // ±300 s exactly passes check 4.
  equal((await signedPush(w, runner!, 1, { over: { timestamp: nowSec(w) - 300 } })).status, 200);
  // Check 5 before 7: an unknown key on another host's path is unknown_key.
  await expectCode(
    await signedRequest(w, stranger, "POST", `/api/hosts/${other!.hostId}/status`, {
      body: "{}",
      seq: 1,
    }),
    401,
    "unknown_key",
  );
  // Check 8 before 9: an oversized body is 413 whatever its signature.
  const big = JSON.stringify({ status: STATUS, pad: "x".repeat(1_000_001) });
  await expectCode(
    await signedPush(w, runner!, 2, { body: big, over: { signHostId: other!.hostId } }),
    413,
    "payload_too_large",
  );
});

Deno.test("[protocol-review] §2.4 check 10: a bad signature does not record its nonce", async () => {
  await using w = await operatorWorld();
  const { runner } = await hostWithRunner(w, "web-1");
  const nonce = freshNonce();
  await expectCode(
    await signedPush(w, runner!, 1, { over: { nonce, signHostId: "someone-else" } }),
    401,
    "bad_signature",
  );
  const res = await signedPush(w, runner!, 1, { over: { nonce } });
  equal(res.status, 200, await res.clone().text());
  await expectCode(await signedPush(w, runner!, 2, { over: { nonce } }), 401, "replayed_nonce");
});

Deno.test("[protocol-review] §0 + §2.4 check 1: 429 rate_limited with Retry-After and retryAfterSeconds", async () => {
  await using w = await operatorWorld();
  const { runner } = await hostWithRunner(w, "web-1");
  // Check 1 runs before check 2: requests with only a key id count against that key.
  const keyOnly = { "x-sentry-key-id": runner!.keyId };
  for (let i = 0; i < 120; i++) {
    const res = await w.app.request("/api/agent/jobs", { headers: keyOnly });
    equal(res.status, 401, `poll ${i + 1}`);
    await res.body?.cancel();
  }
  const limited = await signedRequest(w, runner!, "GET", "/api/agent/jobs?wait=0");
  const body = await expectCode(limited, 429, "rate_limited");
  const retry = limited.headers.get("retry-after");
  ok(retry !== null && /^[1-9][0-9]*$/.test(retry), `Retry-After: ${retry}`);
  equal(body.error.details.retryAfterSeconds, Number(retry));
  // Per key and per route: the result bucket (also 120/min) is separate.
  const other = await signedRequest(w, runner!, "POST", "/api/agent/jobs/job_unknown/result", {
    body: resultBody(),
  });
  await expectCode(other, 404, "job_not_found");
});

Deno.test("[protocol-review] §0.1: /api/agent/enroll allows 10 per minute per client IP", async () => {
  await using w = await operatorWorld();
  for (let i = 0; i < 10; i++) {
    await expectCode(
      await w.app.request("/api/agent/enroll", { method: "POST", headers: JSON_TYPE, body: "{}" }),
      401,
      "missing_token",
    );
  }
  const res = await w.app.request("/api/agent/enroll", {
    method: "POST",
    headers: JSON_TYPE,
    body: "{}",
  });
  await expectCode(res, 429, "rate_limited");
  ok(res.headers.get("retry-after"));
});

Deno.test("[protocol-review] Part 5: stale_seq, refusals and key verify never move lastSeenAt", async () => {
  await using w = await operatorWorld();
  const { hostId, runner } = await hostWithRunner(w, "web-1");
  const first = await signedPush(w, runner!, 5);
  equal(first.status, 200, await first.clone().text());
  const seenAt = (await hostAsAdmin(w, hostId)).lastSeenAt;
  equal(seenAt, w.services.clock.now().toISOString(), "lastSeenAt = receive time");
  w.services.clock.advance(60_000);
  const dup = await expectCode(await signedPush(w, runner!, 5), 409, "stale_seq");
  deepEqual(dup.error.details, { lastAcceptedSeq: 5, duplicate: true }, "same seq, same body");
  const changed = await signedPush(w, runner!, 5, { ts: "2026-11-25T09:59:00.000Z" });
  const stale = await expectCode(changed, 409, "stale_seq");
  deepEqual(stale.error.details, { lastAcceptedSeq: 5, duplicate: false }, "same seq, new body");
  await expectCode(await signedPush(w, runner!, 4), 409, "stale_seq");
  equal((await hostAsAdmin(w, hostId)).lastSeenAt, seenAt, "409 stale_seq is not a heartbeat");
  // A backfilled signed snapshot does count: receive time, not its ts.
  const backfill = await signedPush(w, runner!, 6, { ts: "2026-11-25T07:00:00.000Z" });
  equal(backfill.status, 200);
  equal((await hostAsAdmin(w, hostId)).lastSeenAt, w.services.clock.now().toISOString());
});

Deno.test("[protocol-review] Part 5: a bearer key verify with touch=1 is not a heartbeat", async () => {
  await using w = await operatorWorld();
  const { hostId, bearer } = await hostWithRunner(w, "web-1", false);
  const res = await w.app.request(`/api/hosts/${hostId}/keys/verify?touch=1`, {
    headers: { authorization: `bearer ${bearer}` }, // scheme is case-insensitive
  });
  const body = await res.json();
  equal(res.status, 200, JSON.stringify(body));
  equal(body.touched, true);
  equal(body.key.lastUsedAt, w.services.clock.now().toISOString());
  equal((await hostAsAdmin(w, hostId)).lastSeenAt, null);
});

Deno.test("[protocol-review] §4.1: a token off the format is invalid_token; bearer scheme any case", async () => {
  await using w = await operatorWorld();
  const { hostId, bearer } = await hostWithRunner(w, "web-1", false);
  const post = (authorization: string) =>
    w.app.request(`/api/hosts/${hostId}/status`, {
      method: "POST",
      headers: { authorization, ...JSON_TYPE },
      body: JSON.stringify(STATUS),
    });
  for (
    const bad of [
      `${bearer}x`, // 33 characters after the underscore
      bearer.replace(/^vs\d+_/, "vs0_"), // version 0
      bearer.replace(/^vs\d+_/, "vs10000_"), // version over 9999
      bearer.slice(0, -1) + "=", // not base64url
    ]
  ) await expectCode(await post(`Bearer ${bad}`), 401, "invalid_token");
  const res = await post(`BEARER ${bearer}`);
  equal(res.status, 200, await res.clone().text());
});

Deno.test("[protocol-review] §3.6: a result after exp is accepted; over 1 MiB is 413", async () => {
  await using w = await operatorWorld();
  const { runner } = await hostWithRunner(w, "web-1");
  const job = await createJob(w.services, {
    orgId: w.orgA.id,
    hostId: runner!.hostId,
    runId: "run_1",
    mode: "execute",
    actionId: "ufw-deny-port",
    actionVersion: 3,
    steps: STEPS,
  });
  const polled = await (await signedRequest(w, runner!, "GET", "/api/agent/jobs")).json();
  deepEqual(polled.jobs, [job.jws]);
  const path = `/api/agent/jobs/${job.jti}/result`;
  const huge = JSON.stringify({ status: "failed", pad: "x".repeat(1024 * 1024) });
  await expectCode(
    await signedRequest(w, runner!, "POST", path, { body: huge }),
    413,
    "payload_too_large",
  );
  // Past exp (≤ 900 s after iat): the job may have started in time, so the result is stored.
  w.services.clock.advance(901_000);
  const res = await signedRequest(w, runner!, "POST", path, { body: resultBody() });
  const body = await res.json();
  equal(res.status, 200, JSON.stringify(body));
  deepEqual(body, { ok: true, jti: job.jti, state: "succeeded", duplicate: false });
});

Deno.test("[protocol-review] §3.1: a poll carries at most 10 jobs, oldest first", async () => {
  await using w = await operatorWorld();
  const { runner } = await hostWithRunner(w, "web-1");
  const jws: string[] = [];
  for (let i = 0; i < 11; i++) {
    const job = await createJob(w.services, {
      orgId: w.orgA.id,
      hostId: runner!.hostId,
      runId: `run_${i}`,
      mode: "execute",
      actionId: "ufw-deny-port",
      actionVersion: 3,
      steps: STEPS,
    });
    jws.push(job.jws);
    w.services.clock.advance(1000); // distinct iat: "oldest first" is well defined
  }
  const body = await (await signedRequest(w, runner!, "GET", "/api/agent/jobs?wait=0")).json();
  deepEqual(body.jobs, jws.slice(0, 10));
});

Deno.test("[protocol-review] §4.4: revoking the runner key leaves ingestMode signed", async () => {
  await using w = await operatorWorld();
  const { hostId, bearer, runner } = await hostWithRunner(w, "web-1");
  const keys = await (await w.app.request(`/api/hosts/${hostId}/keys`, {
    headers: w.headers(w.a.admin),
  })).json();
  const runnerKey = keys.keys.find((k: { kind: string; revokedAt: string | null }) =>
    k.kind === "runner" && k.revokedAt === null
  );
  const revoke = (id: string) =>
    w.app.request(`/api/hosts/${hostId}/keys`, {
      method: "POST",
      headers: w.headers(w.a.admin, JSON_TYPE),
      body: JSON.stringify({ action: "revoke", keyId: id }),
    });
  const first = await revoke(runnerKey.id);
  equal(first.status, 200, await first.clone().text());
  equal((await first.json()).alreadyRevoked, false);
  equal((await (await revoke(runnerKey.id)).json()).alreadyRevoked, true, "idempotent");
  equal((await hostAsAdmin(w, hostId)).ingestMode, "signed");
  await expectCode(await signedPush(w, runner!, 1), 401, "key_revoked");
  const legacy = await w.app.request(`/api/hosts/${hostId}/status`, {
    method: "POST",
    headers: { authorization: `Bearer ${bearer}`, ...JSON_TYPE },
    body: JSON.stringify(STATUS),
  });
  await expectCode(legacy, 401, "signed_ingest_required");
});
