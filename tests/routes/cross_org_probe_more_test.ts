/**
 * Cross-organization probes (pages): org B's owner opens every console page and posts the forms
 * that take an id with org A's ids. Each probe answers as for an id that exists nowhere, no
 * page of org B shows anything of org A, and org A's data is unchanged afterwards.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { remediationWorld } from "../support/remediation_world.ts";
import { fixtureJson, pushStatus } from "../support/hosts_api.ts";
import type { Operator } from "../support/operator_world.ts";
import { getPage, postForm } from "../support/pages.ts";

const LOCKDOWN = "lockdown-access-surface";

/** An id of the same shape that no organization has (monotonic ULIDs differ in the tail). */
const missingLike = (id: string) =>
  id.slice(0, -8) + (id.endsWith("ZZZZZZZZ") ? "YYYYYYYY" : "ZZZZZZZZ");

async function world() {
  const w = await remediationWorld();
  const json = async (who: Operator, method: string, path: string, body?: unknown) => {
    const res = await w.api(who, method, path, body);
    const text = await res.text();
    ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const run = await w.dryRun(w.a.ops, LOCKDOWN);
  equal(run.status, 202, JSON.stringify(run.body));
  const ioc = await pushStatus(
    w,
    w.web,
    await fixtureJson("status-ioc-outbound.json"),
    "2026-11-25T09:56:00.000Z",
  );
  const hostId = w.web.host.id;
  const incident = await json(w.a.ops, "POST", "/api/incidents", {
    title: "Checkout returns 502",
    severity: "high",
    hostIds: [hostId],
  });
  const endpoint = await json(w.a.admin, "POST", "/api/notify/endpoints", {
    name: "Acme pager",
    kind: "webhook",
    url: "http://127.0.0.1:9/hook",
  });
  await json(w.a.admin, "PUT", "/api/escalation-policy", {
    levels: [{ userIds: [w.a.ops.userId], endpointIds: [endpoint.endpoint.id] }],
  });
  await json(w.ownerB, "POST", "/api/hosts", { name: "beta-1", slug: "beta-1" });
  const keys = await json(w.a.admin, "GET", `/api/hosts/${hostId}/keys`);
  const A = {
    hostId,
    runId: run.body.run!.id,
    breachId: ioc.breaches.opened[0].id,
    incidentId: incident.incident.id as string,
    endpointId: endpoint.endpoint.id as string,
    keyId: keys.keys[0].id as string,
  };
  const fingerprintA = async () => {
    const read = async (path: string) => await json(w.a.owner, "GET", path);
    const audit = await w.services.ledger.db.selectFrom("audit_entries")
      .select(["seq", "action"]).where("chain", "=", w.orgA.id).orderBy("seq").execute();
    return {
      host: await read(`/api/hosts/${hostId}`),
      keys: await read(`/api/hosts/${hostId}/keys`),
      run: await read(`/api/remediate/${A.runId}`),
      incident: await read(`/api/incidents/${A.incidentId}`),
      members: await read("/api/orgs/members"),
      invitations: await read("/api/orgs/invitations"),
      audit,
    };
  };
  return Object.assign(w, { A, fingerprintA });
}

/** What only org A's pages may contain. */
const A_MARKS = ["web-1", "acme.test", "Acme", "Acme pager", "Checkout returns 502"];

Deno.test("[cross-org] pages: org A's ids answer org B's owner as missing ids", async (t) => {
  await using w = await world();
  const before = await w.fingerprintA();
  const { A } = w;
  const get = (path: string) => getPage(w.app, path, w.headers(w.ownerB));
  const post = async (path: string, fields: Record<string, string>) => {
    const res = await postForm(w.app, path, fields, { cookie: w.ownerB.cookie });
    return { status: res.status, html: await res.text() };
  };
  /** Same status for A's id and a missing one, `expected` among the allowed, no mark of A. */
  const both = async (
    name: string,
    id: string,
    send: (id: string) => Promise<{ status: number; html: string }>,
    expected: number[],
  ) => {
    const foreign = await send(id);
    const missing = await send(missingLike(id));
    ok(expected.includes(foreign.status), `${name}: A's id got ${foreign.status}`);
    equal(foreign.status, missing.status, `${name}: A's id answers unlike a missing id`);
    for (const mark of A_MARKS) ok(!foreign.html.includes(mark), `${name} shows "${mark}"`);
  };
  const probes: [string, string, (id: string) => Promise<{ status: number; html: string }>][] = [
    ["GET remediate console", A.hostId, (id) => get(`/hosts/${id}/remediate`)],
    [
      "POST remediate dry-run",
      A.hostId,
      (id) => post(`/hosts/${id}/remediate`, { intent: "dry-run", action: LOCKDOWN }),
    ],
    ["POST host key_create", A.hostId, (id) => post(`/hosts/${id}`, { intent: "key_create" })],
    [
      "POST host key_revoke",
      A.hostId,
      (id) => post(`/hosts/${id}`, { intent: "key_revoke", keyId: A.keyId }),
    ],
    [
      "POST host settings",
      A.hostId,
      (id) => post(`/hosts/${id}`, { intent: "settings", name: "pwned" }),
    ],
    ["GET run page", A.runId, (id) => get(`/remediation/${id}`)],
    [
      "POST run cancel",
      A.runId,
      (id) => post(`/remediation/${id}`, { intent: "cancel", reason: "mine" }),
    ],
    [
      "POST run approve",
      A.runId,
      (id) => post(`/remediation/${id}`, { intent: "approve", reason: "mine" }),
    ],
  ];
  for (const [name, id, send] of probes) {
    await t.step(name, () => both(name, id, send, [404]));
  }
  await t.step("member and invitation forms with A's ids", async () => {
    await both(
      "role",
      w.a.ops.userId,
      (id) => post("/org/members", { intent: "role", userId: id, role: "viewer" }),
      [404],
    );
    await both(
      "remove",
      w.a.ops.userId,
      (id) => post("/org/members", { intent: "remove", userId: id }),
      [404],
    );
    await both(
      "revoke",
      w.invitationA.id,
      (id) => post("/org/members", { intent: "revoke", invitationId: id }),
      [404],
    );
    await both("switch", w.orgA.id, (id) => post("/org/switch", { orgId: id }), [404]);
  });
  await t.step("forms and filters naming A's host or endpoint", async () => {
    await both("incident on A's host", A.hostId, (id) =>
      post("/incidents", {
        intent: "create",
        title: "mine",
        severity: "medium",
        hostId: id,
      }), [400]);
    await both(
      "test A's endpoint",
      A.endpointId,
      (id) => post("/notifications", { intent: "test", endpointId: id }),
      [404],
    );
    await both("breaches?host", A.hostId, (id) => get(`/breaches?host=${id}`), [200, 400, 404]);
    await both("incidents?host", A.hostId, (id) => get(`/incidents?host=${id}`), [200, 400, 404]);
    await both("audit?targetId", A.hostId, (id) => get(`/audit?targetId=${id}`), [200]);
  });
  await t.step("no page of org B shows anything of org A", async () => {
    const control = await getPage(w.app, "/hosts", w.headers(w.a.owner));
    ok(control.html.includes("web-1"), "control: org A's own page shows its host");
    for (
      const path of [
        "/",
        "/hosts",
        "/breaches",
        "/timeline",
        "/incidents",
        "/remediation",
        "/remediation/policy",
        "/notifications",
        "/escalation",
        "/reports",
        "/audit",
        "/org/members",
        "/org/settings",
        "/account",
      ]
    ) {
      const page = await get(path);
      equal(page.status, 200, path);
      for (const mark of [...A_MARKS, ...Object.values(A), w.a.ops.userId]) {
        ok(!page.html.includes(mark), `${path} shows "${mark}"`);
      }
    }
  });
  // Found by this probe: the audit page resolved an e-mail in "actor" against every user of
  // every organization and put the user id into its export links, so an admin of B learned
  // that an address has an account, and its user id.
  await t.step("the audit page does not resolve another organization's e-mail", async () => {
    const known = await get(`/audit?actor=${encodeURIComponent(w.a.owner.email)}`);
    const unknown = await get(`/audit?actor=${encodeURIComponent("nobody@acme.test")}`);
    equal(known.status, unknown.status);
    ok(
      !known.html.includes(w.a.owner.userId),
      `org A's owner's user id is in org B's audit page: ${
        known.doc.querySelector('a[href^="/api/audit/export"]')?.getAttribute("href")
      }`,
    );
  });
  await t.step("org A is unchanged", async () => deepEqual(await w.fingerprintA(), before));
});
