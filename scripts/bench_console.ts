/**
 * `deno task bench:console [--hosts 10000] [--days 7] [--signals 1000000] [--runs 40]
 * [--data-dir <dir>] [--skip-seed] [--mode production|development] [--database-url <url>]`
 *
 * The operator console at fleet scale, in one run: seeds the fleet (`scripts/seed_demo.ts`, the
 * ingest path's own functions) into a temp `DATA_DIR` (or `--data-dir`, kept, reusable with
 * `--skip-seed`), starts the real app in its own process, signs in as the owner, and times
 * p50/p95 of the fleet overview (first page, filtered by band, searched by name), a host page,
 * the timeline and the breach list, each in alternating rounds with a baseline (a bare
 * `Deno.serve` answering a constant page, timed the same way). Also: ingest-to-SSE latency
 * when `/api/live` exists, client JS bytes (gzip) per page, and the server's peak RSS (VmHWM).
 * Prints Markdown tables for docs/performance.md and the machine's load. `--database-url` puts the
 * ledger in Postgres (the seed and the app use it; KV stays in the data directory); use a database
 * of its own, the seed adds to what is there.
 *
 * @module
 */

import {
  freePort,
  peakRssMiB,
  runScript,
  signIn,
  spawnApp,
  waitUntilUp,
} from "../lib/demo/app_process.ts";
import { liveLatency } from "./bench_console_live.ts";
import {
  BENCH_OWNER,
  benchEnv,
  buildProduction,
  createBenchOwner,
  parseBenchArgs,
  percentile,
  PRODUCTION_ENV,
  spawnEval,
  stopAll,
} from "./lib/bench.ts";

const values = parseBenchArgs(
  "deno task bench:console [--hosts 10000] [--days 7] [--signals 1000000] [--runs 40]\n" +
    "  [--data-dir <dir>] [--skip-seed] [--mode production|development] [--database-url <url>]",
  {
    hosts: { type: "string", default: "10000" },
    days: { type: "string", default: "7" },
    signals: { type: "string", default: "1000000" },
    runs: { type: "string", default: "40" },
    "data-dir": { type: "string" },
    "skip-seed": { type: "boolean", default: false },
    mode: { type: "string", default: "production" },
    "database-url": { type: "string", default: "" },
  },
);
const RUNS = Math.max(5, Number(values.runs));

const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
console.error(`load average at start: ${load()}`);

const dir = values["data-dir"] ?? await Deno.makeTempDir({ prefix: "bench-console-" });
await Deno.mkdir(dir, { recursive: true });
const env = { ...benchEnv(dir), DATABASE_URL: values["database-url"] ?? "" };
let seedLine = "(reused)";
if (!values["skip-seed"]) {
  await createBenchOwner(env);
  const started = performance.now();
  seedLine = (await runScript(
    "scripts/seed_demo.ts",
    [
      "--hosts",
      values.hosts!,
      "--days",
      values.days!,
      "--signals",
      values.signals!,
      "--org",
      BENCH_OWNER.org,
    ],
    env,
    (t) => Deno.stderr.writeSync(new TextEncoder().encode(t)),
  )).split("\n").at(-1)!;
  console.error(`seeded in ${((performance.now() - started) / 1000).toFixed(0)} s: ${seedLine}`);
}

let mode = values.mode === "development" ? "development" : "production";
if (mode === "production" && !await buildProduction()) {
  console.error("deno task build failed: measuring the development server instead");
  mode = "development";
}
const appEnv = mode === "production" ? { ...env, ...PRODUCTION_ENV } : env;
const appPort = freePort(), basePort = freePort();
const base = `http://127.0.0.1:${appPort}`;
const app = spawnApp(appPort, { ...appEnv, APP_URL: base });
const BASELINE = `Deno.serve({ hostname: "127.0.0.1", port: ${basePort}, onListen() {} },
  () => new Response("<!doctype html><title>ok</title><p>ok</p>", {
    headers: { "content-type": "text/html; charset=utf-8" } }));`;
const baseline = spawnEval(BASELINE);

/** p50 and p95 of a list of milliseconds. */
function percentiles(ms: number[]) {
  return { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95) };
}

async function timed(url: string, headers: HeadersInit): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(url, { headers });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
  return performance.now() - t0;
}

async function gzipBytes(bytes: Uint8Array): Promise<number> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

/** The page's client JS: inline scripts plus every `modulepreload` module, raw and gzip. */
async function clientJs(path: string, cookie: string) {
  const res = await fetch(`${base}${path}`, { headers: { cookie } });
  const html = await res.text();
  const inline = new TextEncoder().encode(html.match(/<script[\s\S]*?<\/script>/g)?.join("") ?? "");
  const urls = [...(res.headers.get("link") ?? "").matchAll(/<([^>]+)>; rel="modulepreload"/g)]
    .map((m) => m[1]);
  let raw = inline.length, gz = inline.length ? await gzipBytes(inline) : 0;
  for (const u of urls) {
    const bytes = new Uint8Array(await (await fetch(`${base}${u}`)).arrayBuffer());
    raw += bytes.length;
    gz += await gzipBytes(bytes);
  }
  return { modules: urls.length, raw, gz };
}

try {
  await waitUntilUp(`${base}/healthz`);
  await waitUntilUp(`http://127.0.0.1:${basePort}/`);
  const cookie = await signIn(base, BENCH_OWNER.email, BENCH_OWNER.password);
  const headers = { cookie };
  const fleetHtml = await (await fetch(`${base}/hosts`, { headers })).text();
  const hostIds = [
    ...new Set([...fleetHtml.matchAll(/href="\/hosts\/(h_[0-9A-Za-z]+)"/g)]
      .map((m) => m[1])),
  ].slice(0, 10);
  if (hostIds.length === 0) throw new Error("the fleet page lists no host");
  const pages: Array<[string, (i: number) => string]> = [
    ["fleet overview, first page", () => "/hosts"],
    ["fleet overview, band = critical", () => "/hosts?band=critical"],
    ["fleet overview, sorted by posture", () => "/hosts?sort=posture"],
    ["fleet overview, search by name", (i) => `/hosts?q=${["db-eu", "cache-ap", "web-us"][i % 3]}`],
    ["host page", (i) => `/hosts/${hostIds[i % hostIds.length]}`],
    ["timeline, first page", () => "/timeline"],
    ["breaches, first page", () => "/breaches"],
  ];
  const results: Array<{ label: string; p50: number; p95: number; b50: number; b95: number }> = [];
  const baselineAll: number[] = [];
  for (const [label, path] of pages) {
    for (let i = 0; i < 3; i++) await timed(`${base}${path(i)}`, headers); // warm-up
    const app: number[] = [], bare: number[] = [];
    // Alternating requests: a burst of load from other processes hits both alike.
    for (let i = 0; i < RUNS; i++) {
      bare.push(await timed(`http://127.0.0.1:${basePort}/`, {}));
      app.push(await timed(`${base}${path(i)}`, headers));
    }
    baselineAll.push(...bare);
    const a = percentiles(app), b = percentiles(bare);
    results.push({ label, p50: a.p50, p95: a.p95, b50: b.p50, b95: b.p95 });
  }
  const live = await liveLatency(base, cookie, hostIds[0]);
  const js = await Promise.all(
    [["/hosts", "fleet overview"], [`/hosts/${hostIds[0]}`, "host page"], [
      "/timeline",
      "timeline",
    ], ["/breaches", "breaches"]].map(async ([path, label]) => ({
      label,
      ...(await clientJs(path, cookie)),
    })),
  );
  const rss = await peakRssMiB(app.pid);
  const bAll = percentiles(baselineAll);
  const f = (n: number) => n.toFixed(1);
  console.log(`\nload average at end: ${load()}; mode ${mode}; ${RUNS} requests per page`);
  console.log(`seed: ${seedLine}\n`);
  console.log("| page | p50 ms | p95 ms | baseline p50 / p95 ms | p95 ratio to baseline |");
  console.log("|---|---|---|---|---|");
  console.log(
    `| baseline: bare Deno.serve, constant page | ${f(bAll.p50)} | ${f(bAll.p95)} | | 1.0 |`,
  );
  for (const r of results) {
    console.log(
      `| ${r.label} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.b50)} / ${f(r.b95)} | ${
        (r.p95 / r.b95).toFixed(1)
      } |`,
    );
  }
  console.log("\n| page | client JS modules | raw bytes | gzip bytes |\n|---|---|---|---|");
  for (const j of js) console.log(`| ${j.label} | ${j.modules} | ${j.raw} | ${j.gz} |`);
  console.log(`\nserver peak RSS (VmHWM): ${rss.toFixed(0)} MiB`);
  console.log(`ingest to SSE: ${live}`);
} finally {
  await stopAll(app, baseline);
  if (!values["data-dir"]) await Deno.remove(dir, { recursive: true });
}
