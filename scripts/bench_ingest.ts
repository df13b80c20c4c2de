/**
 * `deno task bench:ingest [--requests N] [--concurrency C] [--hosts H] [--rounds R]`
 *
 * In one run, three servers get the same real fixture payloads (each with a unique `ts`, so
 * nothing is deduplicated) at the same concurrency from this process, in R alternating rounds (a
 * slice on each server in turn; rates are requests over the summed round times):
 *
 * - the real app (its own process, fresh embedded stores, SQLite ledger, or Postgres with
 *   `--database-url`);
 * - the **baseline**: authenticates nothing, reads the body and does one KV write of the bytes;
 * - the **floor** (`scripts/lib/ingest_floor_server.ts`): the app's own parsing, shape check,
 *   hash, signals and posture, nothing stored — what a push costs before any storage.
 *
 * Prints snapshots/s, p50/p99 latency, CPU per request of the server (all its threads) and of
 * this load-generating process, each server's peak RSS, and the ratios.
 * Bounded: N requests per server, loopback only, 60 s start-up limit.
 *
 * `BENCH_CPU_PROF_DIR=<dir>` runs the app with `--cpu-prof` and writes its `.cpuprofile` there
 * (on exit); aggregate it with `scripts/profile_ingest.ts --cpuprofile <dir>`.
 */
import {
  freePort,
  peakRssMiB,
  PROJECT_ROOT,
  runScript,
  waitUntilUp,
} from "../lib/demo/app_process.ts";
import {
  BENCH_OWNER,
  benchEnv,
  createBenchOwner,
  fixtureBodies,
  parseBenchArgs,
  percentile,
  processCpuMs,
  runConcurrently,
  spawnEval,
  stopAll,
} from "./lib/bench.ts";

const values = parseBenchArgs(
  "deno task bench:ingest [--requests N] [--concurrency C] [--hosts H] [--rounds R]\n" +
    "  [--database-url postgres://…]",
  {
    "database-url": { type: "string", default: "" },
    requests: { type: "string", default: "6000" },
    concurrency: { type: "string", default: "32" },
    hosts: { type: "string", default: "48" },
    rounds: { type: "string", default: "4" },
  },
);
const REQUESTS = Number(values.requests),
  CONCURRENCY = Number(values.concurrency),
  HOSTS = Number(values.hosts),
  ROUNDS = Math.max(1, Number(values.rounds));

/** `--cpu-prof` flags for the app when `BENCH_CPU_PROF_DIR` is set. */
function cpuProfArgs(): string[] {
  const dir = Deno.env.get("BENCH_CPU_PROF_DIR");
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}

/** What one server did over all its rounds. */
interface LoadResult {
  requests: number;
  seconds: number;
  latencies: number[];
  failures: number;
  /** CPU time the server process used during the load, ms (all its threads). */
  serverCpuMs: number;
  /** CPU time this (load-generating) process used meanwhile, ms. */
  clientCpuMs: number;
}

/**
 * Posts `payloads` at the configured concurrency to the server process `serverPid`; target `i`
 * is `targets[(offset + i) % n]`.
 */
async function load(
  serverPid: number,
  targets: Array<{ url: string; token: string }>,
  payloads: string[],
  offset = 0,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let failures = 0;
  const serverCpu0 = processCpuMs(serverPid), clientCpu0 = processCpuMs(Deno.pid);
  const started = performance.now();
  await runConcurrently(payloads.length, CONCURRENCY, async (i) => {
    const t = targets[(offset + i) % targets.length];
    const t0 = performance.now();
    const res = await fetch(t.url, {
      method: "POST",
      headers: { authorization: `Bearer ${t.token}`, "content-type": "application/json" },
      body: payloads[i],
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    if (res.status !== 200) failures++;
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: payloads.length,
    seconds,
    latencies,
    failures,
    serverCpuMs: processCpuMs(serverPid) - serverCpu0,
    clientCpuMs: processCpuMs(Deno.pid) - clientCpu0,
  };
}

function merge(results: LoadResult[]): LoadResult {
  return {
    requests: results.reduce((n, r) => n + r.requests, 0),
    seconds: results.reduce((n, r) => n + r.seconds, 0),
    latencies: results.flatMap((r) => r.latencies),
    failures: results.reduce((n, r) => n + r.failures, 0),
    serverCpuMs: results.reduce((n, r) => n + r.serverCpuMs, 0),
    clientCpuMs: results.reduce((n, r) => n + r.clientCpuMs, 0),
  };
}

function summary(r: LoadResult) {
  return {
    perSecond: r.requests / r.seconds,
    p50: percentile(r.latencies, 0.5),
    p99: percentile(r.latencies, 0.99),
    failures: r.failures,
    serverCpuMs: r.serverCpuMs / r.requests,
    clientCpuMs: r.clientCpuMs / r.requests,
  };
}

const BASELINE = `
const kv = await Deno.openKv(Deno.env.get("KV_FILE"));
let n = 0;
Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.env.get("PORT")), onListen() {} }, async (req) => {
  const bytes = new Uint8Array(await req.arrayBuffer());
  await kv.set(["bench", n++ % 1000], bytes);
  return Response.json({ ok: true });
});`;

const payloads = await fixtureBodies(REQUESTS);
const dir = await Deno.makeTempDir({ prefix: "bench-ingest-" });
// The ledger: SQLite in the data directory, or `--database-url` (a database of its own).
const env = { ...benchEnv(dir), DATABASE_URL: values["database-url"] ?? "" };
try {
  // Org and hosts first (ledger only), then the server.
  await createBenchOwner(env);
  const hosts: Array<{ hostId: string; token: string }> = [];
  for (let i = 0; i < HOSTS; i++) {
    hosts.push(
      JSON.parse(
        await runScript("scripts/host_create.ts", [
          "--org",
          BENCH_OWNER.org,
          "--name",
          `bench-${i}`,
        ], env),
      ),
    );
  }
  const appPort = freePort();
  const app = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...cpuProfArgs(), "main.ts"],
    cwd: PROJECT_ROOT,
    env: { ...env, PORT: String(appPort) },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  const basePort = freePort();
  const base = spawnEval(BASELINE, { PORT: String(basePort), KV_FILE: `${dir}/baseline.kv` });
  const floorPort = freePort();
  const floor = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/lib/ingest_floor_server.ts"],
    cwd: PROJECT_ROOT,
    env: { PORT: String(floorPort) },
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  try {
    await waitUntilUp(`http://127.0.0.1:${appPort}/healthz`, 60_000);
    await waitUntilUp(`http://127.0.0.1:${basePort}/`, 60_000);
    await waitUntilUp(`http://127.0.0.1:${floorPort}/`, 60_000);
    const appTargets = hosts.map((h) => ({
      url: `http://127.0.0.1:${appPort}/api/hosts/${h.hostId}/status`,
      token: h.token,
    }));
    const baseTargets = [{ url: `http://127.0.0.1:${basePort}/`, token: "" }];
    const floorTargets = [{ url: `http://127.0.0.1:${floorPort}/`, token: "" }];
    await load(base.pid, baseTargets, payloads.slice(0, 300)); // warm-up, not counted
    await load(floor.pid, floorTargets, payloads.slice(0, 300));
    // Alternating rounds (baseline slice, then the same slice on the app): a burst of load from
    // other processes on a shared machine hits both servers alike instead of one whole phase.
    const baseRounds: LoadResult[] = [],
      floorRounds: LoadResult[] = [],
      appRounds: LoadResult[] = [];
    const size = Math.ceil(REQUESTS / ROUNDS);
    for (let start = 0; start < REQUESTS; start += size) {
      const slice = payloads.slice(start, start + size);
      baseRounds.push(await load(base.pid, baseTargets, slice, start));
      floorRounds.push(await load(floor.pid, floorTargets, slice, start));
      appRounds.push(await load(app.pid, appTargets, slice, start));
    }
    const baseline = summary(merge(baseRounds));
    const floorRate = summary(merge(floorRounds));
    const ingest = summary(merge(appRounds));
    const appRss = await peakRssMiB(app.pid), baseRss = await peakRssMiB(base.pid);
    const floorRss = await peakRssMiB(floor.pid);
    const row = (label: string, r: typeof ingest, rss: number) =>
      console.log(
        `| ${label} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${
          r.serverCpuMs.toFixed(3)
        } | ${r.clientCpuMs.toFixed(3)} | ${rss.toFixed(0)} | ${r.failures} |`,
      );
    console.log(
      `${REQUESTS} requests per server in ${ROUNDS} alternating rounds, concurrency ${CONCURRENCY}, ` +
        `${HOSTS} hosts, ${env.DATABASE_URL ? "Postgres" : "SQLite"} ledger`,
    );
    console.log(
      "| server | snapshots/s | p50 ms | p99 ms | server CPU ms/req | client CPU ms/req | " +
        "peak RSS MiB | non-200 |",
    );
    console.log("|---|---|---|---|---|---|---|---|");
    row("baseline (read body + one KV write)", baseline, baseRss);
    row("floor (parse, shape check, hash, signals, posture; nothing stored)", floorRate, floorRss);
    row("ingest (auth, parse, signals, ledger + KV)", ingest, appRss);
    const ratio = (a: typeof ingest, b: typeof ingest) => (a.perSecond / b.perSecond).toFixed(2);
    console.log(`ratio floor / baseline: ${ratio(floorRate, baseline)}`);
    console.log(`ratio ingest / floor: ${ratio(ingest, floorRate)}`);
    console.log(`ratio ingest / baseline: ${ratio(ingest, baseline)}`);
  } finally {
    await stopAll(app, base, floor);
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
