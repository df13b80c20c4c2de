/**
 * Snapshot spool and delivery (agent-protocol §2.5-2.8) against a scripted fake control plane:
 * the 288/64 MiB-style bound drops the oldest and reports it in `runner.lost`; sending is
 * strictly oldest first with backoff on 5xx and network errors, every attempt freshly signed;
 * 429 waits `Retry-After`; `409 stale_seq` deletes; another 4xx is recorded as
 * `rejected:<code>`; `key_revoked` stops everything.
 */
import { deepEqual, equal, match, ok, rejects } from "node:assert/strict";
import { backoffMs } from "../../agent/context.ts";
import { parseRetryAfter } from "../../agent/http.ts";
import { AgentFilesError, createSnapshot, pushSnapshot, readAgentFiles } from "../../agent/push.ts";
import { listSpool } from "../../agent/spool.ts";
import { loadSeq, loadState } from "../../agent/state.ts";
import type { RunnerContext } from "../../agent/context.ts";
import { enrolledRuntime, FIXTURES, sandbox } from "./support.ts";

interface Call {
  at: number;
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

/** A fetch that answers from `script` (the last answer repeats) and records every call. */
function fakeFetch(script: (() => Response | Error)[]) {
  const calls: Call[] = [];
  const fetcher: RunnerContext["fetch"] = async (input, init) => {
    const body = init?.body ? new TextDecoder().decode(init.body as Uint8Array) : "";
    calls.push({
      at: Date.now(),
      method: init?.method ?? "GET",
      url: String(input),
      headers: new Headers(init?.headers),
      body,
    });
    const next = script[Math.min(calls.length - 1, script.length - 1)]();
    if (next instanceof Error) throw next;
    return await Promise.resolve(next);
  };
  return { calls, fetcher };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () =>
  new Response(JSON.stringify(body), { status, headers });
const okBody = json(200, { ok: true, confirmedJobs: [] });
const error = (status: number, code: string, headers: Record<string, string> = {}) =>
  json(status, { ok: false, error: { code, message: code } }, headers);
const STATUS = await Deno.readTextFile(new URL("status-minimal.json", FIXTURES));

async function world(script: (() => Response | Error)[], over = {}) {
  const fake = fakeFetch(script);
  const s = await sandbox(over, { fetch: fake.fetcher, random: () => 0.5 });
  await Deno.writeTextFile(`${s.config.statusDir}/status.json`, STATUS);
  const rt = await enrolledRuntime(s.ctx);
  return { s, rt, fake, [Symbol.asyncDispose]: () => s[Symbol.asyncDispose]() };
}

const seqsOf = (calls: Call[]) => calls.map((c) => Number(c.headers.get("x-sentry-seq")));

Deno.test("[runner] the spool bound drops the oldest and the next snapshot reports it", async () => {
  await using w = await world([() => new Error("offline")], { spoolMaxEntries: 3 });
  const files = await readAgentFiles(w.rt, w.s.config.statusDir);
  for (let i = 0; i < 5; i++) await createSnapshot(w.rt, files);
  const entries = await listSpool(w.rt.paths.snapshots);
  deepEqual(entries.map((e) => Number(e.name.slice(0, 16))), [3, 4, 5]);
  const seq = await loadSeq(w.rt.paths.dir);
  equal(seq.nextSeq, 6);
  equal(seq.droppedTotal, 2);
  deepEqual(seq.lost, [{ from: 1, to: 2, reason: "spool_overflow" }]);
  const body4 = JSON.parse(await Deno.readTextFile(entries[1].path));
  deepEqual(body4.runner.spool, { depth: 3, droppedTotal: 1 });
  deepEqual(body4.runner.lost, [{ from: 1, to: 1, reason: "spool_overflow" }]);
  const body5 = JSON.parse(await Deno.readTextFile(entries[2].path));
  deepEqual(body5.runner.spool, { depth: 3, droppedTotal: 2 });
  deepEqual(body5.runner.lost, [{ from: 1, to: 2, reason: "spool_overflow" }]);
  deepEqual(body5.status, JSON.parse(STATUS));
  equal(body5.ok, true);
  ok(w.s.logs.some((l) => l.event === "spool_overflow" && l.droppedSeq === 2));
});

Deno.test("[runner] the byte bound counts too", async () => {
  await using w = await world([() => new Error("offline")], { spoolMaxBytes: 1024 });
  const files = await readAgentFiles(w.rt, w.s.config.statusDir);
  const sizes = [];
  for (let i = 0; i < 4; i++) sizes.push((await createSnapshot(w.rt, files)).bytes);
  const entries = await listSpool(w.rt.paths.snapshots);
  ok(entries.reduce((n, e) => n + e.size, 0) <= 1024);
  equal(entries.length, Math.floor(1024 / sizes[3]), `entries of ${sizes}`);
  equal((await loadSeq(w.rt.paths.dir)).droppedTotal, 4 - entries.length);
});

Deno.test("[runner] sending is oldest first, retried with backoff, each attempt re-signed", async () => {
  await using w = await world([error(503, "down"), () => new Error("reset"), okBody]);
  const files = await readAgentFiles(w.rt, w.s.config.statusDir);
  for (let i = 0; i < 3; i++) await createSnapshot(w.rt, files);
  equal((await loadSeq(w.rt.paths.dir)).nextSeq, 4, "seq persisted before any send");
  const end = await pushSnapshot(w.rt, { drainOnly: true, deadline: Date.now() + 10_000 });
  equal(end.end, "empty");
  deepEqual(seqsOf(w.fake.calls), [1, 1, 1, 2, 3]);
  const nonces = new Set(w.fake.calls.map((c) => c.headers.get("x-sentry-nonce")));
  equal(nonces.size, 5, "a fresh nonce per attempt");
  equal(w.fake.calls[0].body, w.fake.calls[2].body, "a retry keeps its body");
  equal(w.fake.calls[0].url, `https://console.example.net/api/hosts/${w.rt.state.hostId}/status`);
  ok(!w.fake.calls[0].headers.has("authorization"));
  equal(w.fake.calls[0].headers.get("content-type"), "application/json");
  deepEqual(await listSpool(w.rt.paths.snapshots), []);
  ok(w.s.logs.filter((l) => l.event === "snapshots_send_failed").length === 2);
});

Deno.test("[runner] a drain past its deadline leaves the spool for later", async () => {
  await using w = await world([error(500, "boom")], {
    retryBaseMs: 5000,
    retryMinMs: 5000,
    retryCapMs: 10_000,
  });
  const end = await pushSnapshot(w.rt, { deadline: Date.now() + 100 });
  equal(end.seq, 1);
  equal(end.end, "pending");
  equal(w.fake.calls.length, 1);
  equal((await listSpool(w.rt.paths.snapshots)).length, 1);
});

Deno.test("[runner] 429 waits exactly Retry-After without advancing the backoff", async () => {
  await using w = await world([error(429, "rate_limited", { "retry-after": "1" }), okBody]);
  const end = await pushSnapshot(w.rt, { deadline: Date.now() + 5000 });
  equal(end.end, "empty");
  equal(w.fake.calls.length, 2);
  ok(w.fake.calls[1].at - w.fake.calls[0].at >= 950, "waited about a second");
  equal(parseRetryAfter("7", 0), 7000);
  equal(parseRetryAfter(new Date(60_000).toUTCString(), 0), 60_000);
  equal(parseRetryAfter("999999", 0), 3_600_000);
  equal(parseRetryAfter(null, 0), 1000);
});

Deno.test("[runner] 409 stale_seq deletes; another 4xx is lost as rejected:<code>", async () => {
  await using w = await world([
    error(409, "stale_seq"),
    error(400, "invalid_payload"),
    error(401, "clock_skew"),
    okBody,
  ]);
  const files = await readAgentFiles(w.rt, w.s.config.statusDir);
  for (let i = 0; i < 3; i++) await createSnapshot(w.rt, files);
  equal((await pushSnapshot(w.rt, { drainOnly: true, deadline: Date.now() + 5000 })).end, "empty");
  deepEqual(seqsOf(w.fake.calls), [1, 2, 3]);
  const seq = await loadSeq(w.rt.paths.dir);
  deepEqual(seq.lost, [
    { from: 2, to: 2, reason: "rejected:invalid_payload" },
    { from: 3, to: 3, reason: "rejected:clock_skew" },
  ]);
  equal(seq.droppedTotal, 0);
  ok(w.s.logs.some((l) => l.event === "clock_skew"));
  // The next snapshot reports both.
  await pushSnapshot(w.rt, { deadline: Date.now() + 5000 });
  const last = JSON.parse(w.fake.calls.at(-1)!.body);
  deepEqual(last.runner.lost, seq.lost);
});

Deno.test("[runner] key_revoked stops all sending until re-enrollment", async () => {
  await using w = await world([error(401, "key_revoked")]);
  equal((await pushSnapshot(w.rt, { deadline: Date.now() + 5000 })).end, "stopped");
  equal((await loadState(w.rt.paths.dir))?.stopped?.code, "key_revoked");
  equal((await listSpool(w.rt.paths.snapshots)).length, 0, "the refused entry is dropped");
  deepEqual((await loadSeq(w.rt.paths.dir)).lost, [{
    from: 1,
    to: 1,
    reason: "rejected:key_revoked",
  }]);
  const calls = w.fake.calls.length;
  equal((await pushSnapshot(w.rt, { deadline: Date.now() + 5000 })).end, "stopped");
  equal(w.fake.calls.length, calls, "nothing more is sent");
  ok(w.s.logs.some((l) => l.event === "reenrollment_required"));
});

Deno.test("[runner] agent files: status required, last/diff optional, backoff bounds", async () => {
  await using w = await world([okBody], { includeDiff: false });
  const dir = w.s.config.statusDir;
  await Deno.writeTextFile(
    `${dir}/last.json`,
    '{"ts":"x","vitals":{"cpu":{"used_percent":100.0}}}',
  );
  await Deno.writeTextFile(`${dir}/diff.json`, "{}");
  const files = await readAgentFiles(w.rt, dir);
  equal(files.diff, undefined, "includeDiff: false");
  match(files.last!, /100\.0/, "raw bytes kept");
  await Deno.writeTextFile(`${dir}/last.json`, "[1]");
  equal((await readAgentFiles(w.rt, dir)).last, undefined);
  await Deno.remove(`${dir}/status.json`);
  await rejects(readAgentFiles(w.rt, dir), AgentFilesError);
  await Deno.writeTextFile(`${dir}/status.json`, "");
  await rejects(readAgentFiles(w.rt, dir), AgentFilesError);
  const ctx = (random: number) => ({ ...w.s.ctx, random: () => random });
  equal(backoffMs(ctx(0), 0), w.s.config.retryMinMs);
  equal(backoffMs(ctx(0.999999), 30), Math.floor(0.999999 * w.s.config.retryCapMs));
});
