/**
 * Cursor paging of the lists that had none (host keys, notification endpoints, invitations,
 * sessions) and the cursor shapes of hosts and members: every page walk over a list longer than
 * one page sees each item exactly once, in the list's order; bad `limit`s and cursors that could
 * never have been issued are 400 `invalid_input` naming the parameter. The ledger functions are
 * walked on both dialects, sessions on in-memory KV, the routes through the app.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { HttpError } from "@/lib/fresh/errors.ts";
import {
  MAX_PAGE,
  pageOf,
  pageParams,
  pageQuery,
  parseTextCursor,
  textCursor,
  ULID_CURSOR,
} from "@/lib/http/paging.ts";
import { createHostKey, type HostKey, listHostKeys } from "@/lib/hosts/keys.ts";
import { listEndpoints } from "@/lib/notify/endpoint_store.ts";
import { createInvitation, listInvitations, revokeInvitation } from "@/lib/orgs/invitations.ts";
import { createSession, listSessions, revokeSession } from "@/lib/auth/sessions.ts";
import { appSecretOf } from "@/lib/auth/secret.ts";
import type { Org } from "@/lib/orgs/orgs.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { rejection, seedOrg } from "../../support/operators.ts";
import { at, seedHost, T0 } from "../../support/hosts.ts";
import { type Operator, type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import { createHostViaApi } from "../../support/hosts_api.ts";
import { insertEndpointRow } from "../../support/notify_rows.ts";

const HOUR = 3_600_000;

/** Asserts `items` has no repeats and equals `expected` (the whole list, in order). */
function assertWalk(items: string[], expected: string[], label: string): void {
  equal(new Set(items).size, items.length, `${label}: an item repeated: ${items.join(", ")}`);
  deepEqual(items, expected, `${label}: every item once, in order`);
}

/** Walks a ledger or KV list page by page until a short page; returns ids in order. */
async function walkLib<T>(
  list: (cursor: T | undefined) => Promise<{ id: string }[]>,
  cursorOf: (last: { id: string }) => T,
  limit: number,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: T | undefined;
  for (let pages = 1; pages <= 50; pages++) {
    const page = await list(cursor);
    ok(page.length <= limit, `page ${pages}: at most ${limit}, got ${page.length}`);
    ids.push(...page.map((item) => item.id));
    if (page.length < limit) return { ids, pages };
    cursor = cursorOf(page[page.length - 1]);
  }
  throw new Error("the walk did not end within 50 pages");
}

// --- lib/http/paging.ts -------------------------------------------------------------------------

function refusal(fn: () => unknown): { status: number; code: string; field: unknown } {
  try {
    fn();
  } catch (error) {
    ok(error instanceof HttpError, String(error));
    return {
      status: error.status,
      code: error.code,
      field: (error.details as { field?: unknown } | undefined)?.field,
    };
  }
  throw new Error("expected a refusal");
}

Deno.test("[paging] pageParams: limit 1-200 with a default, else 400 invalid_input naming limit", () => {
  const url = (q: string) => new URL(`http://x/api/list${q}`);
  deepEqual(pageParams(url("")), { limit: 50, cursor: undefined });
  deepEqual(pageParams(url(""), { defaultLimit: 100 }), { limit: 100, cursor: undefined });
  deepEqual(pageParams(url("?limit=1")), { limit: 1, cursor: undefined });
  deepEqual(pageParams(url(`?limit=${MAX_PAGE}`)), { limit: MAX_PAGE, cursor: undefined });
  for (const bad of ["0", "-1", "100000", "abc", "1.5", "", "1e2", " 5", "201", "0x10"]) {
    deepEqual(
      refusal(() => pageParams(url(`?limit=${encodeURIComponent(bad)}`))),
      { status: 400, code: "invalid_input", field: "limit" },
      `limit=${bad}`,
    );
  }
});

Deno.test("[paging] pageParams: the cursor parameter and its pattern; pageQuery keeps its shape", () => {
  const url = (q: string) => new URL(`http://x/api/list${q}`);
  const ulid = "01JDX3S7Q4M0C5V2YH7R8K9ZTA";
  deepEqual(pageParams(url(`?before=${ulid}`), { param: "before", pattern: ULID_CURSOR }), {
    limit: 50,
    cursor: ulid,
  });
  // The other parameter is not this list's cursor.
  deepEqual(pageParams(url(`?after=${ulid}`), { param: "before" }), {
    limit: 50,
    cursor: undefined,
  });
  for (const bad of ["", "%00%00", "not-a-ulid", ulid.toLowerCase(), `${ulid}0`, "z".repeat(500)]) {
    deepEqual(
      refusal(() => pageParams(url(`?before=${bad}`), { param: "before", pattern: ULID_CURSOR })),
      { status: 400, code: "invalid_input", field: "before" },
      `before=${bad}`,
    );
  }
  deepEqual(pageQuery(url("?after=web-1&limit=3")), { limit: 3, after: "web-1" });
  deepEqual(pageQuery(url("?after=web-1"), 20, /^[a-z0-9-]{1,64}$/), { limit: 20, after: "web-1" });
  deepEqual(
    refusal(() => pageQuery(url("?after=%00%00"), 50, /^[a-z0-9-]{1,64}$/)),
    { status: 400, code: "invalid_input", field: "after" },
  );
  deepEqual(
    refusal(() => pageQuery(url("?limit=0"))),
    { status: 400, code: "invalid_input", field: "limit" },
  );
  // Any object with a RegExp's `test` will do.
  const even = { test: (c: string) => c.length % 2 === 0 };
  deepEqual(pageQuery(url("?after=ab"), 50, even), { limit: 50, after: "ab" });
  equal(refusal(() => pageQuery(url("?after=abc"), 50, even)).field, "after");
});

Deno.test("[paging] pageOf, textCursor and parseTextCursor", () => {
  deepEqual(pageOf([1, 2, 3], 2, String), { items: [1, 2], nextCursor: "2" });
  deepEqual(pageOf([1, 2], 2, String), { items: [1, 2], nextCursor: null });
  deepEqual(pageOf([], 2, String), { items: [], nextCursor: null });
  const any = () => true;
  for (const name of ["On-call Slack", "Ünïcode ✓", "a/b?c=d&e", "x".repeat(80)]) {
    const cursor = textCursor(name);
    match(cursor, /^[A-Za-z0-9_-]+$/);
    equal(parseTextCursor(cursor, "after", any), name);
  }
  const trimmed = (s: string) => s.trim() === s;
  for (
    const bad of [
      "%00%00",
      "\0\0",
      "not base64!",
      textCursor("Hook") + "=",
      textCursor(" padded "),
      "_w", // 0xff: not UTF-8
      "QUJDa", // not canonical (trailing bits set)
    ]
  ) {
    deepEqual(
      refusal(() => parseTextCursor(bad, "after", trimmed)),
      { status: 400, code: "invalid_input", field: "after" },
      JSON.stringify(bad),
    );
  }
});

// --- the ledger functions, both dialects -------------------------------------------------------

forEachLedger(
  "[paging] listHostKeys walks every key once, newest first, ties by id",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1");
    const other = await seedHost(ledger, org, "db-1");
    // Equal creation times, and a time before the previous one (its monotonic id sorts later).
    for (const now of [T0, T0, T0, at(60), at(60), at(-30), at(120), T0, at(-30)]) {
      await createHostKey(ledger, { orgId: org.id, hostId: host.id, now });
    }
    await createHostKey(ledger, { orgId: org.id, hostId: other.id, now: T0 });
    const all = await listHostKeys(ledger, org.id, host.id);
    equal(all.length, 9);
    const sorted = all.toSorted((a, b) =>
      b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
    );
    deepEqual(all.map((k) => k.id), sorted.map((k) => k.id), "newest first, then id descending");
    for (const limit of [1, 2, 4, 9, 10]) {
      const walk = await walkLib<{ createdAt: Date; id: string }>(
        (before) => listHostKeys(ledger, org.id, host.id, { limit, before }),
        (last) => ({ createdAt: (last as HostKey).createdAt, id: last.id }),
        limit,
      );
      assertWalk(walk.ids, all.map((k) => k.id), `limit ${limit}`);
    }
    deepEqual(
      (await listHostKeys(ledger, org.id, host.id, { limit: 3 })).map((k) => k.id),
      all.slice(0, 3).map((k) => k.id),
    );
    const bad = await rejection(listHostKeys(ledger, org.id, host.id, { limit: 0 }));
    deepEqual([bad.status, bad.code], [400, "invalid_input"]);
  },
);

async function seedEndpoint(ledger: Ledger, org: Org, name: string, i: number): Promise<void> {
  await insertEndpointRow(ledger, org.id, T0, {
    id: `ne_01JDX3S7Q4M0C5V2YH7R8K9Z${String(i).padStart(2, "0")}`,
    name,
    kind: "email",
    url_display: null,
    emails: JSON.stringify(["ops@example.com"]),
    min_severity: "high",
  });
}

forEachLedger("[paging] listEndpoints walks every endpoint once, by name", async (ledger) => {
  const org = await seedOrg(ledger, "acme");
  const other = await seedOrg(ledger, "beta");
  const names = [
    "Pager",
    "pager two",
    "Alpha hook",
    "alpha",
    "Zulu",
    "Ünïcode ✓",
    "On-call Slack",
    "a/b?c=d&e",
    "10 ops",
    "2 ops",
    "mail",
  ];
  for (const [i, name] of names.entries()) await seedEndpoint(ledger, org, name, i);
  await seedEndpoint(ledger, other, "Beta only", 99);
  const all = await listEndpoints(ledger, org.id);
  equal(all.length, names.length, "every endpoint without a page (what sending needs)");
  for (const limit of [1, 3, 5, 11, 12]) {
    const byName = new Map(all.map((e) => [e.id, e.name]));
    const walk = await walkLib<string>(
      (after) => listEndpoints(ledger, org.id, { limit, after }),
      (last) => byName.get(last.id)!,
      limit,
    );
    assertWalk(walk.ids, all.map((e) => e.id), `limit ${limit}`);
  }
  const bad = await rejection(listEndpoints(ledger, org.id, { limit: -1 }));
  deepEqual([bad.status, bad.code], [400, "invalid_input"]);
});

forEachLedger(
  "[paging] listInvitations walks every pending invitation once, newest first",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const invite = async (email: string, now: Date, ttlMs = 24 * HOUR) =>
      (await createInvitation(ledger, {
        orgId: org.id,
        email,
        role: "ops",
        invitedBy: "inviter",
        ttlMs,
        now,
      })).invitation;
    const pending: string[] = [];
    for (let i = 0; i < 7; i++) pending.push((await invite(`p${i}@example.com`, at(i * 10))).id);
    // Same millisecond: ids still differ, so the keyset stays exact.
    pending.push((await invite("same1@example.com", at(100))).id);
    pending.push((await invite("same2@example.com", at(100))).id);
    const revoked = await invite("revoked@example.com", at(35));
    await revokeInvitation(ledger, org.id, revoked.id, at(36));
    await invite("expired@example.com", at(5), HOUR);
    const now = at(2 * 3600);
    const all = await listInvitations(ledger, org.id, { pendingOnly: true, now, limit: 200 });
    deepEqual(all.map((i) => i.id).toSorted(), pending.toSorted(), "pending only, as of `now`");
    deepEqual(all.map((i) => i.id), all.map((i) => i.id).toSorted().toReversed(), "newest first");
    for (const limit of [1, 2, 4, 9]) {
      const walk = await walkLib<string>(
        (before) => listInvitations(ledger, org.id, { pendingOnly: true, now, limit, before }),
        (last) => last.id,
        limit,
      );
      assertWalk(walk.ids, all.map((i) => i.id), `limit ${limit}`);
    }
    for (const before of ["%00%00", "not-a-ulid", "z".repeat(300)]) {
      const bad = await rejection(listInvitations(ledger, org.id, { before }));
      deepEqual([bad.status, bad.code], [400, "invalid_input"], before);
    }
  },
);

// --- sessions in KV ----------------------------------------------------------------------------

Deno.test("[paging] listSessions walks every session once, newest first, by key", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const secret = "test-secret-test-secret-test-secret-0123";
    const open = async (userId: string, now: Date, maxHours = 12) =>
      (await createSession(kv, secret, {
        userId,
        ip: "127.0.0.1",
        userAgent: "test",
        mfa: false,
        activeOrgId: null,
      }, { idleMinutes: 30, maxHours, now })).session.id;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await open("user-1", at(i)));
    // Same millisecond (random ULID tails), and another user's sessions in between.
    for (let i = 0; i < 4; i++) ids.push(await open("user-1", at(10)));
    await open("user-2", at(3));
    const all = await listSessions(kv, "user-1", { limit: 500 });
    deepEqual(all.map((s) => s.id), ids.toSorted().toReversed(), "newest first (by id)");
    for (const limit of [1, 2, 4, 9]) {
      const walk = await walkLib<string>(
        (before) => listSessions(kv, "user-1", { limit, before }),
        (last) => last.id,
        limit,
      );
      assertWalk(walk.ids, all.map((s) => s.id), `limit ${limit}`);
    }
    // The cursor is a key, not a record: a session revoked between pages still pages on.
    const first = await listSessions(kv, "user-1", { limit: 3 });
    await revokeSession(kv, "user-1", first[2].id);
    deepEqual(
      (await listSessions(kv, "user-1", { limit: 3, before: first[2].id })).map((s) => s.id),
      all.slice(3, 6).map((s) => s.id),
    );
    // Left-out (expired) sessions do not shorten a page: it reads on to fill it.
    const expiring: string[] = [];
    for (let i = 0; i < 4; i++) expiring.push(await open("user-3", at(20 + i), 1));
    const lasting: string[] = [];
    for (let i = 0; i < 3; i++) lasting.push(await open("user-3", at(i), 48));
    const later = at(3 * 3600);
    deepEqual(
      (await listSessions(kv, "user-3", { limit: 2, now: later })).map((s) => s.id),
      lasting.toSorted().toReversed().slice(0, 2),
    );
  } finally {
    kv.close();
  }
});

// --- the routes --------------------------------------------------------------------------------

interface Page {
  status: number;
  body: Record<string, unknown>;
}

async function get(w: OperatorWorld, who: Operator, path: string): Promise<Page> {
  const res = await w.app.request(path, { headers: w.headers(who) });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`GET ${path}: not JSON (${res.status}): ${text.slice(0, 200)}`);
  }
  return { status: res.status, body };
}

/**
 * Follows `nextCursor` through `path` with `?limit=`; asserts full pages until the last, whose
 * `nextCursor` is null, and returns the ids in order.
 */
async function walkRoute(
  w: OperatorWorld,
  who: Operator,
  path: string,
  key: string,
  param: "after" | "before",
  limit: number,
  idOf: (item: Record<string, unknown>) => string = (item) => String(item.id),
): Promise<string[]> {
  const sep = path.includes("?") ? "&" : "?";
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 1; pages <= 50; pages++) {
    const url: string = `${path}${sep}limit=${limit}` +
      (cursor === null ? "" : `&${param}=${encodeURIComponent(cursor)}`);
    const page = await get(w, who, url);
    equal(page.status, 200, `GET ${url}: ${JSON.stringify(page.body).slice(0, 200)}`);
    const items = page.body[key] as Record<string, unknown>[];
    ok(Array.isArray(items), `GET ${url}: a ${key} list`);
    ids.push(...items.map(idOf));
    ok("nextCursor" in page.body, `GET ${url}: nextCursor present`);
    cursor = page.body.nextCursor as string | null;
    if (cursor === null) {
      ok(items.length <= limit, `GET ${url}: at most ${limit}`);
      return ids;
    }
    equal(items.length, limit, `GET ${url}: a page with a nextCursor is full`);
  }
  throw new Error(`GET ${path}: the walk did not end within 50 pages`);
}

/** The whole list in one page (it must fit), as ids. */
async function wholeList(
  w: OperatorWorld,
  who: Operator,
  path: string,
  key: string,
  idOf: (item: Record<string, unknown>) => string = (item) => String(item.id),
): Promise<string[]> {
  const sep = path.includes("?") ? "&" : "?";
  const page = await get(w, who, `${path}${sep}limit=${MAX_PAGE}`);
  equal(page.status, 200, JSON.stringify(page.body).slice(0, 200));
  equal(page.body.nextCursor, null, `${path}: the whole list fits one page`);
  return (page.body[key] as Record<string, unknown>[]).map(idOf);
}

/** Asserts every one of `queries` on `path` is a 400 `invalid_input` naming `field`. */
async function assertRefused(
  w: OperatorWorld,
  who: Operator,
  path: string,
  field: string,
  queries: string[],
): Promise<void> {
  const sep = path.includes("?") ? "&" : "?";
  for (const query of queries) {
    const page = await get(w, who, `${path}${sep}${query}`);
    const error = page.body.error as { code?: string; details?: { field?: string } } | undefined;
    deepEqual(
      [page.status, page.body.ok, error?.code, error?.details?.field],
      [400, false, "invalid_input", field],
      `GET ${path}${sep}${query}: ${JSON.stringify(page.body).slice(0, 200)}`,
    );
  }
}

const BAD_LIMITS = ["limit=0", "limit=-1", "limit=100000", "limit=abc", "limit=1.5", "limit="];

/** Walks `path` at several page sizes (including exact multiples) against the whole list. */
async function assertWalks(
  w: OperatorWorld,
  who: Operator,
  path: string,
  key: string,
  param: "after" | "before",
  count: number,
  idOf?: (item: Record<string, unknown>) => string,
): Promise<string[]> {
  const all = await wholeList(w, who, path, key, idOf);
  equal(all.length, count, `${path}: ${count} items`);
  for (const limit of [1, 2, 3, count, count + 1]) {
    assertWalk(
      await walkRoute(w, who, path, key, param, limit, idOf),
      all,
      `${path} limit ${limit}`,
    );
  }
  await assertRefused(w, who, path, "limit", BAD_LIMITS);
  return all;
}

Deno.test("[paging] GET /api/hosts/:hostId/keys pages with before=<ms>.<id>", async () => {
  await using w = await operatorWorld();
  const web = await createHostViaApi(w, "web-1");
  const { ledger } = w.services;
  for (const now of [T0, T0, at(60), at(-30), at(60), T0]) {
    await createHostKey(ledger, { orgId: w.orgA.id, hostId: web.host.id, now });
  }
  const path = `/api/hosts/${web.host.id}/keys`;
  const count = (await listHostKeys(ledger, w.orgA.id, web.host.id)).length;
  ok(count >= 7, `host keys: ${count}`);
  const all = await assertWalks(w, w.a.admin, path, "keys", "before", count);
  deepEqual(all, (await listHostKeys(ledger, w.orgA.id, web.host.id)).map((k) => k.id));
  const page = await get(w, w.a.admin, `${path}?limit=2`);
  match(String(page.body.nextCursor), /^\d+\.[0-9A-Z]{26}$/);
  // Without ?limit= a page of 50 at most.
  equal(((await get(w, w.a.admin, path)).body.keys as unknown[]).length, count);
  await assertRefused(w, w.a.admin, path, "before", [
    "before=%00%00",
    "before=",
    "before=123",
    "before=123.not-a-ulid",
    `before=${"9".repeat(16)}.01JDX3S7Q4M0C5V2YH7R8K9ZTA`,
    `before=${"z".repeat(500)}`,
  ]);
});

Deno.test("[paging] GET /api/notify/endpoints pages by name with an opaque after", async () => {
  await using w = await operatorWorld();
  const names = ["Pager", "alpha", "Zulu", "Ünïcode ✓", "a/b?c=d&e", "On call", "2 ops"];
  for (const name of names) {
    const res = await w.app.request("/api/notify/endpoints", {
      method: "POST",
      headers: w.headers(w.a.admin, { "content-type": "application/json" }),
      body: JSON.stringify({ name, kind: "email", emails: ["ops@example.com"] }),
    });
    equal(res.status, 201, await res.text());
  }
  const path = "/api/notify/endpoints";
  const all = await assertWalks(w, w.a.ops, path, "endpoints", "after", names.length);
  deepEqual(all, (await listEndpoints(w.services.ledger, w.orgA.id)).map((e) => e.id));
  const page = await get(w, w.a.ops, `${path}?limit=2`);
  const first = page.body.endpoints as { name: string; lastDelivery: unknown }[];
  equal(page.body.nextCursor, textCursor(first[1].name));
  ok("lastDelivery" in first[0], "each endpoint still carries its last delivery");
  await assertRefused(w, w.a.ops, path, "after", [
    "after=%00%00",
    "after=",
    "after=not%20base64!",
    `after=${textCursor(" padded ")}`,
    `after=${textCursor("x".repeat(81))}`,
    "after=_w",
  ]);
});

Deno.test("[paging] GET /api/orgs/invitations pages with before=<id> on the service clock", async () => {
  await using w = await operatorWorld();
  const { ledger, clock } = w.services;
  // The world's own invitation expires an hour after the test clock's start: pending by the
  // service clock, expired by the wall clock.
  const expected = [w.invitationA.id];
  for (let i = 0; i < 6; i++) {
    clock.advance(1000);
    expected.push(
      (await createInvitation(ledger, {
        orgId: w.orgA.id,
        email: `p${i}@acme.test`,
        role: "viewer",
        invitedBy: w.a.owner.userId,
        ttlMs: HOUR,
        now: clock.now(),
      })).invitation.id,
    );
  }
  const path = "/api/orgs/invitations";
  const all = await assertWalks(w, w.a.owner, path, "invitations", "before", expected.length);
  deepEqual(all.toSorted(), expected.toSorted());
  await assertRefused(w, w.a.owner, path, "before", [
    "before=%00%00",
    "before=",
    "before=not-a-ulid",
    `before=${w.invitationA.id.toLowerCase()}`,
  ]);
  // Pending is decided on the service clock: one that lasts ten minutes is gone twenty on.
  clock.advance(1000);
  const short = (await createInvitation(ledger, {
    orgId: w.orgA.id,
    email: "short@acme.test",
    role: "viewer",
    invitedBy: w.a.owner.userId,
    ttlMs: 10 * 60_000,
    now: clock.now(),
  })).invitation.id;
  deepEqual((await wholeList(w, w.a.owner, path, "invitations"))[0], short);
  clock.advance(20 * 60_000);
  deepEqual((await wholeList(w, w.a.owner, path, "invitations")).toSorted(), expected.toSorted());
});

Deno.test("[paging] GET /api/auth/sessions pages with before=<session id>", async () => {
  await using w = await operatorWorld();
  const { kv, config, clock } = w.services;
  for (let i = 0; i < 6; i++) {
    if (i % 2 === 0) clock.advance(1000);
    await createSession(kv, appSecretOf(config), {
      userId: w.a.owner.userId,
      ip: "127.0.0.2",
      userAgent: `browser ${i}`,
      mfa: false,
      activeOrgId: w.orgA.id,
    }, {
      idleMinutes: config.sessionIdleMinutes,
      maxHours: config.sessionMaxHours,
      now: clock.now(),
    });
  }
  const path = "/api/auth/sessions";
  const all = await assertWalks(w, w.a.owner, path, "sessions", "before", 7);
  deepEqual(all, all.toSorted().toReversed(), "newest first");
  ok(all.includes(w.a.owner.sessionId));
  const mine = (await get(w, w.a.owner, `${path}?limit=${MAX_PAGE}`)).body.sessions as {
    id: string;
    current: boolean;
  }[];
  deepEqual(mine.filter((s) => s.current).map((s) => s.id), [w.a.owner.sessionId]);
  // Only the operator's own: another member's list is theirs alone.
  deepEqual(await wholeList(w, w.a.viewer, path, "sessions"), [w.a.viewer.sessionId]);
  await assertRefused(w, w.a.owner, path, "before", [
    "before=%00%00",
    "before=",
    "before=not-a-ulid",
    `before=${w.a.owner.sessionId.toLowerCase()}`,
  ]);
});

Deno.test("[paging] GET /api/hosts and /api/orgs/members refuse cursors of the wrong shape", async () => {
  await using w = await operatorWorld();
  for (const slug of ["web-1", "web-2", "db-1", "db-2", "cache-1"]) await createHostViaApi(w, slug);
  const hosts = await wholeList(
    w,
    w.a.owner,
    "/api/hosts",
    "hosts",
    (h) => String((h.host as { slug: string }).slug),
  );
  equal(hosts.length, 5);
  const walkedHosts = await walkRoute(
    w,
    w.a.owner,
    "/api/hosts",
    "hosts",
    "after",
    2,
    (h) => String((h.host as { slug: string }).slug),
  );
  assertWalk(walkedHosts, hosts, "/api/hosts");
  await assertRefused(w, w.a.owner, "/api/hosts", "after", [
    "after=%00%00",
    "after=",
    "after=Web%201",
    `after=${"a".repeat(65)}`,
  ]);
  await assertRefused(w, w.a.owner, "/api/hosts", "limit", BAD_LIMITS);

  const members = await wholeList(
    w,
    w.a.owner,
    "/api/orgs/members",
    "members",
    (m) => String(m.email),
  );
  equal(members.length, 4);
  const walkedMembers = await walkRoute(
    w,
    w.a.owner,
    "/api/orgs/members",
    "members",
    "after",
    3,
    (m) => String(m.email),
  );
  assertWalk(walkedMembers, members, "/api/orgs/members");
  await assertRefused(w, w.a.owner, "/api/orgs/members", "after", [
    "after=%00%00",
    "after=",
    "after=no-at-sign",
    "after=a%20b%40acme.test",
  ]);
  await assertRefused(w, w.a.owner, "/api/orgs/members", "limit", BAD_LIMITS);
  // A real address (even of no member) is a fine cursor.
  const after = await get(w, w.a.owner, "/api/orgs/members?after=nobody%40acme.test");
  deepEqual(
    (after.body.members as { email: string }[]).map((m) => m.email),
    members.filter((e) => e > "nobody@acme.test"),
  );
});

Deno.test("[paging] GET /api/hosts and /api/orgs/members: a full last page has no cursor", async () => {
  await using w = await operatorWorld();
  for (const slug of ["a-1", "b-2", "c-3"]) await createHostViaApi(w, slug);
  const get = async (path: string) => {
    const res = await w.app.request(path, { headers: w.headers(w.a.admin) });
    equal(res.status, 200, path);
    return await res.json();
  };
  equal((await get("/api/hosts?limit=3")).nextCursor, null, "three hosts, a page of three");
  const first = await get("/api/hosts?limit=2");
  equal(first.nextCursor, "b-2");
  const second = await get(`/api/hosts?limit=2&after=${first.nextCursor}`);
  deepEqual(second.hosts.map((h: { host: { slug: string } }) => h.host.slug), ["c-3"]);
  equal(second.nextCursor, null);

  const all = (await get("/api/orgs/members?limit=200")).members.length;
  equal((await get(`/api/orgs/members?limit=${all}`)).nextCursor, null, "members: the same");
  ok((await get(`/api/orgs/members?limit=${all - 1}`)).nextCursor, "one more: a cursor");
});
