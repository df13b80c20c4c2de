/**
 * Signed ingest over HTTP (agent-protocol Part 2): enrollment of a runner key generated with
 * Web Crypto, signed snapshot pushes, and every refusal — each with its own code and nothing
 * stored (snapshot count and KV latest state unchanged). Sequence gaps, single-use and expiring
 * enrollment tokens, and the admin switch back to bearer mode.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import { listSnapshots } from "@/lib/ingest/snapshots.ts";
import { latestHostState } from "@/lib/ingest/store.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import {
  freshNonce,
  newRunnerKey as newKey,
  signedHeaders as signed,
  type TestRunner as Runner,
} from "../../support/runner.ts";

const FIXTURES = new URL("../../../../shared/fixtures/agent/", import.meta.url);
const JSON_TYPE = { "content-type": "application/json" };
const STATUS = JSON.parse(await Deno.readTextFile(new URL("status-minimal.json", FIXTURES)));

interface Setup {
  hostId: string;
  bearer: string;
  enrollToken: string;
}

async function setup(w: OperatorWorld, name = "web-1", enroll: Record<string, unknown> = {}) {
  const created = await w.app.request("/api/hosts", {
    method: "POST",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ name, slug: name }),
  });
  equal(created.status, 201, await created.clone().text());
  const { host, onboarding } = await created.json();
  const res = await w.app.request(`/api/hosts/${host.id}/keys`, {
    method: "POST",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ action: "create-enrollment", ...enroll }),
  });
  equal(res.status, 201, await res.clone().text());
  const body = await res.json();
  match(body.install.command, new RegExp(`--host-id '${host.id}'`));
  ok(body.install.command.includes(body.secret.token));
  return { hostId: host.id, bearer: onboarding.token, enrollToken: body.secret.token } as Setup;
}

function enrollRequest(
  w: OperatorWorld,
  s: Setup,
  key: Omit<Runner, "hostId">,
  opts: { jwk?: Record<string, unknown>; keyId?: string; signer?: CryptoKey; token?: string } = {},
) {
  const body = JSON.stringify({
    publicKeyJwk: opts.jwk ?? { kty: "OKP", crv: "Ed25519", x: key.x },
    runnerVersion: "0.4.1",
    hostname: "web-01",
  });
  return (async () => {
    const headers = await signed(w, {
      keyId: opts.keyId ?? key.keyId,
      privateKey: opts.signer ?? key.privateKey,
    }, { method: "POST", path: "/api/agent/enroll", hostId: s.hostId, body });
    return await w.app.request("/api/agent/enroll", {
      method: "POST",
      headers: { authorization: `Bearer ${opts.token ?? s.enrollToken}`, ...JSON_TYPE, ...headers },
      body,
    });
  })();
}

async function enroll(w: OperatorWorld, s: Setup): Promise<Runner> {
  const key = await newKey();
  const res = await enrollRequest(w, s, key);
  equal(res.status, 201, await res.clone().text());
  return { ...key, hostId: s.hostId };
}

const snapshotBody = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ status: STATUS, ok: true, runner: { version: "0.4.1" }, ...extra });

async function push(
  w: OperatorWorld,
  r: Runner,
  seq: number | null,
  opts: {
    body?: string;
    path?: string;
    over?: Parameters<typeof signed>[3];
    extraHeaders?: Record<string, string>;
    drop?: string;
    tamper?: (body: string) => string;
  } = {},
) {
  const path = opts.path ?? `/api/hosts/${r.hostId}/status`;
  const body = opts.body ?? snapshotBody();
  const headers = await signed(
    w,
    r,
    { method: "POST", path, hostId: r.hostId, body, seq },
    opts.over,
  );
  if (opts.drop) delete headers[opts.drop];
  return await w.app.request(path, {
    method: "POST",
    headers: { ...JSON_TYPE, ...headers, ...opts.extraHeaders },
    body: opts.tamper ? opts.tamper(body) : body,
  });
}

async function stored(w: OperatorWorld, hostId: string) {
  const snapshots = await listSnapshots(w.services.ledger, w.orgA.id, hostId, { limit: 200 });
  const latest = await latestHostState(w.services.kv, w.orgA.id, hostId);
  return { count: snapshots.length, latest: latest?.snapshotId ?? null };
}

async function expectRefused(
  w: OperatorWorld,
  hostId: string,
  res: Response,
  status: number,
  code: string,
  before: { count: number; latest: string | null },
) {
  const body = await res.json();
  equal(res.status, status, `${code}: ${JSON.stringify(body)}`);
  equal(body.ok, false);
  equal(body.error.code, code);
  deepEqual(await stored(w, hostId), before, `${code}: nothing stored`);
  return body;
}

Deno.test("[api] signed: enroll, then a signed push stores a snapshot; bearer is refused after", async () => {
  await using w = await operatorWorld();
  const s = await setup(w);
  const key = await newKey();
  const res = await enrollRequest(w, s, key);
  equal(res.status, 201, await res.clone().text());
  const enrolled = await res.json();
  equal(enrolled.keyId, key.keyId);
  equal(enrolled.hostId, s.hostId);
  deepEqual(enrolled.scopes, [
    "host.status.write",
    "host.status.read",
    "host.jobs.pull",
    "host.jobs.report",
  ]);
  equal(enrolled.nextSeq, 1);
  equal(enrolled.serverTime, Math.floor(w.services.clock.now().getTime() / 1000));
  equal(enrolled.heartbeat.expectedIntervalSec, 300);
  const runner = { ...key, hostId: s.hostId };

  const ok1 = await push(w, runner, 1);
  const body = await ok1.json();
  equal(ok1.status, 200, JSON.stringify(body));
  equal(body.persisted, true);
  equal(body.seq, 1);
  equal(body.lastAcceptedSeq, 1);
  equal(body.gap, null);
  deepEqual(body.confirmedJobs, []);
  equal(body.alertsCount, 2);
  const after = await stored(w, s.hostId);
  equal(after.count, 1);
  equal(after.latest, body.snapshotId);

  const host = await (await w.app.request(`/api/hosts/${s.hostId}`, {
    headers: w.headers(w.a.viewer),
  })).json();
  equal(host.host.ingestMode, "signed");
  const bearer = await w.app.request(`/api/hosts/${s.hostId}/status`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.bearer}`, ...JSON_TYPE },
    body: JSON.stringify(STATUS),
  });
  await expectRefused(w, s.hostId, bearer, 401, "signed_ingest_required", after);

  for (const action of ["host.runner.enroll", "host.key.enroll"]) {
    const page = await queryAudit(w.services.ledger, w.orgA.id, { action, limit: 5 });
    equal(page.entries.length, 1, action);
  }
});

Deno.test("[api] signed: every refusal has its own code and stores nothing", async () => {
  await using w = await operatorWorld();
  const s = await setup(w);
  const r = await enroll(w, s);
  const first = await push(w, r, 5);
  equal(first.status, 200, await first.clone().text());
  const before = await stored(w, s.hostId);
  const now = Math.floor(w.services.clock.now().getTime() / 1000);
  const other = await setup(w, "web-2");
  const otherRunner = await enroll(w, other);
  const stranger = { ...(await newKey()), hostId: s.hostId };
  const noScope = await setup(w, "web-3", { scopes: ["host.status.read"] });
  const noScopeRunner = await enroll(w, noScope);
  const reused = freshNonce();
  equal((await push(w, r, 6, { over: { nonce: reused } })).status, 200);
  const afterReuse = await stored(w, s.hostId);

  const cases: Array<[string, () => Promise<Response>, number, string, string?]> = [
    [
      "bad signature (body changed)",
      () => push(w, r, 7, { tamper: (b) => b.replace("true", "false") }),
      401,
      "bad_signature",
    ],
    [
      "bad signature (signed for another host)",
      () => push(w, r, 7, { over: { signHostId: other.hostId } }),
      401,
      "bad_signature",
    ],
    ["skewed clock", () => push(w, r, 7, { over: { timestamp: now - 301 } }), 401, "clock_skew"],
    ["reused nonce", () => push(w, r, 7, { over: { nonce: reused } }), 401, "replayed_nonce"],
    ["stale sequence", () => push(w, r, 6), 409, "stale_seq"],
    ["missing sequence", () => push(w, r, null), 400, "seq_required"],
    [
      "wrong host",
      () => push(w, otherRunner, 7, { path: `/api/hosts/${s.hostId}/status` }),
      403,
      "host_mismatch",
      s.hostId,
    ],
    ["unknown key", () => push(w, stranger, 7), 401, "unknown_key"],
    [
      "missing header",
      () => push(w, r, 7, { drop: "x-sentry-nonce" }),
      401,
      "signature_required",
    ],
    [
      "malformed header",
      () => push(w, r, 7, { extraHeaders: { "x-sentry-timestamp": "soon" } }),
      401,
      "malformed_signature",
    ],
    [
      "both auth modes",
      () => push(w, r, 7, { extraHeaders: { authorization: `Bearer ${s.bearer}` } }),
      400,
      "auth_mode_conflict",
    ],
    ["missing scope", () => push(w, noScopeRunner, 1), 403, "insufficient_scope", noScope.hostId],
  ];
  for (const [label, send, status, code, hostId] of cases) {
    const target = hostId ?? s.hostId;
    const baseline = await stored(w, target);
    if (target === s.hostId) deepEqual(baseline, afterReuse, label);
    await expectRefused(w, target, await send(), status, code, baseline);
  }
  equal(afterReuse.count, before.count + 1);

  // A stale retry of the accepted body is flagged a duplicate (only its response was lost).
  const dup = await push(w, r, 6, {
    body: snapshotBody(),
  });
  const dupBody = await dup.json();
  equal(dup.status, 409);
  deepEqual(dupBody.error.details, { lastAcceptedSeq: 6, duplicate: true });

  // Revoked: the admin revokes the runner key; the next push is refused, nothing stored.
  const keys = await (await w.app.request(`/api/hosts/${s.hostId}/keys`, {
    headers: w.headers(w.a.admin),
  })).json();
  const runnerKey = keys.keys.find((k: { kind: string; revokedAt: string | null }) =>
    k.kind === "runner" && k.revokedAt === null
  );
  const revoke = await w.app.request(`/api/hosts/${s.hostId}/keys`, {
    method: "POST",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ action: "revoke", keyId: runnerKey.id }),
  });
  equal(revoke.status, 200, await revoke.clone().text());
  await expectRefused(w, s.hostId, await push(w, r, 7), 401, "key_revoked", afterReuse);
});

Deno.test("[api] signed: a sequence gap is accepted with a snapshot_gap signal", async () => {
  await using w = await operatorWorld();
  const s = await setup(w);
  const r = await enroll(w, s);
  equal((await push(w, r, 1)).status, 200);
  const res = await push(w, r, 4, { body: snapshotBody({ ok: false }) });
  const body = await res.json();
  equal(res.status, 200, JSON.stringify(body));
  deepEqual(body.gap, { missing: 2, fromSeq: 2, toSeq: 3 });
  equal(body.lastAcceptedSeq, 4);
  const gap = body.signals.find((x: { code: string }) => x.code === "snapshot_gap");
  equal(gap?.severity, "medium");
  const rows = await w.services.ledger.db.selectFrom("signals").select(["code", "snapshot_id"])
    .where("host_id", "=", s.hostId).where("code", "=", "snapshot_gap").execute();
  deepEqual(rows, [{ code: "snapshot_gap", snapshot_id: body.snapshotId }]);

  // Explained by runner.lost: lowered to low.
  const explained = await push(w, r, 7, {
    body: snapshotBody({
      runner: { version: "0.4.1", lost: [{ from: 5, to: 6, reason: "spool_overflow" }] },
    }),
  });
  const e = await explained.json();
  equal(e.signals.find((x: { code: string }) => x.code === "snapshot_gap")?.severity, "low");
  equal((await stored(w, s.hostId)).count, 3);
});

Deno.test("[api] signed: concurrent posts with one seq store exactly one snapshot", async () => {
  await using w = await operatorWorld();
  const s = await setup(w);
  const r = await enroll(w, s);
  const results = await Promise.all(Array.from({ length: 8 }, () => push(w, r, 1)));
  const statuses = results.map((x) => x.status).sort();
  deepEqual(statuses, [200, 409, 409, 409, 409, 409, 409, 409]);
  equal((await stored(w, s.hostId)).count, 1);
});

Deno.test("[api] signed: concurrent posts with distinct seqs: each gap follows the one stored before", async () => {
  await using w = await operatorWorld();
  const s = await setup(w);
  const r = await enroll(w, s);
  // Racing claims move lastAcceptedSeq under each other: the loser re-reads and retries (or is
  // stale), so every stored snapshot's gap is measured from the seq stored just before it.
  const seqs = [1, 2, 3, 5, 6, 9];
  const results = await Promise.all(seqs.map(async (seq) => {
    const res = await push(w, r, seq);
    return { seq, status: res.status, body: await res.json() };
  }));
  const accepted = results.filter((x) => x.status === 200).sort((a, b) => a.seq - b.seq);
  for (const refused of results.filter((x) => x.status !== 200)) {
    equal(refused.status, 409, JSON.stringify(refused.body));
    equal(refused.body.error.code, "stale_seq");
  }
  ok(accepted.length >= 1);
  accepted.forEach(({ seq, body }, i) => {
    equal(body.lastAcceptedSeq, seq);
    const before = i === 0 ? null : accepted[i - 1].seq;
    const missing = before === null ? 0 : seq - before - 1;
    deepEqual(
      body.gap,
      missing === 0 ? null : { missing, fromSeq: before! + 1, toSeq: seq - 1 },
      `seq ${seq} after ${before}`,
    );
  });
  equal((await stored(w, s.hostId)).count, accepted.length);
  const host = await w.services.ledger.db.selectFrom("hosts").select("last_seq")
    .where("id", "=", s.hostId).executeTakeFirstOrThrow();
  equal(Number(host.last_seq), accepted.at(-1)!.seq);
});

Deno.test("[api] enroll: single use, retry idempotent, expiry, and each refusal code", async () => {
  await using w = await operatorWorld();
  const s = await setup(w);
  const key = await newKey();
  const other = await newKey();
  const refusals: Array<[string, () => Promise<Response>, number, string]> = [
    [
      "private key",
      () => enrollRequest(w, s, key, { jwk: { kty: "OKP", crv: "Ed25519", x: key.x, d: "AAAA" } }),
      400,
      "private_key_material",
    ],
    [
      "wrong curve",
      () => enrollRequest(w, s, key, { jwk: { kty: "OKP", crv: "X25519", x: key.x } }),
      400,
      "invalid_public_key",
    ],
    [
      "short x",
      () => enrollRequest(w, s, key, { jwk: { kty: "OKP", crv: "Ed25519", x: "AAAA" } }),
      400,
      "invalid_public_key",
    ],
    [
      "key id mismatch",
      () => enrollRequest(w, s, key, { keyId: other.keyId }),
      400,
      "key_id_mismatch",
    ],
    [
      "no proof of possession",
      () => enrollRequest(w, s, key, { signer: other.privateKey }),
      401,
      "bad_signature",
    ],
    [
      "unknown token",
      () => enrollRequest(w, s, key, { token: "vs9_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }),
      401,
      "invalid_token",
    ],
    ["a bearer API key", () => enrollRequest(w, s, key, { token: s.bearer }), 401, "invalid_token"],
  ];
  for (const [label, send, status, code] of refusals) {
    const res = await send();
    const body = await res.json();
    equal(res.status, status, `${label}: ${JSON.stringify(body)}`);
    equal(body.error.code, code, label);
  }
  const keysBefore = await w.services.ledger.db.selectFrom("host_keys").select("id")
    .where("kind", "=", "runner").execute();
  equal(keysBefore.length, 0, "no refusal created a runner key");

  const first = await enrollRequest(w, s, key);
  equal(first.status, 201);
  const retry = await enrollRequest(w, s, key);
  equal(retry.status, 200, "same token, same key: the original response again");
  equal((await retry.json()).keyId, key.keyId);
  const second = await enrollRequest(w, s, other);
  equal(second.status, 401);
  equal((await second.json()).error.code, "token_consumed");

  // Expiry: a 5-minute token used 301 s later.
  const short = await setup(w, "web-2", { expiresInSec: 300 });
  w.services.clock.advance(301_000);
  const late = await enrollRequest(w, short, await newKey());
  equal(late.status, 401);
  equal((await late.json()).error.code, "token_expired");
});

Deno.test("[api] enroll: re-enrollment supersedes the old key; sequence continues", async () => {
  await using w = await operatorWorld();
  const s = await setup(w);
  const old = await enroll(w, s);
  equal((await push(w, old, 3)).status, 200);
  const res = await w.app.request(`/api/hosts/${s.hostId}/keys`, {
    method: "POST",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ action: "create-enrollment" }),
  });
  const token = (await res.json()).secret.token;
  const key = await newKey();
  const again = await enrollRequest(w, { ...s, enrollToken: token }, key);
  equal(again.status, 201);
  equal((await again.json()).nextSeq, 4);
  const before = await stored(w, s.hostId);
  await expectRefused(w, s.hostId, await push(w, old, 4), 401, "key_revoked", before);
  equal((await push(w, { ...key, hostId: s.hostId }, 4)).status, 200);
});

Deno.test("[api] ingest mode: only admins switch back to bearer, audited; bearer works again", async () => {
  await using w = await operatorWorld();
  const s = await setup(w);
  await enroll(w, s);
  const denied = await w.app.request(`/api/hosts/${s.hostId}`, {
    method: "PUT",
    headers: w.headers(w.a.ops, JSON_TYPE),
    body: JSON.stringify({ ingestMode: "bearer" }),
  });
  equal(denied.status, 403);
  const bad = await w.app.request(`/api/hosts/${s.hostId}`, {
    method: "PUT",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ ingestMode: "carrier-pigeon" }),
  });
  equal(bad.status, 400);
  const put = await w.app.request(`/api/hosts/${s.hostId}`, {
    method: "PUT",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ ingestMode: "bearer" }),
  });
  equal(put.status, 200, await put.clone().text());
  equal((await put.json()).host.ingestMode, "bearer");
  const page = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "host.ingest_mode.change",
    limit: 5,
  });
  equal(page.entries.length, 1);
  const bearer = await w.app.request(`/api/hosts/${s.hostId}/status`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.bearer}`, ...JSON_TYPE },
    body: JSON.stringify(STATUS),
  });
  equal(bearer.status, 200, await bearer.clone().text());
  // And an admin can require signed mode again.
  const signedAgain = await w.app.request(`/api/hosts/${s.hostId}`, {
    method: "PUT",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ ingestMode: "signed" }),
  });
  equal((await signedAgain.json()).host.ingestMode, "signed");
});
