/**
 * Cross-organization probes (API): org A has a host with keys, snapshots, signals and breaches,
 * a queued remediation run, an incident, a webhook endpoint, an escalation policy, members, a
 * pending invitation and audit entries. Org B's owner (with a host and incident of its own)
 * requests every route with org A's ids. Each probe asserts the project's refusal AND that an
 * id of the same shape that exists nowhere gets the same answer (status and error body), so
 * nothing of A is revealed; at the end, org A reads back exactly what it had.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { type RemediationWorld, remediationWorld } from "../support/remediation_world.ts";
import { type CreatedHost, fixtureJson, pushStatus } from "../support/hosts_api.ts";
import type { Operator } from "../support/operator_world.ts";

export const LOCKDOWN = "lockdown-access-surface";

/** Org A's ids as org B would guess or steal them. */
export interface CrossOrgWorld extends RemediationWorld {
  A: {
    hostId: string;
    keyId: string;
    breachId: string;
    signalId: string;
    snapshotId: string;
    runId: string;
    incidentId: string;
    endpointId: string;
  };
  /** Org B's own host (its onboarding carries B's host token) and incident. */
  hostB: CreatedHost;
  incidentB: string;
  /** GET/POST… as `who` with a JSON body; status, parsed body (or null) and text. */
  call(
    who: Operator,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown> | null; text: string }>;
  /** What org A's owner reads of everything probed; equal before and after the probes. */
  fingerprintA(): Promise<unknown>;
}

/**
 * An id of the same shape as `id` that no organization has. Ids made in the same millisecond
 * differ in their last characters only (monotonic ULIDs), so the whole tail is replaced.
 */
export const missingLike = (id: string) =>
  id.slice(0, -8) + (id.endsWith("ZZZZZZZZ") ? "YYYYYYYY" : "ZZZZZZZZ");

async function json(
  w: RemediationWorld,
  who: Operator,
  method: string,
  path: string,
  body: unknown,
) {
  const res = await w.api(who, method, path, body);
  const text = await res.text();
  ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/**
 * Builds org A's data and org B's host and incident.
 *
 * @example
 * ```ts
 * await using w = await crossOrgWorld();
 * ```
 */
export async function crossOrgWorld(): Promise<CrossOrgWorld> {
  const w = await remediationWorld();
  const { ledger } = w.services;
  const hostId = w.web.host.id;
  const run = await w.dryRun(w.a.ops, LOCKDOWN);
  equal(run.status, 202, JSON.stringify(run.body));
  const ioc = await pushStatus(
    w,
    w.web,
    await fixtureJson("status-ioc-outbound.json"),
    "2026-11-25T09:56:00.000Z",
  );
  const breachId = ioc.breaches.opened[0].id;
  const keys = await json(w, w.a.admin, "GET", `/api/hosts/${hostId}/keys`, undefined);
  const signal = await ledger.db.selectFrom("signals").select("id")
    .where("org_id", "=", w.orgA.id).executeTakeFirstOrThrow();
  const snapshot = await ledger.db.selectFrom("snapshots").select("id")
    .where("org_id", "=", w.orgA.id).executeTakeFirstOrThrow();
  const incident = await json(w, w.a.ops, "POST", "/api/incidents", {
    title: "Checkout returns 502",
    severity: "high",
    hostIds: [hostId],
    breachIds: [breachId],
  });
  const endpoint = await json(w, w.a.admin, "POST", "/api/notify/endpoints", {
    name: "Acme pager",
    kind: "webhook",
    url: "http://127.0.0.1:9/hook",
  });
  await json(w, w.a.admin, "PUT", "/api/escalation-policy", {
    levels: [{ userIds: [w.a.ops.userId], endpointIds: [endpoint.endpoint.id] }],
  });

  const created = await w.app.request("/api/hosts", {
    method: "POST",
    headers: w.headers(w.ownerB, { "content-type": "application/json" }),
    body: JSON.stringify({ name: "beta-1", slug: "beta-1" }),
  });
  equal(created.status, 201, await created.clone().text());
  const hostB: CreatedHost = await created.json();
  await pushStatus(w, hostB, await fixtureJson("status-drift.json"), "2026-11-25T09:57:00.000Z");
  const incidentB = await json(w, w.ownerB, "POST", "/api/incidents", {
    title: "Beta incident",
    severity: "medium",
  });

  const call: CrossOrgWorld["call"] = async (who, method, path, body, headers = {}) => {
    const res = await w.app.request(path, {
      method,
      headers: w.headers(who, { "content-type": "application/json", ...headers }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: Record<string, unknown> | null = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed, text };
  };
  const A = {
    hostId,
    keyId: keys.keys[0].id as string,
    breachId,
    signalId: signal.id,
    snapshotId: snapshot.id,
    runId: run.body.run!.id,
    incidentId: incident.incident.id as string,
    endpointId: endpoint.endpoint.id as string,
  };
  const fingerprintA = async () => {
    const read = async (path: string) => (await call(w.a.owner, "GET", path)).body;
    const audit = await ledger.db.selectFrom("audit_entries").select(["seq", "action"])
      .where("chain", "=", w.orgA.id).orderBy("seq").execute();
    return {
      host: await read(`/api/hosts/${hostId}`),
      keys: await read(`/api/hosts/${hostId}/keys`),
      breach: await read(`/api/breaches/${breachId}`),
      run: await read(`/api/remediate/${A.runId}`),
      incident: await read(`/api/incidents/${A.incidentId}`),
      endpoint: await read(`/api/notify/endpoints/${A.endpointId}`),
      policy: await read("/api/escalation-policy"),
      members: await read("/api/orgs/members"),
      invitations: await read("/api/orgs/invitations"),
      audit,
    };
  };
  return Object.assign(w, { A, hostB, incidentB: incidentB.incident.id, call, fingerprintA });
}

/** The answer with every id of `ids` replaced by a placeholder, for comparing answers. */
function shape(res: { status: number; body: unknown; text: string }, ids: string[]): string {
  let text = JSON.stringify(
    { status: res.status, body: res.body ?? "(not JSON)" },
    (key, value) => key === "requestId" ? undefined : value,
  );
  for (const id of ids) text = text.replaceAll(id, "<id>").replaceAll(missingLike(id), "<id>");
  return text;
}

type Probe = [
  name: string,
  method: string,
  path: (id: string) => string,
  body?: (id: string) => unknown,
];

/**
 * Requests `probe` as org B's owner with org A's `id` and with a missing id of the same shape;
 * asserts `expected` status for both and identical answers.
 */
async function probeBoth(
  w: CrossOrgWorld,
  [name, method, path, body]: Probe,
  id: string,
  expected: number | number[],
  headers?: Record<string, string>,
) {
  const foreign = await w.call(w.ownerB, method, path(id), body?.(id), headers);
  const missing = await w.call(
    w.ownerB,
    method,
    path(missingLike(id)),
    body?.(missingLike(id)),
    headers,
  );
  const want = Array.isArray(expected) ? expected : [expected];
  ok(want.includes(foreign.status), `${name}: A's id got ${foreign.status} ${foreign.text}`);
  const [a, m] = [shape(foreign, [id]), shape(missing, [id])];
  equal(a, m, `${name}: A's id answers unlike a missing id:\n  A's: ${a}\n  missing: ${m}`);
}

Deno.test("[cross-org] API: org A's ids answer org B's owner exactly as missing ids", async (t) => {
  await using w = await crossOrgWorld();
  const before = await w.fingerprintA();
  const { A } = w;
  const host: Probe[] = [
    ["PUT host name", "PUT", (id) => `/api/hosts/${id}`, () => ({ name: "pwned" })],
    ["PUT host disabled", "PUT", (id) => `/api/hosts/${id}`, () => ({ disabled: true })],
    ["PUT host ingestMode", "PUT", (id) => `/api/hosts/${id}`, () => ({ ingestMode: "signed" })],
    ["GET keys", "GET", (id) => `/api/hosts/${id}/keys`],
    ["POST key create", "POST", (id) => `/api/hosts/${id}/keys`, () => ({ action: "create" })],
    ["POST key rotate", "POST", (id) => `/api/hosts/${id}/keys`, () => ({ action: "rotate" })],
    ["POST key enroll", "POST", (id) => `/api/hosts/${id}/keys`, () => ({
      action: "create-enrollment",
    })],
    ["POST key revoke", "POST", (id) => `/api/hosts/${id}/keys`, () => ({
      action: "revoke",
      keyId: A.keyId,
    })],
    ["GET runs", "GET", (id) => `/api/hosts/${id}/runs`],
    ["GET breaches?host", "GET", (id) => `/api/breaches?host=${id}`],
    ["POST remediate dry-run", "POST", () => "/api/remediate", (id) => ({
      hostId: id,
      actionId: LOCKDOWN,
      mode: "dry-run",
    })],
    ["POST remediate execute", "POST", () => "/api/remediate", (id) => ({
      hostId: id,
      actionId: LOCKDOWN,
      mode: "execute",
      planHash: "0".repeat(64),
      confirm: `EXECUTE ${LOCKDOWN} 00000000`,
    })],
  ];
  for (const p of host) await t.step(p[0], () => probeBoth(w, p, A.hostId, 404));

  await t.step("filters naming A's host or users answer as for missing ids", async () => {
    for (
      const p of [
        ["GET incidents?host", "GET", (id) => `/api/incidents?host=${id}`],
        ["GET live rows", "GET", (id) => `/api/live/hosts?ids=${id}`],
        ["GET audit?targetId", "GET", (id) => `/api/audit?targetId=${id}`],
      ] as Probe[]
    ) await probeBoth(w, p, A.hostId, [200, 400, 404]);
    await probeBoth(
      w,
      ["GET incidents?assignee", "GET", (id) => `/api/incidents?assignee=${id}`],
      w.a.ops.userId,
      [200, 400],
    );
    await probeBoth(
      w,
      ["GET audit?actor", "GET", (id) => `/api/audit?actor=${id}`],
      w.a.owner.userId,
      [200],
    );
    const exported = await w.call(w.ownerB, "GET", `/api/audit/export?targetId=${A.hostId}`);
    equal(exported.status, 200);
    equal(exported.text.trim(), "", "org B's export holds nothing about A's host");
    const live = await w.call(
      w.ownerB,
      "GET",
      `/api/live/hosts?ids=${A.hostId},${w.hostB.host.id}`,
    );
    deepEqual(
      (live.body!.rows as { id?: string; hostId?: string }[]).map((r) => r.id ?? r.hostId),
      [w.hostB.host.id],
    );
  });

  await t.step("org B's host token does not read or write org A's host", async () => {
    const bearer = { authorization: `Bearer ${w.hostB.onboarding.token}` };
    for (
      const p of [
        ["POST status", "POST", (id) => `/api/hosts/${id}/status`, () => ({ host: "x" })],
        ["GET status", "GET", (id) => `/api/hosts/${id}/status`],
        ["GET history", "GET", (id) => `/api/hosts/${id}/history`],
        ["GET keys/verify", "GET", (id) => `/api/hosts/${id}/keys/verify`],
        ["POST keys/verify", "POST", (id) => `/api/hosts/${id}/keys/verify`, () => ({})],
      ] as Probe[]
    ) await probeBoth(w, p, A.hostId, 401, bearer);
  });

  await t.step("org A's key ids on org B's own host are missing keys", async () => {
    const keys = () => `/api/hosts/${w.hostB.host.id}/keys`;
    await probeBoth(
      w,
      ["revoke A's key via B's host", "POST", keys, (id) => ({
        action: "revoke",
        keyId: id,
      })],
      A.keyId,
      404,
    );
    await probeBoth(
      w,
      ["rotate from A's key via B's host", "POST", keys, (id) => ({
        action: "rotate",
        sourceKeyId: id,
      })],
      A.keyId,
      404,
    );
  });

  await t.step("incidents: escalate and act on A's incident", async () => {
    await probeBoth(
      w,
      ["escalate", "POST", () => "/api/ops/incidents/escalate", (id) => ({
        incidentId: id,
      })],
      A.incidentId,
      404,
    );
    await probeBoth(
      w,
      ["assign", "POST", (id) => `/api/incidents/${id}`, () => ({
        action: "assign",
        assigneeId: null,
      })],
      A.incidentId,
      404,
    );
    await probeBoth(
      w,
      ["link", "POST", (id) => `/api/incidents/${id}`, () => ({
        action: "link",
        kind: "host",
        refId: w.hostB.host.id,
      })],
      A.incidentId,
      404,
    );
  });

  await t.step("members, invitations, sessions and organizations of A", async () => {
    const members: Probe[] = [
      ["PATCH member", "PATCH", (id) => `/api/orgs/members/${id}`, () => ({ role: "viewer" })],
      ["DELETE member", "DELETE", (id) => `/api/orgs/members/${id}`],
    ];
    for (const p of members) await probeBoth(w, p, w.a.ops.userId, 404);
    for (const p of members) await probeBoth(w, p, w.a.owner.userId, 404);
    await probeBoth(
      w,
      ["DELETE invitation", "DELETE", (id) => `/api/orgs/invitations/${id}`],
      w.invitationA.id,
      404,
    );
    await probeBoth(
      w,
      ["DELETE session", "DELETE", (id) => `/api/auth/sessions/${id}`],
      w.a.viewer.sessionId,
      404,
    );
    await probeBoth(
      w,
      ["switch org", "POST", () => "/api/orgs/switch", (id) => ({ orgId: id })],
      w.orgA.id,
      404,
    );
    const listed = await w.call(w.ownerB, "GET", "/api/orgs/members");
    ok(!listed.text.includes("acme.test"), "org B lists no member of A");
    const invitations = await w.call(w.ownerB, "GET", "/api/orgs/invitations");
    ok(!invitations.text.includes(w.invitationA.id), "org B lists no invitation of A");
    equal((await w.call(w.a.viewer, "GET", "/api/auth/me")).status, 200, "A's session lives");
  });

  await t.step("org A is unchanged", async () => deepEqual(await w.fingerprintA(), before));
});

Deno.test("[cross-org] references: org B cannot attach org A's ids to its own things", async (t) => {
  await using w = await crossOrgWorld();
  const before = await w.fingerprintA();
  const { A } = w;
  const refs: [string, string, string][] = [
    ["host", "hostIds", A.hostId],
    ["signal", "signalIds", A.signalId],
    ["breach", "breachIds", A.breachId],
    ["run", "runIds", A.runId],
  ];
  for (const [kind, field, id] of refs) {
    await t.step(
      `create an incident naming A's ${kind}`,
      () =>
        probeBoth(
          w,
          [`create ${kind}`, "POST", () => "/api/incidents", (ref) => ({
            title: "mine",
            severity: "medium",
            [field]: [ref],
          })],
          id,
          400,
        ),
    );
    await t.step(
      `link B's incident to A's ${kind}`,
      () =>
        probeBoth(
          w,
          [`link ${kind}`, "POST", () => `/api/incidents/${w.incidentB}`, (ref) => ({
            action: "link",
            kind,
            refId: ref,
          })],
          id,
          400,
        ),
    );
  }
  await t.step("escalation policy naming A's member or endpoint", async () => {
    await probeBoth(
      w,
      ["policy user", "PUT", () => "/api/escalation-policy", (id) => ({
        levels: [{ userIds: [id] }],
      })],
      w.a.ops.userId,
      400,
    );
    await probeBoth(
      w,
      ["policy endpoint", "PUT", () => "/api/escalation-policy", (id) => ({
        levels: [{ endpointIds: [id] }],
      })],
      A.endpointId,
      400,
    );
  });
  await t.step(
    "assign B's incident to A's member",
    () =>
      probeBoth(
        w,
        ["assign", "POST", () => `/api/incidents/${w.incidentB}`, (id) => ({
          action: "assign",
          assigneeId: id,
        })],
        w.a.ops.userId,
        400,
      ),
  );
  await t.step("notify test of A's endpoint", () =>
    probeBoth(
      w,
      ["notify test", "POST", () => "/api/notify/test", (id) => ({ endpointId: id })],
      A.endpointId,
      404,
    ));
  // Found by this probe: POST /api/remediate stored any `breachId`, so org B's run named org A's
  // breach (now 400 unless the breach is the host's own).
  await t.step("a dry-run on B's host naming A's breach is refused", async () => {
    const res = await w.call(w.ownerB, "POST", "/api/remediate", {
      hostId: w.hostB.host.id,
      actionId: LOCKDOWN,
      mode: "dry-run",
      breachId: A.breachId,
    });
    ok(
      res.status === 400 || res.status === 404,
      `expected 400/404, got ${res.status}; run.breachId=${
        (res.body?.run as { breachId?: string } | undefined)?.breachId
      }`,
    );
  });
  await t.step("org A is unchanged", async () => deepEqual(await w.fingerprintA(), before));
});
