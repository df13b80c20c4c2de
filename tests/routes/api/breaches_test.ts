/**
 * The breach ledger over HTTP with real fixture pushes: open → still present → gone (fixed) →
 * back (re-opened, same rows) → ignored with expiry → expiry re-opens; manual actions, roles,
 * validation, search, the timeline of the same pushes, and organization scoping.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { createHostViaApi, pushStatus } from "../../support/hosts_api.ts";

const FIXTURES = new URL("../../../../shared/fixtures/agent/", import.meta.url);
const JSON_TYPE = { "content-type": "application/json" };
const fixtureJson = async (name: string) =>
  JSON.parse(await Deno.readTextFile(new URL(name, FIXTURES))) as Record<string, unknown>;

interface Change {
  id: string;
  code: string;
  fingerprint: string;
}
interface BreachBody {
  id: string;
  code: string;
  fingerprint: string;
  state: string;
  reopenCount: number;
}

/** Pushes `payload` with its `ts` replaced; returns the ingest body. */
const createHost = (w: OperatorWorld, name = "ops-bookworm-2") => createHostViaApi(w, name);

/** Pushes `payload` with its `ts` replaced; returns the ingest body. */
const push = async (
  w: OperatorWorld,
  host: { host: { id: string }; onboarding: { token: string } },
  payload: Record<string, unknown>,
  ts: string,
) =>
  (await pushStatus(w, host, payload, ts)) as unknown as {
    persisted: boolean;
    breaches: { opened: Change[]; reopened: Change[]; fixed: Change[] };
  };

async function get(w: OperatorWorld, path: string, who = w.a.viewer) {
  const res = await w.app.request(path, { headers: w.headers(who) });
  return { status: res.status, body: await res.json() };
}

function action(w: OperatorWorld, hostId: string, body: unknown, who = w.a.ops) {
  return w.app.request(`/api/hosts/${hostId}/breaches`, {
    method: "POST",
    headers: w.headers(who, JSON_TYPE),
    body: JSON.stringify(body),
  });
}

const ids = (changes: { id: string }[]) => changes.map((c) => c.id).sort();

Deno.test("[api] breaches: lifecycle open → present → fixed → re-opened → ignored → expiry re-opens", async () => {
  await using w = await operatorWorld();
  const host = await createHost(w);
  const drift = await fixtureJson("status-drift.json");
  const minimal = await fixtureJson("status-minimal.json");

  // 1. Drift opens breaches, including both unexpected public ports.
  const first = await push(w, host, drift, "2026-11-25T09:00:00.000Z");
  const opened = first.breaches.opened;
  deepEqual(
    opened.map((c) => c.fingerprint).sort(),
    [
      "firewall_changed",
      "self_integrity_changed",
      "unexpected_public_port|tcp:6379",
      "unexpected_public_port|tcp:8080",
      "user_list_changed",
      "watched_files_changed",
    ],
  );
  const openIds = ids(opened);

  // 2. Still present (an identical push, then a later one): same rows, nothing changes.
  const again = await push(w, host, drift, "2026-11-25T09:00:00.000Z");
  equal(again.persisted, false);
  const later = await push(w, host, drift, "2026-11-25T09:05:00.000Z");
  deepEqual(later.breaches, { opened: [], reopened: [], fixed: [] });
  let list = await get(w, `/api/hosts/${host.host.id}/breaches`);
  equal(list.status, 200);
  deepEqual(ids(list.body.breaches), openIds);
  ok(list.body.breaches.every((b: BreachBody) => b.state === "open"));

  // 3. A later snapshot without them fixes them all.
  const gone = await push(w, host, minimal, "2026-11-25T09:10:00.000Z");
  deepEqual(ids(gone.breaches.fixed), openIds);
  list = await get(w, `/api/hosts/${host.host.id}/breaches?state=fixed`);
  equal(list.body.breaches.length, 6);

  // An older, late snapshot showing them changes nothing.
  const late = await push(w, host, drift, "2026-11-25T09:07:00.000Z");
  deepEqual(late.breaches, { opened: [], reopened: [], fixed: [] });

  // 4. Back within 30 minutes: the same breaches re-open, no new rows.
  const back = await push(w, host, drift, "2026-11-25T09:15:00.000Z");
  equal(back.breaches.opened.length, 0);
  deepEqual(ids(back.breaches.reopened), openIds);
  list = await get(w, `/api/breaches?limit=50`);
  equal(list.body.breaches.length, 6);
  ok(list.body.breaches.every((b: BreachBody) => b.state === "open" && b.reopenCount === 1));

  // 5. Ignore the redis port for 20 minutes: it stays ignored while present and while absent.
  const redis = list.body.breaches.find((b: BreachBody) => b.fingerprint.endsWith("tcp:6379"));
  const until = new Date(w.services.clock.now().getTime() + 20 * 60_000).toISOString();
  const denied = await action(w, host.host.id, {
    action: "ignore",
    breachId: redis.id,
    reason: "x",
  }, w.a.viewer);
  equal(denied.status, 403);
  const noReason = await action(w, host.host.id, { action: "ignore", breachId: redis.id });
  equal(noReason.status, 400);
  equal((await noReason.json()).error.details.field, "reason");
  const ignored = await action(w, host.host.id, {
    action: "ignore",
    breachId: redis.id,
    reason: "cache exposed on purpose until the VPN lands",
    until,
  });
  equal(ignored.status, 200, await ignored.clone().text());
  equal((await ignored.json()).breach.state, "ignored");
  const present = await push(w, host, drift, "2026-11-25T09:20:00.000Z");
  deepEqual(present.breaches, { opened: [], reopened: [], fixed: [] });
  const absent = await push(w, host, minimal, "2026-11-25T09:25:00.000Z");
  equal(absent.breaches.fixed.length, 5, "the ignored one is not fixed by absence");
  ok(!ids(absent.breaches.fixed).includes(redis.id));
  const whileIgnored = await push(w, host, drift, "2026-11-25T09:30:00.000Z");
  equal(whileIgnored.breaches.reopened.length, 5);
  ok(!ids(whileIgnored.breaches.reopened).includes(redis.id));

  // 6. Past the expiry, presence re-opens it.
  w.services.clock.advance(30 * 60_000);
  const expired = await push(w, host, drift, "2026-11-25T09:35:00.000Z");
  deepEqual(ids(expired.breaches.reopened), [redis.id]);
  const detail = await get(w, `/api/breaches/${redis.id}`);
  equal(detail.status, 200);
  deepEqual(
    detail.body.events.map((e: { fromState: string | null; toState: string }) =>
      `${e.fromState}→${e.toState}`
    ),
    ["null→open", "open→fixed", "fixed→open", "open→ignored", "ignored→open"],
  );
  equal(detail.body.breach.reopenCount, 2);
  const audit = await queryAudit(w.services.ledger, w.orgA.id, { action: "breach.ignore" });
  equal(audit.entries.length, 1);

  // Search over title/detail/code/evidence.
  const search = await get(w, `/api/breaches?q=REDIS-server`);
  deepEqual(search.body.breaches.map((b: BreachBody) => b.id), [redis.id]);
  const bySeverity = await get(w, `/api/breaches?severity=critical`);
  deepEqual(bySeverity.body.breaches.map((b: BreachBody) => b.code), ["self_integrity_changed"]);

  // The timeline collapses the port's repeats (5-10 min apart, one late) into one row each.
  const timeline = await get(
    w,
    `/api/hosts/${host.host.id}/timeline?code=unexpected_public_port`,
  );
  equal(timeline.status, 200);
  equal(timeline.body.entries.length, 2);
  deepEqual(timeline.body.entries.map((e: { count: number }) => e.count), [7, 7]);
  equal(timeline.body.entries[0].firstTs, "2026-11-25T09:00:00.000Z");
  equal(timeline.body.entries[0].lastTs, "2026-11-25T09:35:00.000Z");
});

Deno.test("[api] breaches: manual create, fix, reopen; bad input names the field", async () => {
  await using w = await operatorWorld();
  const host = await createHost(w, "web-1");
  const created = await action(w, host.host.id, {
    action: "create",
    title: "Leaked deploy key",
    severity: "high",
    detail: "found in a public gist",
  });
  equal(created.status, 201, await created.clone().text());
  const breach = (await created.json()).breach as BreachBody;
  equal(breach.state, "open");
  const fixed = await action(w, host.host.id, { action: "fix", breachId: breach.id });
  equal((await fixed.json()).breach.state, "fixed");
  const twice = await action(w, host.host.id, { action: "fix", breachId: breach.id });
  equal(twice.status, 409);
  const reopened = await action(w, host.host.id, { action: "reopen", breachId: breach.id });
  equal((await reopened.json()).breach.reopenCount, 1);
  // A snapshot that never showed a manual breach does not fix it.
  const minimal = await fixtureJson("status-minimal.json");
  const pushed = await push(w, host, minimal, "2026-11-25T09:10:00.000Z");
  equal(pushed.breaches.fixed.length, 0);

  for (
    const [body, field] of [
      [{ action: "explode" }, "action"],
      [{ action: "create", severity: "high" }, "title"],
      [{ action: "create", title: "x", severity: "dire" }, "severity"],
      [{ action: "fix", breachId: "nope" }, "breachId"],
      [{ action: "ignore", breachId: breach.id, reason: "r", until: "tomorrow" }, "until"],
      [
        { action: "ignore", breachId: breach.id, reason: "r", until: "2020-01-01T00:00:00Z" },
        "until",
      ],
    ] as const
  ) {
    const res = await action(w, host.host.id, body);
    equal(res.status, 400, JSON.stringify(body));
    equal((await res.json()).error.details.field, field, JSON.stringify(body));
  }
  for (const q of ["state=closed", "severity=dire", "limit=0", "after=x"]) {
    const res = await get(w, `/api/breaches?${q}`);
    equal(res.status, 400, q);
    equal(res.body.error.details.field, q.split("=")[0]);
  }
  for (const q of ["from=yesterday", "before=bogus", "severity=x"]) {
    const res = await get(w, `/api/timeline?${q}`);
    equal(res.status, 400, q);
    equal(res.body.error.details.field, q.split("=")[0]);
  }
  const audit = await queryAudit(w.services.ledger, w.orgA.id, { action: "breach.create" });
  equal(audit.entries.length, 1);
});

Deno.test("[api] breaches and timeline: another organization's host or breach is 404", async () => {
  await using w = await operatorWorld();
  const host = await createHost(w);
  const drift = await fixtureJson("status-drift.json");
  const pushed = await push(w, host, drift, "2026-11-25T09:00:00.000Z");
  const breachId = pushed.breaches.opened[0].id;
  const b = w.ownerB;
  equal((await get(w, `/api/hosts/${host.host.id}/breaches`, b)).status, 404);
  equal((await get(w, `/api/hosts/${host.host.id}/timeline`, b)).status, 404);
  equal((await get(w, `/api/breaches/${breachId}`, b)).status, 404);
  equal((await get(w, `/api/timeline?host=${host.host.id}`, b)).status, 404);
  const fleet = await get(w, `/api/breaches`, b);
  equal(fleet.body.breaches.length, 0);
  equal((await get(w, `/api/timeline`, b)).body.entries.length, 0);
  const res = await action(w, host.host.id, { action: "fix", breachId }, b);
  equal(res.status, 404);
  // Org A's own other host cannot act on this host's breach either.
  const other = await createHost(w, "web-2");
  equal((await action(w, other.host.id, { action: "fix", breachId })).status, 404);
});
