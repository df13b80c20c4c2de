/**
 * Cursor paging of the run, queue, history and delivery lists (product §2: every list is paged
 * and bounded): walking every page of a list longer than one page answers each item exactly
 * once, in order; a cursor that could never have been issued is a 400 `invalid_input` naming it;
 * "drain" and "replay all" reach every run, not only the first page of 200.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { createOrg } from "@/lib/orgs/orgs.ts";
import { createHost } from "@/lib/hosts/registry.ts";
import { deliveryLog, type NewDelivery, newDeliveryId } from "@/lib/notify/deliveries.ts";
import { drainQueue, replayRuns } from "@/lib/remediation/lifecycle.ts";
import { insertRun, listRuns, type Run, RUN_ID_PATTERN } from "@/lib/remediation/runs.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { type RemediationWorld, remediationWorld } from "../../support/remediation_world.ts";
import { fixtureJson, pushStatus } from "../../support/hosts_api.ts";
import type { Operator } from "../../support/operator_world.ts";
import { insertEndpointRow } from "../../support/notify_rows.ts";

const T0 = new Date("2026-11-25T10:00:00.000Z");

/** GETs `path` as `who` (or with `headers` only); status and parsed JSON. */
async function get(
  w: RemediationWorld,
  who: Operator | undefined,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await w.app.request(path, { headers: w.headers(who, headers) });
  return { status: res.status, body: await res.json() };
}

/**
 * Follows `nextCursor` (sent back as `?before=`) from the first page of `path` until it is null;
 * returns every page's ids. Fails on a page over `limit` or a walk of more than 100 pages.
 */
async function walk(
  w: RemediationWorld,
  who: Operator | undefined,
  path: string,
  listKey: string,
  limit: number,
  headers: Record<string, string> = {},
): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  const sep = path.includes("?") ? "&" : "?";
  do {
    const url: string = `${path}${sep}limit=${limit}` +
      (cursor === null ? "" : `&before=${encodeURIComponent(cursor)}`);
    const page = await get(w, who, url, headers);
    equal(page.status, 200, `GET ${url}: ${JSON.stringify(page.body).slice(0, 300)}`);
    const items = page.body[listKey] as { id: string }[];
    ok(items.length <= limit, `GET ${url}: at most ${limit} items, got ${items.length}`);
    pages.push(items.map((i) => i.id));
    const next = page.body.nextCursor;
    ok(next === null || typeof next === "string", `nextCursor: ${JSON.stringify(next)}`);
    cursor = next as string | null;
    ok(pages.length <= 100, "the walk ends");
  } while (cursor !== null);
  return pages;
}

/** Asserts the walk answered `expected` exactly, in order, each once. */
function assertWalked(pages: string[][], expected: string[], label: string): void {
  const flat = pages.flat();
  equal(new Set(flat).size, flat.length, `${label}: no item repeated`);
  deepEqual(flat, expected, `${label}: every item, in order`);
  ok(pages.length > 1, `${label}: more than one page`);
}

/** Adds `n` runs of `w.web` copying `template`'s plan, then sets their state. */
async function addRuns(
  w: RemediationWorld,
  template: Run,
  n: number,
  state: Run["state"],
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const run = await insertRun(w.services.ledger, {
      orgId: template.orgId,
      hostId: template.hostId,
      mode: "dry-run",
      plan: template.plan,
      state: "queued",
      needsApproval: false,
      breachId: null,
      requestedBy: template.requestedBy,
      requestedIp: null,
      now: w.services.clock.now(),
      expiresAt: new Date(w.services.clock.now().getTime() + 24 * 3600_000),
    });
    ids.push(run.id);
  }
  if (state !== "queued" && ids.length > 0) {
    await w.services.ledger.db.updateTable("remediation_runs").set({ state })
      .where("id", "in", ids).execute();
  }
  return ids;
}

/** Requests one dry-run through the API; returns the run. */
async function firstRun(w: RemediationWorld): Promise<Run> {
  const first = await w.dryRun(w.a.ops, "collect-forensics-first");
  equal(first.status, 202, JSON.stringify(first.body));
  return first.body.run!;
}

Deno.test("paging: GET /api/hosts/:hostId/runs walks every run once, newest first", async () => {
  await using w = await remediationWorld();
  const first = await firstRun(w);
  await addRuns(w, first, 3, "succeeded");
  await addRuns(w, first, 3, "failed");
  const all = (await listRuns(w.services.ledger, w.orgA.id, { hostId: w.web.host.id, limit: 200 }))
    .map((r) => r.id);
  equal(all.length, 7);
  const pages = await walk(w, w.a.viewer, `/api/hosts/${w.web.host.id}/runs`, "runs", 3);
  assertWalked(pages, all, "host runs");
  // The default page and the old `next` field: 50 by default, no `next` (no client reads it).
  const whole = await get(w, w.a.viewer, `/api/hosts/${w.web.host.id}/runs`);
  equal((whole.body.runs as unknown[]).length, 7);
  equal(whole.body.nextCursor, null);
  equal("next" in whole.body, false);
});

Deno.test("paging: GET /api/ops/remediate-queue walks pending and dead-lettered runs once", async () => {
  await using w = await remediationWorld();
  const first = await firstRun(w);
  await addRuns(w, first, 2, "awaiting-approval");
  await addRuns(w, first, 4, "dead-letter");
  await addRuns(w, first, 2, "succeeded"); // not in the queue
  const states = ["queued", "awaiting-approval", "dispatched", "running", "dead-letter"] as const;
  const queue = (await listRuns(w.services.ledger, w.orgA.id, { states, limit: 200 }))
    .map((r) => r.id);
  equal(queue.length, 7);
  assertWalked(await walk(w, w.a.ops, "/api/ops/remediate-queue", "runs", 2), queue, "queue");
  assertWalked(await walk(w, w.a.ops, "/api/ops/remediate-queue", "runs", 1), queue, "queue by 1");
  // Bounded: the default page is 50, however many runs are dead-lettered.
  await addRuns(w, first, 60, "dead-letter");
  const page = await get(w, w.a.ops, "/api/ops/remediate-queue");
  equal((page.body.runs as unknown[]).length, 50);
  equal(page.body.nextCursor, (page.body.runs as { id: string }[])[49].id);
});

Deno.test("paging: run cursors that could never have been issued are 400 invalid_input", async () => {
  await using w = await remediationWorld();
  const first = await firstRun(w);
  ok(RUN_ID_PATTERN.test(first.id), `a real run id matches the pattern: ${first.id}`);
  const host = w.web.host.id;
  const bad = [
    "not%20a%20run%20id!",
    "z".repeat(500),
    "run_",
    "run_" + "0".repeat(25),
    "run_" + "0".repeat(27),
    "run_" + "U".repeat(26), // U is not Crockford base32
    "run_8" + "0".repeat(25), // past the largest ULID time
    first.id.toLowerCase(),
    "1795600800000.01JDX3S7Q4M0C5V2YH7R8K9ZTA",
  ];
  for (const path of [`/api/hosts/${host}/runs`, "/api/ops/remediate-queue"]) {
    for (const before of bad) {
      const a = await get(w, w.a.ops, `${path}?before=${before}`);
      equal(a.status, 400, `${path}?before=${before.slice(0, 40)}: ${JSON.stringify(a.body)}`);
      const error = a.body.error as { code: string; details?: { field?: string } };
      deepEqual([error.code, error.details?.field], ["invalid_input", "before"]);
    }
    for (const limit of ["0", "201", "x", "1.5", ""]) {
      const a = await get(w, w.a.ops, `${path}?limit=${limit}`);
      equal(a.status, 400, `${path}?limit=${limit}`);
      const error = a.body.error as { code: string; details?: { field?: string } };
      deepEqual([error.code, error.details?.field], ["invalid_input", "limit"]);
    }
    // A well-formed cursor past every run is an empty last page, not an error.
    const past = await get(w, w.a.ops, `${path}?before=run_00000000000000000000000000`);
    equal(past.status, 200);
    deepEqual([past.body.runs, past.body.nextCursor], [[], null]);
  }
});

Deno.test("paging: GET /api/hosts/:hostId/history walks every snapshot once", async () => {
  await using w = await remediationWorld();
  const payload = await fixtureJson("status-drift.json");
  for (let i = 0; i < 4; i++) {
    w.services.clock.advance(i % 2 === 0 ? 60_000 : 0); // pairs share a received_at
    const answer = await pushStatus(w, w.web, payload, `2026-11-25T10:0${i}:00.000Z`);
    ok(answer, "pushed");
  }
  const snapshots = await w.services.ledger.db.selectFrom("snapshots").select(["id"])
    .where("host_id", "=", w.web.host.id).orderBy("received_at", "desc").orderBy("id", "desc")
    .execute();
  ok(snapshots.length >= 5, `five or more snapshots, got ${snapshots.length}`);
  const auth = { authorization: `Bearer ${w.web.onboarding.token}` };
  const path = `/api/hosts/${w.web.host.id}/history`;
  for (const limit of [1, 2, 3]) {
    const pages = await walk(w, undefined, path, "snapshots", limit, auth);
    assertWalked(pages, snapshots.map((s) => s.id), `history by ${limit}`);
  }
  for (const before of ["zzz", "1.2", "12.01JDX3S7Q4M0C5V2YH7R8K9ZT", `-1.${snapshots[0].id}`]) {
    const a = await get(w, undefined, `${path}?before=${before}`, auth);
    equal(a.status, 400, `history?before=${before}`);
    const error = a.body.error as { code: string; details?: { field?: string } };
    deepEqual([error.code, error.details?.field], ["invalid_input", "before"]);
  }
  const bad = await get(w, undefined, `${path}?limit=0`, auth);
  equal((bad.body.error as { code: string }).code, "invalid_input");
  // The default page stays 20.
  const whole = await get(w, undefined, path, auth);
  equal(whole.status, 200);
  equal(whole.body.nextCursor, null);
});

Deno.test("paging: GET /api/notify/endpoints/:id/deliveries walks every delivery once", async () => {
  await using w = await remediationWorld();
  const created = await w.api(w.a.admin, "POST", "/api/notify/endpoints", {
    name: "Hook",
    kind: "webhook",
    url: "http://127.0.0.1:9/hook",
    minSeverity: "high",
  });
  equal(created.status, 201, await created.text());
  const list = await (await w.api(w.a.owner, "GET", "/api/notify/endpoints")).json();
  const endpointId = list.endpoints[0].id as string;
  for (let i = 0; i < 5; i++) {
    if (i % 2 === 0) w.services.clock.advance(1_000); // some deliveries share a created_at
    const sent = await w.api(w.a.admin, "POST", "/api/notify/test", { endpointId });
    equal(sent.status, 200, await sent.text());
  }
  const all = (await deliveryLog(w.services.ledger, w.orgA.id, endpointId, { limit: 200 }))
    .map((d) => d.id);
  equal(all.length, 5);
  const path = `/api/notify/endpoints/${endpointId}/deliveries`;
  for (const limit of [1, 2, 4]) {
    assertWalked(await walk(w, w.a.owner, path, "deliveries", limit), all, `by ${limit}`);
  }
  for (const before of ["zzz", all[0], `1.${all[0].slice(3)}`, `x.${all[0]}`]) {
    const a = await get(w, w.a.owner, `${path}?before=${encodeURIComponent(before)}`);
    equal(a.status, 400, `deliveries?before=${before}`);
    const error = a.body.error as { code: string; details?: { field?: string } };
    deepEqual([error.code, error.details?.field], ["invalid_input", "before"]);
  }
});

forEachLedger("[remediation] listRuns pages by before and after, exactly", async (ledger) => {
  const org = await createOrg(ledger, { name: "Acme", slug: "acme", now: T0 });
  const host = await createHost(ledger, org.id, { name: "web", slug: "web-1" }, { now: T0 });
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) {
    const run = await insertRun(ledger, {
      orgId: org.id,
      hostId: host.id,
      mode: "dry-run",
      plan: {
        actionId: "collect-forensics-first",
        actionVersion: 1,
        planHash: "x",
        riskTier: "low",
        params: {},
      } as unknown as Run["plan"],
      state: i % 2 === 0 ? "queued" : "awaiting-approval",
      needsApproval: i % 2 === 1,
      breachId: null,
      requestedBy: "u_1",
      requestedIp: null,
      now: T0, // one millisecond for all: the ULID stays monotonic
      expiresAt: new Date(T0.getTime() + 3600_000),
    });
    ids.push(run.id);
  }
  ok(ids.every((id) => RUN_ID_PATTERN.test(id)), "issued ids match RUN_ID_PATTERN");
  const newest: string[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await listRuns(ledger, org.id, { before, limit: 3 });
    newest.push(...page.map((r) => r.id));
    if (page.length < 3) break;
    before = page.at(-1)!.id;
  }
  deepEqual(newest, [...ids].reverse(), "before: newest first, each once");
  const oldest: string[] = [];
  let after = "";
  for (;;) {
    const page = await listRuns(ledger, org.id, { after, limit: 2, states: ["queued"] });
    oldest.push(...page.map((r) => r.id));
    if (page.length < 2) break;
    after = page.at(-1)!.id;
  }
  deepEqual(oldest, ids.filter((_, i) => i % 2 === 0), "after: oldest first, state filter kept");
  // Defaults unchanged for the pages that call listRuns without a cursor.
  deepEqual((await listRuns(ledger, org.id)).map((r) => r.id), [...ids].reverse());
});

/** Seeds an org, an endpoint and `n` deliveries, `perMs` of them per millisecond of created_at. */
async function seedDeliveries(ledger: Ledger, n: number, perMs: number) {
  const org = await createOrg(ledger, { name: "Acme", slug: "acme", now: T0 });
  await insertEndpointRow(ledger, org.id, T0);
  const rows: NewDelivery[] = [];
  for (let i = 0; i < n; i++) {
    const at = new Date(T0.getTime() + Math.floor(i / perMs));
    rows.push({
      id: newDeliveryId(at),
      org_id: org.id,
      endpoint_id: "ne_1",
      kind: "webhook",
      recipient: null,
      event_type: "incident.opened",
      severity: "high",
      title: `t${i}`,
      dedupe_key: null,
      payload: JSON.stringify({ summary: "s" }),
      status: "sent",
      attempts: 1,
      next_attempt_at: null,
      created_at: at,
      updated_at: at,
    });
  }
  await ledger.db.insertInto("notify_deliveries").values(rows).execute();
  return { orgId: org.id, ids: rows.map((r) => r.id as string) };
}

forEachLedger(
  "[notify] deliveryLog pages by before, ties on created_at included",
  async (ledger) => {
    const { orgId, ids } = await seedDeliveries(ledger, 11, 3);
    for (const limit of [1, 2, 4, 5]) {
      const seen: string[] = [];
      let before: { createdAt: Date; id: string } | undefined;
      for (let pages = 0;; pages++) {
        ok(pages < 20, "the walk ends");
        const page = await deliveryLog(ledger, orgId, "ne_1", { limit, before });
        seen.push(...page.map((d) => d.id));
        if (page.length < limit) break;
        before = { createdAt: page.at(-1)!.createdAt, id: page.at(-1)!.id };
      }
      deepEqual(seen, [...ids].reverse(), `limit ${limit}: newest first, each once`);
    }
    // Without `before` the log is what it was (the notifications page calls it so).
    deepEqual(
      (await deliveryLog(ledger, orgId, "ne_1", { limit: 50 })).map((d) => d.id),
      [...ids].reverse(),
    );
  },
);

forEachLedger(
  "[remediation] replay of every dead-lettered run reaches all past the first 200",
  async (_ledger, { url }) => {
    await using w = await remediationWorld({ env: { DATABASE_URL: url } });
    const first = await firstRun(w);
    const dead = await addRuns(w, first, 203, "dead-letter");
    const replayed = await replayRuns(w.services, {
      orgId: w.orgA.id,
      runIds: [],
      actor: { type: "user", id: w.a.ops.userId },
    });
    deepEqual([...replayed].sort(), [...dead].sort(), "every dead-lettered run replayed, once");
    deepEqual(replayed, dead, "oldest first");
    const left = await listRuns(w.services.ledger, w.orgA.id, { states: ["dead-letter"] });
    deepEqual(left, [], "none left dead-lettered");
    equal(w.services.config.databaseUrl, url, "the world runs on this ledger");
  },
);

forEachLedger(
  "[remediation] drainQueue examines every queued run past the first 200",
  async (_ledger, { url }) => {
    await using w = await remediationWorld({ env: { DATABASE_URL: url } });
    const first = await firstRun(w);
    const queued = [first.id, ...await addRuns(w, first, 202, "queued")];
    const drained = await drainQueue(w.services, w.orgA.id);
    equal(drained.examined, 203);
    equal(drained.dispatched + drained.expired, 203, JSON.stringify(drained));
    const still = await listRuns(w.services.ledger, w.orgA.id, { states: ["queued"] });
    deepEqual(still, [], "nothing left queued");
    const runs = await listRuns(w.services.ledger, w.orgA.id, { limit: 200 });
    ok(runs.every((r) => queued.includes(r.id) && r.state !== "queued"));
    equal(w.services.config.databaseUrl, url, "the world runs on this ledger");
  },
);
