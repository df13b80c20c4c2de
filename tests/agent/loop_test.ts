/**
 * The job loop against a scripted control plane: it refuses to start without a pinned job key,
 * recovers interrupted jobs after a restart, polls continuously while running queued jobs one
 * at a time (redeliveries are not run twice), stops on `key_revoked`, retries results, and
 * disarms a rollback on `confirmedJobs` from a snapshot response.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { arm, listArmed } from "../../agent/jobs/confirm.ts";
import { JobLedger } from "../../agent/jobs/ledger.ts";
import { runLoop } from "../../agent/jobs/loop.ts";
import { pushSnapshot } from "../../agent/push.ts";
import { NotReadyError } from "../../agent/runtime.ts";
import { listSpool } from "../../agent/spool.ts";
import type { RunnerContext } from "../../agent/context.ts";
import { parseCompactJws } from "../../lib/protocol/jws.ts";
import {
  enrolledRuntime,
  FIXTURES,
  jobClaims,
  sandbox,
  signJob,
  step,
  writeAllowlist,
  writeProgram,
} from "./support.ts";

interface Seen {
  method: string;
  path: string;
  body: string;
  headers: Headers;
}

/** A fake control plane: `route` answers each request; every request is recorded. */
function fakePlane(route: (req: Seen, n: number) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetcher: RunnerContext["fetch"] = async (input, init) => {
    const url = new URL(String(input));
    const req = {
      method: init?.method ?? "GET",
      path: url.pathname + url.search,
      body: init?.body ? new TextDecoder().decode(init.body as Uint8Array) : "",
      headers: new Headers(init?.headers),
    };
    seen.push(req);
    return await route(req, seen.length);
  };
  return { seen, fetcher };
}

const json = (body: unknown, status = 200) => Response.json(body, { status });
const noJobs = () => json({ ok: true, jobs: [], confirmed: [], serverTime: 0 });
const results = (seen: Seen[]) =>
  seen.filter((r) => r.method === "POST" && r.path.endsWith("/result"))
    .map((r) => ({ jti: r.path.split("/")[4], body: JSON.parse(r.body) }));

Deno.test("[runner] run refuses to start without a pinned job-signing key (exit 78)", async () => {
  await using s = await sandbox();
  const rt = await enrolledRuntime(s.ctx, { jobKeys: false });
  await rejects(
    runLoop(rt, { once: true }),
    (e: unknown) => e instanceof NotReadyError && e.exitCode === 78,
  );
});

Deno.test("[runner] after a restart a started job is reported failed, a received one forgotten", async () => {
  const plane = fakePlane((r) =>
    r.path.startsWith("/api/agent/jobs?") ? noJobs() : json({ ok: true })
  );
  await using s = await sandbox({}, { fetch: plane.fetcher });
  const rt = await enrolledRuntime(s.ctx);
  const ledger = new JobLedger(rt.paths.ledger);
  const finished = {
    id: "one",
    exitCode: 0,
    signal: null,
    durationMs: 5,
    stdoutTail: "done\n",
    stderrTail: "",
    truncated: false,
  };
  const common = {
    receivedAt: "2026-11-25T17:00:00.000Z",
    exp: null,
    mode: "execute",
    result: null,
  };
  await ledger.put({
    ...common,
    jti: "job_started",
    phase: "started",
    startedAt: "2026-11-25T17:00:01.000Z",
    steps: [finished],
  });
  await ledger.put({
    ...common,
    jti: "job_received",
    phase: "received",
    startedAt: null,
    steps: [],
  });
  equal(await runLoop(rt, { once: true, waitSec: 0 }), "once");
  const posted = results(plane.seen);
  equal(posted.length, 1);
  equal(posted[0].jti, "job_started");
  equal(posted[0].body.status, "failed");
  deepEqual(posted[0].body.steps, [finished]);
  equal(posted[0].body.startedAt, "2026-11-25T17:00:01.000Z");
  ok(Date.parse(posted[0].body.finishedAt) > Date.parse(posted[0].body.startedAt));
  equal((await ledger.get("job_started"))?.phase, "done");
  equal(await ledger.get("job_received"), null);
  equal(plane.seen[0].path, "/api/agent/jobs?wait=0");
  ok(!plane.seen[0].headers.has("x-sentry-seq"));
});

Deno.test("[runner] the loop polls on while jobs run one at a time; redeliveries never rerun", async () => {
  await using s0 = await sandbox();
  const mark = `${s0.dir}/marks`;
  const slow = await writeProgram(
    `${s0.dir}/bin/slow`,
    `#!/bin/sh\necho "start $1" >> ${mark}\nsleep 0.3\necho "end $1" >> ${mark}\n`,
  );
  const jobs = [
    await signJob(await jobClaims([step("a", [slow, "A"])], { mode: "verify" })),
    await signJob(await jobClaims([step("b", [slow, "B"])], { mode: "verify" })),
  ];
  const jtiOf = (jws: string) => parseCompactJws(jws)!.payload.jti as string;
  const done = new Set<string>();
  let polls = 0;
  let failedOnce = false;
  const controller = new AbortController();
  const plane = fakePlane((r) => {
    if (r.path.startsWith("/api/agent/jobs?")) {
      polls++;
      // Delivered on every poll until the result is recorded (at least once).
      const pending = jobs.filter((j) => !done.has(jtiOf(j)));
      return new Promise((resolve) =>
        setTimeout(() => resolve(json({ ok: true, jobs: pending, confirmed: [] })), 50)
      );
    }
    if (r.path.endsWith("/result")) {
      if (!failedOnce) {
        failedOnce = true; // the first result post fails once: it is retried
        return json({ ok: false, error: { code: "boom" } }, 503);
      }
      done.add(r.path.split("/")[4]);
      if (done.size === jobs.length) setTimeout(() => controller.abort(), 100);
      return json({ ok: true, duplicate: false });
    }
    return json({ ok: true });
  });
  const s = { ...s0, ctx: { ...s0.ctx, fetch: plane.fetcher } };
  const rt = await enrolledRuntime(s.ctx);
  await writeAllowlist(s.config, `${slow} verify\n`);
  equal(await runLoop(rt, { signal: controller.signal, waitSec: 1 }), "aborted");
  const lines = (await Deno.readTextFile(mark)).trim().split("\n");
  deepEqual(lines, ["start A", "end A", "start B", "end B"], "one at a time, in order, once");
  ok(polls >= 4, `polling went on during the jobs (${polls} polls)`);
  const posted = results(plane.seen);
  ok(posted.every((p) => p.body.status === "succeeded"));
  equal(new Set(posted.map((p) => p.jti)).size, 2);
  deepEqual(await listSpool(rt.paths.results), []);
  ok(s0.logs.some((l) => l.event === "results_send_failed"));
});

Deno.test("[runner] key_revoked on a poll stops the loop", async () => {
  const plane = fakePlane(() =>
    json({ ok: false, error: { code: "key_revoked", message: "revoked" } }, 401)
  );
  await using s = await sandbox({}, { fetch: plane.fetcher });
  const rt = await enrolledRuntime(s.ctx);
  equal(await runLoop(rt, { waitSec: 0 }), "stopped");
  equal(await runLoop(rt, { waitSec: 0 }), "stopped");
  equal(plane.seen.length, 1, "nothing more is sent once stopped");
});

Deno.test("[runner] results: 409 result_conflict keeps the first; a snapshot's confirmedJobs disarms", async () => {
  const plane = fakePlane((r) => {
    if (r.path.endsWith("/result")) {
      return json({ ok: false, error: { code: "result_conflict", message: "x" } }, 409);
    }
    if (r.path.endsWith("/status")) return json({ ok: true, confirmedJobs: ["job_exec_1"] });
    if (r.path.startsWith("/api/agent/jobs?")) {
      return noJobs();
    }
    return json({ ok: true });
  });
  await using s = await sandbox({}, { fetch: plane.fetcher });
  await Deno.copyFile(
    new URL("status-minimal.json", FIXTURES),
    `${s.config.statusDir}/status.json`,
  );
  const rt = await enrolledRuntime(s.ctx);
  await new JobLedger(rt.paths.ledger).put({
    jti: "job_x",
    phase: "started",
    receivedAt: "2026-11-25T17:00:00.000Z",
    exp: null,
    mode: "verify",
    startedAt: "2026-11-25T17:00:00.000Z",
    steps: [],
    result: null,
  });
  await runLoop(rt, { once: true, waitSec: 0 });
  deepEqual(await listSpool(rt.paths.results), [], "dropped, not retried");
  ok(s.logs.some((l) => l.event === "result_rejected" && l.code === "result_conflict"));

  await arm(rt, {
    executeJti: "job_exec_1",
    rollbackJti: "job_rb_1",
    rollbackToken: "x.y.z",
    deadline: Date.now() + 600_000,
    armedAt: new Date().toISOString(),
  });
  equal((await listArmed(rt)).length, 1);
  equal((await pushSnapshot(rt, { deadline: Date.now() + 2000 })).end, "empty");
  deepEqual(await listArmed(rt), []);
});
