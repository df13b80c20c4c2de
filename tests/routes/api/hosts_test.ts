/**
 * Hosts over HTTP: create with onboarding, every agent fixture through the real
 * ingest route, the exact curl command of agent-protocol §1.9, key lifecycle,
 * hostile bodies, concurrency, deletion and organization scoping.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import { listSnapshots } from "@/lib/ingest/snapshots.ts";
import { latestHostState } from "@/lib/ingest/store.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { createHostViaApi } from "../../support/hosts_api.ts";

const FIXTURES = new URL("../../../../shared/fixtures/agent/", import.meta.url);
const JSON_TYPE = { "content-type": "application/json" };
const fixture = (name: string) => Deno.readFile(new URL(name, FIXTURES));

const createHost = (w: OperatorWorld, name = "web-1") =>
  createHostViaApi(w, name, { group: "web", tags: ["prod"] });

function push(
  w: OperatorWorld,
  hostId: string,
  token: string,
  body: BodyInit,
  headers: Record<string, string> = JSON_TYPE,
) {
  return w.app.request(`/api/hosts/${hostId}/status`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...headers },
    body,
  });
}

Deno.test("[api] hosts: creation returns onboarding once; viewers cannot create; audited", async () => {
  await using w = await operatorWorld();
  const created = await createHost(w);
  match(created.onboarding.token, /^vs1_[A-Za-z0-9_-]{32}$/);
  equal(created.onboarding.ingestUrl, `http://localhost:8000/api/hosts/${created.host.id}/status`);
  match(
    created.onboarding.pushCommand,
    /--data-binary @\/var\/lib\/vps-sentry\/public\/status\.json/,
  );
  const keys = await (await w.app.request(`/api/hosts/${created.host.id}/keys`, {
    headers: w.headers(w.a.admin),
  })).json();
  ok(!JSON.stringify(keys).includes(created.onboarding.token), "the token is never shown again");
  const denied = await w.app.request("/api/hosts", {
    method: "POST",
    headers: w.headers(w.a.viewer, JSON_TYPE),
    body: '{"name":"x","slug":"x"}',
  });
  equal(denied.status, 403);
  const audited = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "host.create",
    limit: 5,
  });
  equal(audited.entries.length, 1);
});

Deno.test("[api] ingest: every agent fixture through the HTTP route gives the protocol's counts", async () => {
  await using w = await operatorWorld();
  const { host, onboarding } = await createHost(w);
  const expected: Record<string, [number, number, number, string[] | number | null]> = {
    "status-minimal.json": [2, 2, 1, ["udp:68"]],
    "status-rich.json": [1, 1, 1, null],
    "status-real-debian.json": [1, 1, 1, 5],
    "envelope-real.json": [1, 1, 1, 5],
    "status-ioc-outbound.json": [1, 1, 0, 5],
    "status-drift.json": [6, 4, 2, 9],
  };
  for (const [file, [alerts, total, actionable, rules]] of Object.entries(expected)) {
    const res = await push(w, host.id, onboarding.token, await fixture(file));
    equal(res.status, 200, `${file}: ${await res.clone().text()}`);
    const body = await res.json();
    equal(body.persisted, true, file);
    equal(body.alertsCount, alerts, `${file} alertsCount`);
    equal(body.publicPortsTotalCount, total, `${file} total ports`);
    equal(body.publicPortsCount, actionable, `${file} actionable ports`);
    if (typeof rules === "number") equal(body.expectedPublicPorts.length, rules, file);
    else deepEqual(body.expectedPublicPorts, rules, file);
    if (/ioc|real/.test(file)) {
      equal(body.posture.band, "critical", `${file}: an IOC makes the host critical`);
      ok(body.signals.some((s: { severity: string }) => s.severity === "critical"), file);
    }
  }
  const history = await listSnapshots(w.services.ledger, w.orgA.id, host.id, { limit: 50 });
  equal(history.length, 6);
  const dup = await push(w, host.id, onboarding.token, await fixture("status-drift.json"));
  equal((await dup.json()).deduped, true, "an identical payload is not stored twice");
  equal((await listSnapshots(w.services.ledger, w.orgA.id, host.id, { limit: 50 })).length, 6);
});

Deno.test("[api] ingest: the exact curl command of agent-protocol §1.9 stores a snapshot", async () => {
  await using w = await operatorWorld();
  const { host, onboarding } = await createHost(w);
  await using server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, w.app.fetch);
  const url = `http://127.0.0.1:${server.addr.port}/api/hosts/${host.id}/status`;
  const file = new URL("status-real-debian.json", FIXTURES).pathname;
  const out = await new Deno.Command("curl", {
    args: [
      "-fsS",
      "-X",
      "POST",
      url,
      "-H",
      `Authorization: Bearer ${onboarding.token}`,
      "-H",
      "Content-Type: application/json",
      "--data-binary",
      `@${file}`,
    ],
  }).output();
  equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const body = JSON.parse(new TextDecoder().decode(out.stdout));
  equal(body.ok, true);
  equal(body.persisted, true);
  const state = await latestHostState(w.services.kv, w.orgA.id, host.id);
  equal(state?.snapshotId, body.snapshotId);
});

Deno.test("[api] ingest: keys — wrong, other host's, revoked, rotated with grace, verify", async () => {
  await using w = await operatorWorld();
  const a = await createHost(w, "web-1");
  const b = await createHost(w, "web-2");
  const body = await fixture("status-minimal.json");
  const code = async (res: Response) => [res.status, (await res.json()).error?.code];
  deepEqual(
    await code(
      await w.app.request(`/api/hosts/${a.host.id}/status`, {
        method: "POST",
        headers: JSON_TYPE,
        body,
      }),
    ),
    [401, "missing_token"],
  );
  deepEqual(await code(await push(w, a.host.id, "vs1_not-a-real-token", body)), [
    401,
    "invalid_token",
  ]);
  deepEqual(await code(await push(w, a.host.id, b.onboarding.token, body)), [401, "invalid_token"]);
  deepEqual(await code(await push(w, "h_unknown", a.onboarding.token, body)), [
    401,
    "invalid_token",
  ]);

  const rotated = await w.app.request(`/api/hosts/${a.host.id}/keys`, {
    method: "POST",
    headers: w.headers(w.a.admin, JSON_TYPE),
    body: '{"action":"rotate","graceSeconds":3600}',
  });
  equal(rotated.status, 201);
  const { secret } = await rotated.json();
  const old = await push(w, a.host.id, a.onboarding.token, body);
  equal(old.status, 200, "the old key works during the grace period");
  ok(old.headers.get("x-sentry-key-deprecated"), "and says it is deprecated");
  equal((await push(w, a.host.id, secret.token, body)).status, 200);

  const verify = await w.app.request(
    `/api/hosts/${a.host.id}/keys/verify?scope=host.status.write`,
    {
      headers: { authorization: `Bearer ${secret.token}` },
    },
  );
  equal(verify.status, 200);
  const v = await verify.json();
  equal(v.key.state, "active");
  equal(v.host.id, a.host.id);
  deepEqual(
    await code(
      await w.app.request(`/api/hosts/${a.host.id}/keys/verify?scope=host.jobs.pull`, {
        headers: { authorization: `Bearer ${secret.token}` },
      }),
    ),
    [403, "insufficient_scope"],
  );
  deepEqual(
    await code(
      await w.app.request(`/api/hosts/${a.host.id}/keys/verify?scope=root`, {
        headers: { authorization: `Bearer ${secret.token}` },
      }),
    ),
    [400, "unknown_scope"],
  );

  const keys =
    (await (await w.app.request(`/api/hosts/${a.host.id}/keys`, { headers: w.headers(w.a.admin) }))
      .json()).keys;
  const current = keys.find((k: { prefix: string }) =>
    secret.token.startsWith(k.prefix.replace("...", ""))
  );
  const revoke = () =>
    w.app.request(`/api/hosts/${a.host.id}/keys`, {
      method: "POST",
      headers: w.headers(w.a.admin, JSON_TYPE),
      body: JSON.stringify({ action: "revoke", keyId: current.id }),
    });
  equal((await (await revoke()).json()).alreadyRevoked, false);
  equal((await (await revoke()).json()).alreadyRevoked, true, "revoke is idempotent");
  deepEqual(await code(await push(w, a.host.id, secret.token, body)), [401, "key_revoked"]);
});

Deno.test("[api] ingest: bad bodies answer 4xx with their code and store nothing", async () => {
  await using w = await operatorWorld();
  const { host, onboarding } = await createHost(w);
  const cases: Array<[string, BodyInit, number, string]> = [
    ["empty", "", 400, "empty_body"],
    ["not JSON", "{nope", 400, "invalid_json"],
    ["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), 400, "invalid_json"],
    ["array", "[1]", 400, "not_an_object"],
    ["wrong type", '{"alerts":"many"}', 400, "invalid_payload"],
    ["prototype pollution", '{"__proto__":{"admin":true}}', 400, "invalid_payload"],
    ["1 MB + 1 byte", `{"pad":"${"x".repeat(1_000_001 - 10)}"}`, 413, "payload_too_large"],
  ];
  for (const [name, body, status, errorCode] of cases) {
    const res = await push(w, host.id, onboarding.token, body);
    equal(res.status, status, name);
    equal((await res.json()).error.code, errorCode, name);
  }
  equal(
    (await listSnapshots(w.services.ledger, w.orgA.id, host.id, { limit: 10 })).length,
    0,
    "nothing stored",
  );
  equal(await latestHostState(w.services.kv, w.orgA.id, host.id), null);
});

Deno.test("[api] ingest: 50 concurrent pushes for one host leave consistent state", async () => {
  await using w = await operatorWorld();
  const { host, onboarding } = await createHost(w);
  const base = JSON.parse(new TextDecoder().decode(await fixture("status-minimal.json")));
  const start = Date.parse("2026-11-25T10:00:00.000Z");
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => {
    const ts = new Date(start + i * 1000).toISOString();
    return push(w, host.id, onboarding.token, JSON.stringify({ ...base, ts }));
  }));
  for (const r of results) equal(r.status, 200);
  const history = await listSnapshots(w.services.ledger, w.orgA.id, host.id, { limit: 100 });
  equal(history.length, 50);
  const state = await latestHostState(w.services.kv, w.orgA.id, host.id);
  equal(state?.ts, new Date(start + 49_000).toISOString(), "latest = highest ts");
});

Deno.test("[api] hosts: another org sees nothing; deletion needs the typed slug and removes data", async () => {
  await using w = await operatorWorld();
  const { host, onboarding } = await createHost(w);
  equal((await push(w, host.id, onboarding.token, await fixture("status-drift.json"))).status, 200);
  equal(
    (await w.app.request(`/api/hosts/${host.id}`, { headers: w.headers(w.ownerB) })).status,
    404,
  );
  const listB = await (await w.app.request("/api/hosts", { headers: w.headers(w.ownerB) })).json();
  equal(listB.hosts.length, 0);
  const del = (confirm: string, who = w.a.admin) =>
    w.app.request(`/api/hosts/${host.id}`, {
      method: "DELETE",
      headers: w.headers(who, JSON_TYPE),
      body: JSON.stringify({ confirm }),
    });
  equal((await del(host.slug, w.ownerB)).status, 404);
  const wrong = await del("nope");
  equal(wrong.status, 400);
  equal((await wrong.json()).error.code, "confirmation_mismatch");
  const done = await del(host.slug);
  equal(done.status, 200);
  equal((await done.json()).deleted.snapshots, 1);
  equal(
    (await w.app.request(`/api/hosts/${host.id}`, { headers: w.headers(w.a.admin) })).status,
    404,
  );
  equal(await latestHostState(w.services.kv, w.orgA.id, host.id), null);
  const summary = await (await w.app.request("/api/status", { headers: w.headers(w.a.viewer) }))
    .json();
  equal(summary.hosts.total, 0);
});
