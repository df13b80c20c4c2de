/**
 * `deno task bench:startup`: measures, in one run,
 *  - cold start to ready: spawn `deno run -A main.ts` on fresh embedded stores and poll `/readyz`
 *    until 200, against a baseline process that only does `Deno.serve` of a constant response;
 *  - client JavaScript shipped by the shell page `/`: every module in its `modulepreload` header,
 *    raw and gzip bytes.
 * Prints a Markdown table for docs/performance.md. Bounded: N runs, each with a 30 s limit.
 */
import { freePort, PROJECT_ROOT, spawnApp, waitUntilUp } from "../lib/demo/app_process.ts";
import { buildProduction, parseBenchArgs, percentile, PRODUCTION_ENV } from "./lib/bench.ts";

const values = parseBenchArgs("deno task bench:startup [--runs N]", {
  runs: { type: "string", default: "5" },
});
const runs = Math.max(1, Number(values.runs));

/** Spawns `args`, polls `url` until it answers 200; returns ms from spawn to ready. */
async function timeToReady(
  args: string[],
  url: (port: number) => string,
  env: Record<string, string>,
) {
  const port = freePort();
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: PROJECT_ROOT,
    env: { ...env, PORT: String(port) },
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const deadline = started + 30_000;
    while (performance.now() < deadline) {
      try {
        const res = await fetch(url(port));
        await res.body?.cancel();
        if (res.status === 200) return { ms: performance.now() - started, port };
      } catch { /* not listening yet */ }
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`not ready within 30 s: ${args.join(" ")}`);
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

const median = (xs: number[]) => percentile(xs, 0.5);
const baselineSrc =
  `Deno.serve({ hostname: "127.0.0.1", port: Number(Deno.env.get("PORT")), onListen() {} }, () => new Response("ok"));`;

if (!await buildProduction()) throw new Error("deno task build failed");

const dev: number[] = [], prod: number[] = [], base: number[] = [];
for (let i = 0; i < runs; i++) {
  for (const [into, env] of [[dev, {}], [prod, PRODUCTION_ENV]] as const) {
    const dataDir = await Deno.makeTempDir({ prefix: "bench-startup-" });
    try {
      const ready = await timeToReady(
        ["run", "-A", "main.ts"],
        (p) => `http://127.0.0.1:${p}/readyz`,
        {
          ...env,
          DATA_DIR: dataDir,
          LOG_LEVEL: "error",
        },
      );
      into.push(ready.ms);
    } finally {
      await Deno.remove(dataDir, { recursive: true });
    }
  }
  base.push((await timeToReady(["eval", baselineSrc], (p) => `http://127.0.0.1:${p}/`, {})).ms);
}

// Client JS of the shell page as a production server ships it.
async function clientBytes(env: Record<string, string>) {
  const dataDir = await Deno.makeTempDir({ prefix: "bench-js-" });
  const port = freePort();
  const child = spawnApp(port, { ...env, DATA_DIR: dataDir, LOG_LEVEL: "error" }, {
    stderr: "null",
  });
  try {
    await waitUntilUp(`http://127.0.0.1:${port}/readyz`, 30_000);
    const page = await fetch(`http://127.0.0.1:${port}/`);
    const html = await page.text();
    const urls = [...(page.headers.get("link") ?? "").matchAll(/<([^>]+)>; rel="modulepreload"/g)]
      .map((m) => m[1]);
    let raw =
      new TextEncoder().encode(html.match(/<script[\s\S]*?<\/script>/g)?.join("") ?? "").length;
    let gz = 0;
    for (const u of urls) {
      const bytes = new Uint8Array(
        await (await fetch(`http://127.0.0.1:${port}${u}`)).arrayBuffer(),
      );
      raw += bytes.length;
      const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
      gz += (await new Response(stream).arrayBuffer()).byteLength;
    }
    return { files: urls.length, raw, gz };
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await Deno.remove(dataDir, { recursive: true });
  }
}

const prodJs = await clientBytes(PRODUCTION_ENV);

const b = median(base);
const row = (label: string, xs: number[]) =>
  console.log(
    `| ${label} (median of ${runs}) | ${median(xs).toFixed(0)} ms | ${
      (median(xs) / b).toFixed(2)
    } |`,
  );
console.log(`| measure | value | ratio to baseline |`);
console.log(`|---|---|---|`);
row("baseline: bare Deno.serve, spawn to first 200", base);
row("app, production (_fresh/ loaded), spawn to /readyz 200", prod);
row("app, development (islands bundled at start), spawn to /readyz 200", dev);
console.log(
  `| shell page \`/\` client JS, production (${prodJs.files} modules + boot script) | ` +
    `${prodJs.raw} B raw, ${prodJs.gz} B gzip | |`,
);
