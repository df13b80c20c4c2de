/**
 * Defects a review of the session's later changes found, each pinned by the test that failed
 * before its fix: a cursor handed out on a full last page (host runs, remediation queue, history),
 * a second execute of an action dispatched while the first was still in flight, and a URL longer
 * than PATH_MAX (in short segments) answered with a 500.
 */
import { equal } from "node:assert/strict";
import { Hono } from "hono";
import { serveStaticDir } from "@/lib/fresh/static.ts";
import { dispatchRun } from "@/lib/remediation/lifecycle.ts";
import { getRun } from "@/lib/remediation/runs.ts";
import { remediationWorld } from "../support/remediation_world.ts";

const LOCKDOWN = "lockdown-access-surface";

type World = Awaited<ReturnType<typeof remediationWorld>>;

/** GETs `path` as the org's ops operator; status and parsed JSON. */
async function getJson(
  w: World,
  path: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await w.app.request(path, { headers: w.headers(w.a.ops) });
  return { status: res.status, body: await res.json() };
}

Deno.test("review: a URL longer than PATH_MAX (short segments) falls through to the routes, not a 500", async () => {
  const dir = await Deno.makeTempDir({ prefix: "review_static_" });
  try {
    const app = new Hono();
    app.use(serveStaticDir(dir, { buildId: () => "b" }));
    app.notFound((c) => c.text("not found page", 404));
    app.onError((_e, c) => c.text("internal error", 500));
    // Twenty segments of 250 bytes: each under NAME_MAX (255), the whole over PATH_MAX (4096).
    const path = "/" + Array.from({ length: 20 }, () => "a".repeat(250)).join("/");
    const res = await app.request(path);
    equal(await res.text(), "not found page");
    equal(res.status, 404);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("review: GET /api/hosts/:hostId/runs hands out no cursor when a full page is the last", async () => {
  await using w = await remediationWorld();
  const dry = await w.dryRun(w.a.ops, "collect-forensics-first");
  equal(dry.status, 202, JSON.stringify(dry.body));
  const dry2 = await w.dryRun(w.a.ops, "collect-forensics-first");
  equal(dry2.status, 202, JSON.stringify(dry2.body));
  const path = `/api/hosts/${w.web.host.id}/runs`;
  const all = await getJson(w, path);
  const runs = all.body.runs as unknown[];
  equal(runs.length, 2);
  const page = await getJson(w, `${path}?limit=${runs.length}`);
  equal((page.body.runs as unknown[]).length, runs.length);
  // README: "nextCursor (null on the last page)"; /api/hosts, members, keys… already do this.
  equal(page.body.nextCursor, null, "every run is on this page: no cursor to an empty page");
});

Deno.test("review: GET /api/ops/remediate-queue hands out no cursor when a full page is the last", async () => {
  await using w = await remediationWorld();
  const dry = await w.dryRun(w.a.ops, "collect-forensics-first");
  equal(dry.status, 202, JSON.stringify(dry.body));
  const whole = await getJson(w, "/api/ops/remediate-queue");
  const n = (whole.body.runs as unknown[]).length;
  equal(n >= 1, true, JSON.stringify(whole.body));
  const page = await getJson(w, `/api/ops/remediate-queue?limit=${n}`);
  equal(page.body.nextCursor, null, "the whole queue is on this page");
});

Deno.test("review: GET /api/hosts/:hostId/history hands out no cursor when a full page is the last", async () => {
  await using w = await remediationWorld();
  const auth = { authorization: `Bearer ${w.web.onboarding.token}` };
  const path = `/api/hosts/${w.web.host.id}/history`;
  const whole = await w.app.request(path, { headers: auth });
  const body = await whole.json();
  const n = (body.snapshots as unknown[]).length;
  equal(n >= 1, true, JSON.stringify(body).slice(0, 300));
  const page = await (await w.app.request(`${path}?limit=${n}`, { headers: auth })).json();
  equal(page.nextCursor, null, "every snapshot is on this page");
});

Deno.test("review: a second execute of an action is not dispatched while the first is still in flight", async () => {
  await using w = await remediationWorld();
  await w.api(w.a.admin, "PUT", "/api/ops/remediate-policy", { approvalThreshold: "risky_manual" });
  await w.succeededDryRun(w.a.ops, LOCKDOWN);
  const plan = await w.remediate(w.a.ops, {
    hostId: w.web.host.id,
    actionId: LOCKDOWN,
    mode: "plan",
  });
  const hash = plan.body.plan!.planHash;
  const execute = () =>
    w.remediate(w.a.ops, {
      hostId: w.web.host.id,
      actionId: LOCKDOWN,
      mode: "execute",
      planHash: hash,
      confirm: `EXECUTE ${LOCKDOWN} ${hash.slice(0, 8)}`,
    });
  const first = await execute();
  equal(first.status, 202, JSON.stringify(first.body));
  w.services.clock.advance(301_000); // past the balanced cooldown (5 min)
  const second = await execute();
  equal(second.status, 202, JSON.stringify(second.body));
  // The first is handed to the host (dispatched, not yet armed) …
  equal((await dispatchRun(w.services, first.body.run!.id))?.state, "dispatched");
  // … so the second's dispatch must hold it too: once the first succeeds it arms a rollback that
  // would undo the second (the case armed_run_pending exists for), yet both jobs are signed.
  const held = await dispatchRun(w.services, second.body.run!.id);
  equal(held?.state, "queued", "held while an earlier execute of the action is in flight");
  equal((await getRun(w.services.ledger, second.body.run!.id))!.jobJti, null);
});
