/**
 * The runner's enroll and push against the REAL control plane app, served in-process on a
 * loopback port: the enrollment is stored (signed mode), snapshots are stored with their seq,
 * the sequence continues across pushes and a re-enrollment, a lost enroll response is retried
 * idempotently with the same key, a `--job-key-id` the server does not confirm is refused, a
 * revoked key stops the runner.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { enroll, EnrollError } from "../../agent/enroll.ts";
import { pushSnapshot } from "../../agent/push.ts";
import { openRuntime } from "../../agent/runtime.ts";
import { loadSeq, loadState, statePaths } from "../../agent/state.ts";
import { type OperatorWorld, operatorWorld } from "../support/operator_world.ts";
import { listSnapshots } from "@/lib/ingest/snapshots.ts";
import { lastAcceptedSeq } from "@/lib/ingest/sequence.ts";
import { getActiveJobSigningKey } from "@/lib/remediation/job_keys.ts";
import { FIXTURES, sandbox } from "./support.ts";

const JSON_TYPE = { "content-type": "application/json" };

async function createHost(w: OperatorWorld, name: string): Promise<string> {
  const res = await w.app.request("/api/hosts", {
    method: "POST",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ name, slug: name }),
  });
  equal(res.status, 201, await res.clone().text());
  return (await res.json()).host.id;
}

async function enrollmentToken(w: OperatorWorld, hostId: string): Promise<string> {
  const res = await w.app.request(`/api/hosts/${hostId}/keys`, {
    method: "POST",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: JSON.stringify({ action: "create-enrollment" }),
  });
  equal(res.status, 201, await res.clone().text());
  return (await res.json()).secret.token;
}

function serve(w: OperatorWorld) {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (req) => w.app.fetch(req),
  );
  return { server, baseUrl: `http://127.0.0.1:${server.addr.port}` };
}

async function writeEnvelopeFiles(dir: string) {
  const envelope = JSON.parse(await Deno.readTextFile(new URL("envelope-real.json", FIXTURES)));
  await Deno.writeTextFile(`${dir}/status.json`, JSON.stringify(envelope.status));
  await Deno.writeTextFile(`${dir}/last.json`, JSON.stringify(envelope.last));
  await Deno.writeTextFile(`${dir}/diff.json`, JSON.stringify(envelope.diff));
  return envelope;
}

Deno.test("[runner] enroll and push against the real server: stored, in sequence", async () => {
  await using w = await operatorWorld();
  const { server, baseUrl } = serve(w);
  // The runner signs with the server's test clock (a fixed date), as if both were in sync.
  await using s = await sandbox({}, { now: () => w.services.clock.now().getTime() });
  try {
    const hostId = await createHost(w, "web-1");
    const envelope = await writeEnvelopeFiles(s.config.statusDir);

    // Enroll; the first response is lost on the way back: the retry reuses the key (200).
    let dropped = 0;
    const ctx = {
      ...s.ctx,
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const res = await fetch(input, init);
        if (String(input).endsWith("/api/agent/enroll") && dropped++ === 0) {
          await res.body?.cancel();
          throw new TypeError("connection reset");
        }
        return res;
      },
    };
    const state = await enroll(ctx, { baseUrl, hostId, token: await enrollmentToken(w, hostId) });
    equal(dropped, 2);
    equal(state.hostId, hostId);
    equal(state.issuer, w.services.config.publicOrigin);
    const jobKey = await getActiveJobSigningKey(w.services);
    deepEqual(state.jobKeys.map((k) => k.kid), [jobKey.kid], "the job-signing key is pinned");
    const paths = statePaths(s.config.stateDir);
    equal((await Deno.stat(paths.dir)).mode! & 0o777, 0o700);
    for (const f of [paths.key, paths.state, paths.seq]) {
      equal((await Deno.stat(f)).mode! & 0o777, 0o600, f);
    }
    equal((await loadSeq(paths.dir)).nextSeq, 1);
    const host = await (await w.app.request(`/api/hosts/${hostId}`, {
      headers: w.headers(w.a.viewer),
    })).json();
    equal(host.host.ingestMode, "signed");

    // Two pushes: stored with seq 1 and 2, last/diff included.
    const rt = await openRuntime(s.ctx);
    deepEqual(await pushSnapshot(rt, { deadline: Date.now() + 5000 }), { seq: 1, end: "empty" });
    deepEqual(await pushSnapshot(rt, { deadline: Date.now() + 5000 }), { seq: 2, end: "empty" });
    equal(await lastAcceptedSeq(w.services.ledger, hostId), 2);
    const stored = await listSnapshots(w.services.ledger, w.orgA.id, hostId, {
      includePayload: true,
    });
    equal(stored.length, 2);
    deepEqual(stored[0].base, envelope.status);
    deepEqual(stored[0].last, envelope.last);
    deepEqual(stored[0].diff, envelope.diff);
    ok(s.logs.some((l) => l.event === "snapshot_delivered" && l.lastAcceptedSeq === 2));

    // Re-enrollment (new token): the sequence continues where it left off.
    await enroll(s.ctx, { baseUrl, hostId, token: await enrollmentToken(w, hostId) });
    const rt2 = await openRuntime(s.ctx);
    ok(rt2.state.keyId !== rt.state.keyId, "a new key");
    deepEqual(await pushSnapshot(rt2, { deadline: Date.now() + 5000 }), { seq: 3, end: "empty" });
    equal(await lastAcceptedSeq(w.services.ledger, hostId), 3);

    // The admin revokes the runner key: the next push stops the runner.
    const keys = await (await w.app.request(`/api/hosts/${hostId}/keys`, {
      headers: w.headers(w.a.admin),
    })).json();
    const runnerKey = keys.keys.find((k: { kind: string; revokedAt: string | null }) =>
      k.kind === "runner" && k.revokedAt === null
    );
    const revoke = await w.app.request(`/api/hosts/${hostId}/keys`, {
      method: "POST",
      headers: w.headers(w.a.admin, JSON_TYPE),
      body: JSON.stringify({ action: "revoke", keyId: runnerKey.id }),
    });
    equal(revoke.status, 200, await revoke.clone().text());
    equal((await pushSnapshot(rt2, { deadline: Date.now() + 5000 })).end, "stopped");
    equal((await loadState(paths.dir))?.stopped?.code, "key_revoked");
    equal((await listSnapshots(w.services.ledger, w.orgA.id, hostId)).length, 3);
  } finally {
    await server.shutdown();
  }
});

Deno.test("[runner] enroll refuses a job key that does not match --job-key-id", async () => {
  await using w = await operatorWorld();
  const { server, baseUrl } = serve(w);
  await using s = await sandbox({}, { now: () => w.services.clock.now().getTime() });
  try {
    const hostId = await createHost(w, "web-2");
    const token = await enrollmentToken(w, hostId);
    const error = await rejects(
      enroll(s.ctx, {
        baseUrl,
        hostId,
        token,
        jobKeyId: "zcfuUE2qsnHfe134qoYQAQSUVP5le3nDoqZVRKuSsjs",
      }),
      (e: unknown) => e instanceof EnrollError && e.code === "job_key_mismatch",
    );
    equal(error, undefined);
    equal(await loadState(s.config.stateDir), null, "no state is stored");
    await rejects(Deno.stat(statePaths(s.config.stateDir).pendingKey), Deno.errors.NotFound);
    // The matching pin succeeds.
    const kid = (await getActiveJobSigningKey(w.services)).kid;
    const state = await enroll(s.ctx, {
      baseUrl,
      hostId,
      token: await enrollmentToken(w, hostId),
      jobKeyId: kid,
    });
    equal(state.jobKeys[0].kid, kid);
    // A wrong or reused token gets the server's code.
    await rejects(
      enroll(s.ctx, { baseUrl, hostId, token }),
      (e: unknown) => e instanceof EnrollError && e.code === "token_consumed",
    );
    await rejects(
      enroll(s.ctx, { baseUrl: "http://example.com", hostId, token }),
      /https/,
    );
  } finally {
    await server.shutdown();
  }
});
