/**
 * API conventions across every route under `routes/api/**` (product §2, §4):
 * - every refusal is the shared JSON shape `{ok: false, error: {code, message, details?}}`;
 * - a method a route does not implement answers 405 with `Allow`, whatever the route's policy;
 * - every list is paged and bounded: `?limit=` is validated (400 naming `limit`), honoured, and
 *   the answer carries a `nextCursor`; a cursor that could never have been issued is a 400
 *   naming its parameter;
 * - one mistake gets one machine code, whichever endpoint it is made on.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import manifest from "@/fresh.gen.ts";
import { describeRoutes } from "@/lib/fresh/mod.ts";
import { createSession } from "@/lib/auth/sessions.ts";
import { appSecretOf } from "@/lib/auth/secret.ts";
import { type RemediationWorld, remediationWorld } from "../../support/remediation_world.ts";
import { fixtureJson, pushStatus } from "../../support/hosts_api.ts";
import type { Operator } from "../../support/operator_world.ts";

const JSON_TYPE = { "content-type": "application/json" };

/** Status, headers and parsed body (null when not JSON) of one request. */
interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown> | null;
}

async function call(
  w: RemediationWorld,
  who: Operator | undefined,
  method: string,
  path: string,
  init: { body?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const res = await w.app.request(path, {
    method,
    headers: w.headers(who, { ...JSON_TYPE, ...init.headers }),
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = method === "HEAD" ? "" : await res.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** Asserts the shared error shape: JSON, `ok: false`, a code, a message, no internals. */
function assertErrorShape(a: Answer, label: string): { code: string; details?: unknown } {
  match(a.headers.get("content-type") ?? "", /^application\/json/, `${label}: JSON, got ${a.text}`);
  ok(a.body, `${label}: a JSON body, got ${a.text.slice(0, 200)}`);
  equal(a.body.ok, false, `${label}: ok false`);
  const error = a.body.error as Record<string, unknown> | undefined;
  ok(error && typeof error === "object", `${label}: an error object`);
  match(String(error.code ?? ""), /^[a-z][a-z0-9_]*$/, `${label}: a machine code`);
  ok(typeof error.message === "string" && error.message.length > 0, `${label}: a message`);
  ok(!/\bat .+:\d+:\d+|Error:|stack|sqlite|SELECT |kysely/i.test(a.text), `${label}: ${a.text}`);
  return error as { code: string; details?: unknown };
}

/** Asserts a 400 naming `field` in `details.field`. */
function assertBadField(a: Answer, field: string, label: string): string {
  equal(a.status, 400, `${label}: expected 400, got ${a.status} ${a.text.slice(0, 200)}`);
  const error = assertErrorShape(a, label);
  equal(
    (error.details as { field?: unknown } | undefined)?.field,
    field,
    `${label}: details.field`,
  );
  return error.code;
}

const BAD_LIMITS = ["0", "-1", "100000", "abc", "1.5"];

/**
 * The list endpoint contract: bad limits are 400 naming `limit`; `limit=1` over two or more items
 * answers one item and a `nextCursor`.
 */
async function assertPagedList(
  w: RemediationWorld,
  who: Operator | undefined,
  path: string,
  listKey: string,
  headers: Record<string, string> = {},
): Promise<void> {
  const sep = path.includes("?") ? "&" : "?";
  const all = await call(w, who, "GET", path, { headers });
  equal(all.status, 200, `GET ${path}: ${all.text.slice(0, 200)}`);
  const items = all.body?.[listKey] as unknown[];
  ok(Array.isArray(items) && items.length >= 2, `GET ${path}: the world has two or more items`);
  for (const bad of BAD_LIMITS) {
    const a = await call(w, who, "GET", `${path}${sep}limit=${bad}`, { headers });
    assertBadField(a, "limit", `GET ${path}${sep}limit=${bad}`);
  }
  const one = await call(w, who, "GET", `${path}${sep}limit=1`, { headers });
  equal(one.status, 200, `GET ${path}${sep}limit=1: ${one.text.slice(0, 200)}`);
  const page = one.body?.[listKey] as unknown[];
  equal(page.length, 1, `GET ${path}${sep}limit=1 answers one item, got ${page.length}`);
  const cursor = one.body?.nextCursor;
  ok(
    (typeof cursor === "string" && cursor.length > 0) || typeof cursor === "number",
    `GET ${path}${sep}limit=1 answers a nextCursor, got ${JSON.stringify(cursor)} (keys: ${
      Object.keys(one.body ?? {}).join(", ")
    })`,
  );
}

/** A world with two or more of everything listed. */
async function listWorld(): Promise<RemediationWorld> {
  const w = await remediationWorld();
  const { services } = w;
  for (const action of ["lockdown-access-surface", "collect-forensics-first"]) {
    const run = await w.dryRun(w.a.ops, action);
    equal(run.status, 202, JSON.stringify(run.body));
  }
  for (const email of ["second@acme.test", "third@acme.test"]) {
    const invite = await w.api(w.a.owner, "POST", "/api/orgs/invitations", {
      email,
      role: "viewer",
    });
    equal(invite.status, 201, await invite.text());
  }
  for (const name of ["Hook one", "Hook two"]) {
    const ep = await w.api(w.a.admin, "POST", "/api/notify/endpoints", {
      name,
      kind: "webhook",
      url: "http://127.0.0.1:9/hook",
      minSeverity: "high",
    });
    equal(ep.status, 201, await ep.text());
  }
  await createSession(services.kv, appSecretOf(services.config), {
    userId: w.a.owner.userId,
    ip: "127.0.0.2",
    userAgent: "second browser",
    mfa: false,
    activeOrgId: w.orgA.id,
  }, {
    idleMinutes: services.config.sessionIdleMinutes,
    maxHours: services.config.sessionMaxHours,
    now: services.clock.now(),
  });
  await pushStatus(w, w.web, await fixtureJson("status-drift.json"), "2026-11-25T09:57:00.000Z");
  const second = await w.api(w.a.admin, "POST", "/api/hosts", { name: "db-1", slug: "db-1" });
  equal(second.status, 201, await second.text());
  return w;
}

Deno.test("api conventions: every refusal class answers the shared JSON shape", async () => {
  await using w = await remediationWorld();
  const host = w.web.host.id;
  const cases: Array<[string, Answer, number]> = [
    ["unknown path", await call(w, w.a.owner, "GET", "/api/no-such-thing"), 404],
    ["unknown path, signed out", await call(w, undefined, "GET", "/api/no/such/thing"), 404],
    ["unknown sub-path", await call(w, w.a.owner, "GET", `/api/hosts/${host}/nope`), 404],
    ["405 on a GET-only route", await call(w, w.a.owner, "DELETE", "/api/status"), 405],
    [
      "415",
      await call(w, w.a.admin, "POST", "/api/hosts", {
        headers: { "content-type": "application/xml" },
        body: "<host/>",
      }),
      415,
    ],
    ["malformed JSON", await call(w, w.a.admin, "POST", "/api/hosts", { body: "{oops" }), 400],
    [
      "413",
      await call(w, w.a.admin, "POST", "/api/hosts", {
        body: JSON.stringify({ name: "x".repeat(2_000_000) }),
      }),
      413,
    ],
    ["401", await call(w, undefined, "GET", "/api/hosts"), 401],
    ["403", await call(w, w.a.viewer, "GET", "/api/audit"), 403],
    ["other org's host", await call(w, w.ownerB, "GET", `/api/hosts/${host}`), 404],
  ];
  for (const [label, answer, status] of cases) {
    equal(answer.status, status, `${label}: ${answer.text.slice(0, 200)}`);
    assertErrorShape(answer, label);
  }
  const notAllowed = cases[3][1];
  equal(notAllowed.headers.get("allow"), "GET, HEAD");
  const malformed = cases[5][1].body!.error as { details?: { field?: string } };
  equal(malformed.details?.field, "(body)", "malformed JSON names the body");
});

Deno.test("api conventions: a method no API route implements answers 405 with Allow, never 403", async () => {
  await using w = await remediationWorld();
  const ids: Record<string, string> = { hostId: w.web.host.id };
  const problems: string[] = [];
  let probed = 0;
  for (const route of describeRoutes(manifest)) {
    if (!route.pattern.startsWith("/api/") || route.methods === "ALL") continue;
    const path = route.pattern.replace(/:(\w+)/g, (_, name: string) => ids[name] ?? "x1");
    const allow = [...route.methods];
    if (allow.includes("GET") && !allow.includes("HEAD")) allow.push("HEAD");
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
      if (route.methods.includes(method as never)) continue;
      probed++;
      const a = await call(w, w.a.owner, method, path, {
        ...(method === "GET" ? {} : { body: "{}" }),
      });
      const got = a.body?.error as { code?: string } | undefined;
      if (a.status !== 405 || !a.headers.get("allow")) {
        problems.push(
          `${method} ${route.pattern} -> ${a.status} ${got?.code ?? a.text.slice(0, 80)}` +
            ` (expected 405, Allow: ${allow.join(", ")})`,
        );
        continue;
      }
      const listed = a.headers.get("allow")!.split(/,\s*/).sort();
      deepEqual(listed, [...allow].sort(), `${method} ${route.pattern}: Allow`);
      assertErrorShape(a, `${method} ${route.pattern}`);
    }
  }
  ok(probed > 100, `probed ${probed} method/route pairs`);
  deepEqual(problems, [], `unsupported methods not answered 405:\n  ${problems.join("\n  ")}`);
});

Deno.test("api conventions: the paged lists that already follow the contract keep it", async () => {
  await using w = await listWorld();
  const host = w.web.host.id;
  await assertPagedList(w, w.a.owner, "/api/hosts", "hosts");
  await assertPagedList(w, w.a.owner, "/api/orgs/members", "members");
  await assertPagedList(w, w.a.owner, "/api/audit", "entries");
  await assertPagedList(w, w.a.owner, `/api/hosts/${host}/timeline`, "entries");
  await assertPagedList(w, w.a.owner, "/api/timeline", "entries");
});

Deno.test("api conventions: GET /api/orgs/invitations is paged and bounded", async () => {
  await using w = await listWorld();
  await assertPagedList(w, w.a.owner, "/api/orgs/invitations", "invitations");
});

Deno.test("api conventions: GET /api/auth/sessions is paged and bounded", async () => {
  await using w = await listWorld();
  await assertPagedList(w, w.a.owner, "/api/auth/sessions", "sessions");
});

Deno.test("api conventions: GET /api/hosts/:hostId/keys is paged and bounded", async () => {
  await using w = await listWorld();
  await assertPagedList(w, w.a.owner, `/api/hosts/${w.web.host.id}/keys`, "keys");
});

Deno.test("api conventions: GET /api/notify/endpoints is paged and bounded", async () => {
  await using w = await listWorld();
  await assertPagedList(w, w.a.owner, "/api/notify/endpoints", "endpoints");
});

Deno.test("api conventions: GET /api/hosts/:hostId/runs honours limit and answers nextCursor", async () => {
  await using w = await listWorld();
  await assertPagedList(w, w.a.owner, `/api/hosts/${w.web.host.id}/runs`, "runs");
});

Deno.test("api conventions: GET /api/ops/remediate-queue is paged and bounded", async () => {
  await using w = await listWorld();
  await assertPagedList(w, w.a.owner, "/api/ops/remediate-queue", "runs");
});

Deno.test("api conventions: GET /api/notify/endpoints/:id/deliveries answers a nextCursor", async () => {
  await using w = await listWorld();
  const list = await (await w.api(w.a.owner, "GET", "/api/notify/endpoints")).json();
  const endpointId = list.endpoints[0].id as string;
  for (let i = 0; i < 2; i++) {
    const sent = await w.api(w.a.admin, "POST", "/api/notify/test", { endpointId });
    equal(sent.status, 200, await sent.text());
  }
  await assertPagedList(
    w,
    w.a.owner,
    `/api/notify/endpoints/${endpointId}/deliveries`,
    "deliveries",
  );
});

Deno.test("api conventions: GET /api/hosts/:hostId/history answers a nextCursor", async () => {
  await using w = await listWorld();
  await assertPagedList(w, undefined, `/api/hosts/${w.web.host.id}/history`, "snapshots", {
    authorization: `Bearer ${w.web.onboarding.token}`,
  });
});

Deno.test("api conventions: a cursor that was never issued is a 400 naming its parameter", async () => {
  await using w = await listWorld();
  const host = w.web.host.id;
  const cases: Array<[string, string]> = [
    [`/api/hosts/${host}/runs?before=${"z".repeat(500)}`, "before"],
    [`/api/hosts/${host}/runs?before=not%20a%20run%20id!`, "before"],
    ["/api/hosts?after=%00%00", "after"],
    ["/api/orgs/members?after=%00%00", "after"],
    // Already refused: pinned so the lists above are measured against them.
    ["/api/incidents?after=%00%00", "after"],
    ["/api/breaches?after=not-a-ulid", "after"],
    ["/api/timeline?before=zzz", "before"],
    ["/api/audit?before=zzz", "before"],
  ];
  const problems: string[] = [];
  for (const [path, field] of cases) {
    const a = await call(w, w.a.owner, "GET", path);
    const details = (a.body?.error as { details?: { field?: string } } | undefined)?.details;
    if (a.status !== 400 || details?.field !== field) {
      problems.push(`GET ${path.slice(0, 70)} -> ${a.status} (expected 400 naming ${field})`);
    } else {
      assertErrorShape(a, path);
    }
  }
  deepEqual(problems, [], `bad cursors accepted:\n  ${problems.join("\n  ")}`);
});

Deno.test("api conventions: a bad limit gets the same error code on every list", async () => {
  await using w = await listWorld();
  const list = await (await w.api(w.a.owner, "GET", "/api/notify/endpoints")).json();
  const endpointId = list.endpoints[0].id as string;
  const host = w.web.host.id;
  const paths = [
    "/api/hosts",
    "/api/orgs/members",
    "/api/audit",
    "/api/incidents",
    "/api/breaches",
    "/api/timeline",
    `/api/hosts/${host}/timeline`,
    `/api/hosts/${host}/breaches`,
    `/api/notify/endpoints/${endpointId}/deliveries`,
  ];
  const codes: Record<string, string> = {};
  for (const path of paths) {
    codes[path] = assertBadField(await call(w, w.a.owner, "GET", `${path}?limit=0`), "limit", path);
  }
  const history = await call(w, undefined, "GET", `/api/hosts/${host}/history?limit=0`, {
    headers: { authorization: `Bearer ${w.web.onboarding.token}` },
  });
  codes["/api/hosts/:hostId/history"] = assertBadField(history, "limit", "history");
  const distinct = [...new Set(Object.values(codes))];
  deepEqual(
    distinct,
    ["invalid_input"],
    `one code for a bad limit (as for every other bad field), got:\n  ${
      Object.entries(codes).map(([p, c]) => `${c}  ${p}`).join("\n  ")
    }`,
  );
});

Deno.test("api conventions: POST /api/hosts/:hostId/keys/verify names the body in its 400", async () => {
  await using w = await remediationWorld();
  const a = await call(w, undefined, "POST", `/api/hosts/${w.web.host.id}/keys/verify`, {
    headers: { authorization: `Bearer ${w.web.onboarding.token}` },
    body: "{oops",
  });
  assertBadField(a, "(body)", "verify with malformed JSON");
});
