/**
 * `GET /api/live` against a real server (the test app on `Deno.serve`, port 0), read with fetch:
 * an ingest for org A's host is an event on A's stream; org B's viewer never receives it; a
 * reconnect with `Last-Event-ID` replays exactly what came after; a resume from a lost id gets
 * `reset`; heartbeats; the per-session limit (429) and its release when a client goes; host
 * streams (another org's host is 404); `GET /api/live/hosts` rows.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { type Operator, type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import {
  type CreatedHost,
  createHostViaApi,
  fixtureJson,
  pushStatus,
} from "../../support/hosts_api.ts";
import { openSse, type SseFrame } from "../../support/sse.ts";
import { configureLive, openLiveStreams } from "@/lib/live/stream.ts";
import { LOG_LIMIT, noteChanges } from "@/lib/live/changes.ts";
import { revokeSession } from "@/lib/auth/sessions.ts";
import { removeMember } from "@/lib/orgs/members.ts";

const OPTS = { sanitizeOps: false, sanitizeResources: false };

async function liveWorld() {
  const w = await operatorWorld();
  configureLive(w.services, { heartbeatMs: 40 });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, w.app.fetch);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const stream = (who: Operator, query = "", extra: Record<string, string> = {}) =>
    openSse(`${base}/api/live${query}`, { cookie: who.cookie, ...extra });
  return {
    w,
    base,
    stream,
    async [Symbol.asyncDispose]() {
      await server.shutdown();
      await w[Symbol.asyncDispose]();
    },
  };
}

/** A host of org B, created by B's owner. */
async function hostOfB(w: OperatorWorld): Promise<CreatedHost> {
  const res = await w.app.request("/api/hosts", {
    method: "POST",
    headers: w.headers(w.ownerB, { "content-type": "application/json" }),
    body: JSON.stringify({ name: "beta-1", slug: "beta-1" }),
  });
  equal(res.status, 201, await res.clone().text());
  return await res.json();
}

const hostEvent = (hostId: string) => (f: SseFrame) =>
  f.event === "host.state" && f.data?.hostId === hostId;

Deno.test({
  name: "[live] an ingest for org A's host is an event on A's stream, never on B's",
  ...OPTS,
  async fn() {
    await using t = await liveWorld();
    const { w } = t;
    const web = await createHostViaApi(w, "web-1");
    const beta = await hostOfB(w);
    await using a = await t.stream(w.a.viewer);
    await using b = await t.stream(w.ownerB);
    equal(a.status, 200);
    ok(a.headers.get("content-type")?.startsWith("text/event-stream"));
    equal((await a.next()).retry, 3000, "the stream opens with its retry interval");

    await pushStatus(w, web, await fixtureJson("status-real-debian.json"));
    const event = await a.nextEvent(hostEvent(web.host.id));
    equal(event.data?.type, "host.state");
    equal(event.data?.id, web.host.id);
    equal(event.data?.first, true, "the host's first snapshot");
    equal(event.data?.band, "critical");
    ok(/^\d+$/.test(event.id ?? ""), "the event id is the log sequence number");
    const breach = await a.nextEvent((f) => f.event === "breach");
    equal(breach.data?.hostId, web.host.id);
    equal(breach.data?.change, "opened");

    // B's stream gets B's host, and nothing of A's came before it (A's events were first).
    await pushStatus(w, beta, await fixtureJson("status-real-debian.json"));
    const seen: SseFrame[] = [];
    while (true) {
      const frame = await b.nextEvent();
      seen.push(frame);
      if (frame.data?.hostId === beta.host.id && frame.event === "host.state") break;
    }
    deepEqual(
      seen.filter((f) =>
        JSON.stringify(f).includes(web.host.id) || f.data?.hostId !== beta.host.id
      ),
      [],
      "org B's stream carries only org B's events",
    );
    // Each organization has its own numbering: B's event 1 was its host's creation.
    equal(seen[0].id, "2", "each organization has its own numbering");
  },
});

Deno.test({
  name: "[live] Last-Event-ID resumes after that id: the events in between, nothing before",
  ...OPTS,
  async fn() {
    await using t = await liveWorld();
    const { w } = t;
    const web = await createHostViaApi(w, "web-1");
    const payload = await fixtureJson("status-real-debian.json");
    const ids: string[] = [];
    {
      await using s = await t.stream(w.a.viewer);
      for (const minute of ["01", "02", "03"]) {
        await pushStatus(w, web, payload, `2026-11-25T09:${minute}:00Z`);
        ids.push((await s.nextEvent(hostEvent(web.host.id))).id!);
      }
    }
    // Reconnect as EventSource would, after the first host.state: the rest is replayed in order.
    await using again = await t.stream(w.a.viewer, "", { "last-event-id": ids[0] });
    const replayed: SseFrame[] = [];
    while (replayed.at(-1)?.id !== ids[2]) replayed.push(await again.nextEvent());
    equal(replayed[0].id, String(Number(ids[0]) + 1), "resumes right after the given id");
    deepEqual(
      replayed.filter((f) => f.event === "host.state").map((f) => f.id),
      ids.slice(1),
    );
    ok(replayed.every((f, i) => i === 0 || Number(f.id) === Number(replayed[i - 1].id) + 1));
    // Then it goes on live.
    await pushStatus(w, web, payload, "2026-11-25T09:04:00Z");
    equal(Number((await again.nextEvent(hostEvent(web.host.id))).id) > Number(ids[2]), true);

    // The query form (a page's first connection, EventSource fallbacks) works the same.
    await using query = await t.stream(w.a.viewer, `?lastEventId=${ids[1]}`);
    equal((await query.nextEvent()).id, String(Number(ids[1]) + 1));
  },
});

Deno.test({
  name: "[live] a resume from an id the log no longer has (or never had) gets reset",
  ...OPTS,
  async fn() {
    await using t = await liveWorld();
    const { w } = t;
    const changes = Array.from({ length: LOG_LIMIT + 5 }, (_, i) => ({
      type: "run" as const,
      orgId: w.orgA.id,
      hostId: null,
      id: `run_${i}`,
    }));
    await noteChanges(w.services, changes);
    await using old = await t.stream(w.a.viewer, "", { "last-event-id": "2" });
    const reset = await old.nextEvent();
    equal(reset.event, "reset");
    equal(reset.id, String(LOG_LIMIT + 5), "the client's last id moves to the newest");
    await using future = await t.stream(w.a.viewer, "?lastEventId=999999");
    equal((await future.nextEvent()).event, "reset");
    await using recent = await t.stream(w.a.viewer, "", { "last-event-id": String(LOG_LIMIT) });
    equal((await recent.nextEvent()).id, String(LOG_LIMIT + 1), "still in the log: replayed");

    const bad = await t.stream(w.a.viewer, "", { "last-event-id": "abc" });
    equal(bad.status, 400);
    equal(JSON.parse(bad.text).error.code, "invalid_input");
  },
});

Deno.test({
  name: "[live] heartbeat comments keep an idle stream open",
  ...OPTS,
  async fn() {
    await using t = await liveWorld();
    await using s = await t.stream(t.w.a.viewer);
    let frame = await s.next();
    while (frame.comment !== "heartbeat") frame = await s.next();
    equal(frame.event, undefined, "a comment, not an event");
  },
});

Deno.test({
  name: "[live] a stream ends once its session is revoked or its member removed",
  ...OPTS,
  async fn() {
    await using t = await liveWorld();
    const { w } = t;
    await using revoked = await t.stream(w.a.ops);
    await using removed = await t.stream(w.a.viewer);
    equal((await revoked.next()).retry, 3000);
    await revokeSession(w.services.kv, w.a.ops.userId, w.a.ops.sessionId);
    await removeMember(w.services.ledger, { orgId: w.orgA.id, userId: w.a.viewer.userId });
    for (const stream of [revoked, removed]) {
      const ended = await (async () => {
        try {
          while (true) await stream.next();
        } catch (error) {
          return (error as Error).message;
        }
      })();
      equal(ended, "the stream ended");
    }
    equal(openLiveStreams(w.services, w.a.ops.sessionId), 0, "and its slot is free");
  },
});

Deno.test({
  name: "[live] each session holds at most 4 streams (429), and a closed one frees its slot",
  ...OPTS,
  async fn() {
    await using t = await liveWorld();
    const { w } = t;
    const open = await Promise.all([1, 2, 3, 4].map(() => t.stream(w.a.viewer)));
    ok(open.every((s) => s.status === 200));
    const refused = await t.stream(w.a.viewer);
    equal(refused.status, 429);
    equal(JSON.parse(refused.text).error.code, "too_many_streams");
    await using other = await t.stream(w.a.ops);
    equal(other.status, 200, "another session has its own slots");

    await open[0].close();
    while (openLiveStreams(w.services, w.a.viewer.sessionId) > 3) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await using after = await t.stream(w.a.viewer);
    equal(after.status, 200);
    for (const s of open) await s.close();
  },
});

Deno.test({
  name:
    "[live] host streams: only that host's events; another org's host is 404; 406 without Accept",
  ...OPTS,
  async fn() {
    await using t = await liveWorld();
    const { w } = t;
    const web = await createHostViaApi(w, "web-1");
    const db = await createHostViaApi(w, "db-1");
    const beta = await hostOfB(w);
    const foreign = await t.stream(w.a.viewer, `?host=${beta.host.id}`);
    equal(foreign.status, 404);
    ok(!foreign.text.includes("beta-1"));

    await using s = await t.stream(w.a.viewer, `?host=${web.host.id}`);
    const payload = await fixtureJson("status-real-debian.json");
    await pushStatus(w, db, payload);
    await pushStatus(w, web, payload);
    const first = await s.nextEvent();
    equal(first.data?.hostId, web.host.id, "db-1's events are not on web-1's stream");

    const plain = await fetch(`${t.base}/api/live`, { headers: { cookie: w.a.viewer.cookie } });
    equal(plain.status, 406);
    equal((await plain.json()).error.code, "not_acceptable");
  },
});

Deno.test({
  name: "[live] breach actions and incidents are events too",
  ...OPTS,
  async fn() {
    await using t = await liveWorld();
    const { w } = t;
    const web = await createHostViaApi(w, "web-1");
    await using s = await t.stream(w.a.viewer);
    const post = (path: string, body: unknown) =>
      w.app.request(path, {
        method: "POST",
        headers: w.headers(w.a.ops, { "content-type": "application/json" }),
        body: JSON.stringify(body),
      });
    const breach = await post(`/api/hosts/${web.host.id}/breaches`, {
      action: "create",
      title: "Rootkit found by hand",
      severity: "critical",
    });
    equal(breach.status, 201, await breach.clone().text());
    const noted = await s.nextEvent((f) => f.event === "breach");
    deepEqual([noted.data?.hostId, noted.data?.change, noted.data?.state], [
      web.host.id,
      "create",
      "open",
    ]);
    const incident = await post("/api/incidents", {
      title: "Disk full",
      severity: "high",
      hostIds: [web.host.id],
    });
    equal(incident.status, 201, await incident.clone().text());
    const opened = await s.nextEvent((f) => f.event === "incident");
    equal(opened.data?.id, (await incident.json()).incident.id);
    equal(opened.data?.state, "open");
  },
});

Deno.test({
  name: "[live] GET /api/live/hosts: fleet rows of the named hosts, own organization only",
  ...OPTS,
  async fn() {
    await using w = await operatorWorld();
    const web = await createHostViaApi(w, "web-1");
    const beta = await hostOfB(w);
    await pushStatus(w, web, await fixtureJson("status-real-debian.json"));
    const res = await w.app.request(`/api/live/hosts?ids=${web.host.id},${beta.host.id}`, {
      headers: w.headers(w.a.viewer),
    });
    equal(res.status, 200);
    const { rows } = await res.json();
    deepEqual(rows.map((r: { slug: string }) => r.slug), ["web-1"]);
    equal(rows[0].band, "critical");
    ok(rows[0].breaches > 0);
    const bad = await w.app.request("/api/live/hosts?ids=a%20b", {
      headers: w.headers(w.a.viewer),
    });
    equal(bad.status, 400);
  },
});
