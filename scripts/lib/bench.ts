/**
 * What the benchmark and profiling scripts share: their command line (with `--help`), the
 * app's environment and owner on a fresh data directory, the fixture payloads with unique
 * collection times, a fixed-concurrency work loop, percentiles, and the helper processes (the
 * production build, a baseline server) they start and stop.
 *
 * @module
 */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { PROJECT_ROOT, runScript } from "../../lib/demo/app_process.ts";
import { FIXTURES_DIR } from "../../lib/demo/fleet_gen.ts";

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses a benchmark's options (strict: an unknown option is an error); `--help` prints
 * `usage` and exits.
 *
 * @example
 * ```ts
 * const values = parseBenchArgs("deno task bench:x [--runs N]", { runs: { type: "string", default: "5" } });
 * Number(values.runs);
 * ```
 */
export function parseBenchArgs<const O extends OptionsConfig>(
  usage: string,
  options: O,
  args: string[] = Deno.args,
) {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(usage);
    Deno.exit(0);
  }
  return parseArgs({ args, options }).values;
}

/** The owner every benchmark signs in as, in organization `bench`. */
export const BENCH_OWNER = {
  email: "bench@example.com",
  password: "benchmark passphrase",
  org: "bench",
} as const;

/**
 * The app's environment on the embedded stores in `dataDir`: quiet logs, a cheap password hash,
 * and no inherited `DENO_KV_PATH` or `DATABASE_URL`.
 *
 * @example
 * ```ts
 * const env = benchEnv(await Deno.makeTempDir({ prefix: "bench-" }));
 * ```
 */
export function benchEnv(dataDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    LOG_LEVEL: "error",
    PASSWORD_HASH_COST: "10",
    NO_COLOR: "1",
    DENO_KV_PATH: "",
    DATABASE_URL: "",
  };
}

/** What the app needs on top of {@link benchEnv} to run as in production (after the build). */
export const PRODUCTION_ENV = {
  APP_ENV: "production",
  APP_SECRET: "bench-secret-bench-secret-bench-secret-0",
} as const;

/**
 * Creates {@link BENCH_OWNER} and its organization with `scripts/user_create.ts`.
 *
 * @example
 * ```ts
 * await createBenchOwner(env);
 * ```
 */
export async function createBenchOwner(env: Record<string, string>): Promise<void> {
  await runScript("scripts/user_create.ts", [
    "--email",
    BENCH_OWNER.email,
    "--org",
    BENCH_OWNER.org,
    "--role",
    "owner",
    "--password",
    BENCH_OWNER.password,
  ], env);
}

const FIXTURE_NAMES = [
  "status-real-debian.json",
  "status-drift.json",
  "status-ioc-outbound.json",
  "status-minimal.json",
  "status-rich.json",
  "envelope-real.json",
];

/**
 * `n` status push bodies: the agent fixtures in turn, each with a unique collection time (so
 * ingest deduplicates none of them), starting ten minutes ago.
 *
 * @example
 * ```ts
 * const payloads = await fixtureBodies(6000);
 * ```
 */
export async function fixtureBodies(n: number): Promise<string[]> {
  const docs = await Promise.all(
    FIXTURE_NAMES.map(async (f) => JSON.parse(await Deno.readTextFile(new URL(f, FIXTURES_DIR)))),
  );
  const start = Date.now() - 10 * 60_000;
  return Array.from({ length: n }, (_, i) => {
    const doc = structuredClone(docs[i % docs.length]);
    const ts = new Date(start + i).toISOString();
    if (doc.status && typeof doc.status === "object") doc.status.ts = ts;
    else doc.ts = ts;
    return JSON.stringify(doc);
  });
}

/**
 * Runs `work(0)` … `work(count - 1)` with at most `concurrency` of them in flight, each worker
 * taking the next index as it finishes one.
 *
 * @example
 * ```ts
 * await runConcurrently(payloads.length, 32, (i) => post(payloads[i]));
 * ```
 */
export async function runConcurrently(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await work(next++);
  }));
}

/**
 * The `p` quantile (0..1) of `values`, nearest rank.
 *
 * @example
 * ```ts
 * percentile([3, 1, 2, 4], 0.5); // 3
 * ```
 */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

/**
 * Runs `deno task build` (the production build); whether it succeeded.
 *
 * @example
 * ```ts
 * if (!await buildProduction()) throw new Error("deno task build failed");
 * ```
 */
export async function buildProduction(): Promise<boolean> {
  const build = await new Deno.Command(Deno.execPath(), {
    args: ["task", "build"],
    cwd: PROJECT_ROOT,
    stdout: "null",
    stderr: "inherit",
  }).output();
  return build.success;
}

/**
 * Spawns `deno eval source` (a baseline server the app is compared with) with `env` added.
 *
 * @example
 * ```ts
 * const baseline = spawnEval(`Deno.serve({ port: 9000 }, () => new Response("ok"));`);
 * ```
 */
export function spawnEval(source: string, env: Record<string, string> = {}): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["eval", source],
    env,
    stdout: "null",
    stderr: "inherit",
  }).spawn();
}

/**
 * Sends SIGTERM to every child, then waits until all have exited.
 *
 * @example
 * ```ts
 * await stopAll(app, baseline);
 * ```
 */
export async function stopAll(...children: Deno.ChildProcess[]): Promise<void> {
  for (const child of children) child.kill("SIGTERM");
  for (const child of children) await child.status;
}

/** Linux clock ticks per second (`getconf CLK_TCK`), the unit of `/proc/<pid>/stat` times. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, all threads) in ms from the text of a `/proc/<pid>/stat` file.
 *
 * @example
 * ```ts
 * cpuMsFromStat("42 (deno) S 1 42 42 0 -1 4194560 1 0 0 0 150 25 0 0"); // 1750
 * ```
 */
export function cpuMsFromStat(stat: string): number {
  // Fields after the command name (which may hold spaces and parentheses): state is field 3,
  // utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 1000 / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU time (user + system, all threads) a process has used so far, in ms, from
 * `/proc/<pid>/stat` (10 ms resolution); 0 when it cannot be read.
 *
 * @example
 * ```ts
 * const before = processCpuMs(app.pid);
 * await load();
 * const perRequest = (processCpuMs(app.pid) - before) / requests;
 * ```
 */
export function processCpuMs(pid: number): number {
  try {
    return cpuMsFromStat(Deno.readTextFileSync(`/proc/${pid}/stat`));
  } catch {
    return 0;
  }
}
