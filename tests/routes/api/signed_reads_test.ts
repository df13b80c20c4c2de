/**
 * `GET /api/hosts/:hostId/status` and `…/history` with a runner's signed request
 * (agent-protocol §0.1, §2.3-2.4: empty-body hash, no `X-Sentry-Seq`), next to the bearer keys
 * they always took: the right scope reads; a bad signature, a missing scope, another host's
 * key, a seq header, a replayed nonce and two auth modes are each refused with their code.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import { createHostViaApi, fixtureJson } from "../../support/hosts_api.ts";
import {
  enrollmentToken,
  enrollRunner,
  freshNonce,
  newRunnerKey,
  signedRequest,
  type TestRunner,
} from "../../support/runner.ts";

const READ_SCOPES = ["host.status.write", "host.status.read", "host.history.read"];

/** A host whose runner may read status and history, with one signed snapshot stored. */
async function readingRunner(w: OperatorWorld, slug: string) {
  const created = await createHostViaApi(w, slug);
  const token = await enrollmentToken(w, created.host.id, { scopes: READ_SCOPES });
  const runner = await enrollRunner(w, created.host.id, token);
  const body = JSON.stringify({
    status: await fixtureJson("status-minimal.json"),
    ok: true,
    runner: { version: "0.4.1" },
  });
  const push = await signedRequest(w, runner, "POST", `/api/hosts/${runner.hostId}/status`, {
    body,
    seq: 1,
  });
  equal(push.status, 200, await push.clone().text());
  return { created, runner };
}

async function refusal(res: Response): Promise<[number, string]> {
  const body = await res.json();
  equal(body.ok, false, JSON.stringify(body));
  return [res.status, body.error.code];
}

Deno.test("[api] signed reads: a runner key with the scope reads status and history", async () => {
  await using w = await operatorWorld();
  const { created, runner } = await readingRunner(w, "web-1");
  const status = await signedRequest(w, runner, "GET", `/api/hosts/${runner.hostId}/status`);
  const s = await status.json();
  equal(status.status, 200, JSON.stringify(s));
  equal(s.hostId, runner.hostId);
  equal(s.heartbeat.state, "fresh");
  equal(s.latest.counts.alertsCount, 2);
  equal(status.headers.get("cache-control"), "no-store");

  // The query string is part of what is signed (§2.3 `<path>`).
  const history = await signedRequest(
    w,
    runner,
    "GET",
    `/api/hosts/${runner.hostId}/history?limit=5`,
  );
  const h = await history.json();
  equal(history.status, 200, JSON.stringify(h));
  equal(h.snapshots.length, 1);

  // Bearer keys still work (an API key has both read scopes by default).
  const bearer = await w.app.request(`/api/hosts/${runner.hostId}/history`, {
    headers: { authorization: `Bearer ${created.onboarding.token}` },
  });
  equal(bearer.status, 200, await bearer.clone().text());
});

Deno.test("[api] signed reads: each refusal has its own code", async () => {
  await using w = await operatorWorld();
  const { created, runner } = await readingRunner(w, "web-1");
  const other = await readingRunner(w, "web-2");
  // The enrollment token made with the host carries the default runner scopes: no history.
  const plain = await createHostViaApi(w, "web-3");
  const noHistory = await enrollRunner(w, plain.host.id, plain.onboarding.runner.token);
  const stranger: TestRunner = { ...(await newRunnerKey()), hostId: runner.hostId };
  const statusPath = `/api/hosts/${runner.hostId}/status`;
  const historyPath = `/api/hosts/${runner.hostId}/history?limit=5`;
  const now = Math.floor(w.services.clock.now().getTime() / 1000);
  const reused = freshNonce();
  equal(
    (await signedRequest(w, runner, "GET", statusPath, { over: { nonce: reused } })).status,
    200,
  );

  const cases: [string, () => Response | Promise<Response>, number, string][] = [
    [
      "signature over another query",
      () =>
        signedRequest(w, runner, "GET", historyPath, {
          over: { signPath: `/api/hosts/${runner.hostId}/history?limit=200` },
        }),
      401,
      "bad_signature",
    ],
    [
      "signature for another host",
      () => signedRequest(w, runner, "GET", statusPath, { over: { signHostId: plain.host.id } }),
      401,
      "bad_signature",
    ],
    [
      "missing scope",
      () => signedRequest(w, noHistory, "GET", `/api/hosts/${noHistory.hostId}/history`),
      403,
      "insufficient_scope",
    ],
    [
      "another host's key",
      () => signedRequest(w, other.runner, "GET", statusPath),
      403,
      "host_mismatch",
    ],
    ["unknown key", () => signedRequest(w, stranger, "GET", statusPath), 401, "unknown_key"],
    [
      "a seq on a read",
      () => signedRequest(w, runner, "GET", statusPath, { seq: 2 }),
      401,
      "malformed_signature",
    ],
    [
      "replayed nonce",
      () => signedRequest(w, runner, "GET", statusPath, { over: { nonce: reused } }),
      401,
      "replayed_nonce",
    ],
    [
      "skewed clock",
      () => signedRequest(w, runner, "GET", statusPath, { over: { timestamp: now - 301 } }),
      401,
      "clock_skew",
    ],
    [
      "both auth modes",
      () =>
        signedRequest(w, runner, "GET", statusPath, {
          extraHeaders: { authorization: `Bearer ${created.onboarding.token}` },
        }),
      400,
      "auth_mode_conflict",
    ],
    [
      "a header missing",
      () =>
        w.app.request(statusPath, {
          headers: { "x-sentry-signature": "x", "x-sentry-key-id": runner.keyId },
        }),
      401,
      "signature_required",
    ],
  ];
  for (const [label, send, status, code] of cases) {
    deepEqual(await refusal(await send()), [status, code], label);
  }

  // Revoked: refused as such.
  const keys = await (await w.app.request(`/api/hosts/${runner.hostId}/keys`, {
    headers: w.headers(w.a.admin),
  })).json();
  const runnerKey = keys.keys.find((k: { kind: string; revokedAt: string | null }) =>
    k.kind === "runner" && k.revokedAt === null
  );
  ok(runnerKey);
  const revoke = await w.app.request(`/api/hosts/${runner.hostId}/keys`, {
    method: "POST",
    headers: w.headers(w.a.admin, { "content-type": "application/json" }),
    body: JSON.stringify({ action: "revoke", keyId: runnerKey.id }),
  });
  equal(revoke.status, 200);
  deepEqual(
    await refusal(await signedRequest(w, runner, "GET", statusPath)),
    [401, "key_revoked"],
  );
});
