/**
 * `deno run -A scripts/profile_ingest.ts [--pushes N] [--concurrency C] [--hosts H]`
 * `deno run -A scripts/profile_ingest.ts --cpuprofile <dir> [--top N]`
 *
 * Profiling aids for the ingest path (docs/performance.md, "Ingest throughput"):
 *
 * - pipeline mode (default): the ingest pipeline in this process, without HTTP: fresh embedded
 *   stores in a temp directory, H hosts with keys, then N status pushes (the benchmark's
 *   fixtures, unique `ts`) through `ingestStatus` at concurrency C. Prints pushes/s, the
 *   process CPU per push, and the time spent in each SQLite statement (by SQL text) with its
 *   count, so "which statement, how often" is answered without a profiler. Add
 *   `--cpu-prof --cpu-prof-dir=<dir>` to the `deno run` for a CPU profile of the same run.
 * - `--cpuprofile <dir>`: aggregates the `.cpuprofile` files in `dir` (for example the app's,
 *   from `BENCH_CPU_PROF_DIR=<dir> deno task bench:ingest`): idle share, self time per function,
 *   and busy time per source file of the app ("owner": the nearest app frame below
 *   `node_modules` and the ledger adapter, so SQLite time lands on the code that ran it).
 *
 * @module
 */

import { cpuUsage } from "node:process";
import { StatementSync } from "node:sqlite";
import { fixtureBodies, parseBenchArgs, runConcurrently } from "./lib/bench.ts";

const values = parseBenchArgs(
  "deno run -A scripts/profile_ingest.ts [--pushes N] [--concurrency C] [--hosts H] [--top N]\n" +
    "deno run -A scripts/profile_ingest.ts --cpuprofile <dir> [--top N]",
  {
    pushes: { type: "string", default: "3000" },
    concurrency: { type: "string", default: "32" },
    hosts: { type: "string", default: "48" },
    cpuprofile: { type: "string" },
    top: { type: "string", default: "30" },
  },
);
const TOP = Number(values.top);

/** The subset of V8's `.cpuprofile` format read here. */
interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }>;
  samples: number[];
  timeDeltas: number[];
}

function printTop(title: string, totals: Map<string, number>, whole: number): void {
  console.log(`\n${title}`);
  [...totals].sort((a, b) => b[1] - a[1]).slice(0, TOP).forEach(([key, us]) =>
    console.log(`${(100 * us / whole).toFixed(1).padStart(6)} %  ${key}`)
  );
}

/** Self time by function, and busy time by owning app file, of every profile in `dir`. */
function aggregate(dir: string): void {
  const app = new URL("..", import.meta.url).href;
  const infrastructure = (url: string) =>
    !url.startsWith(app) || url.includes("/node_modules/") || url.includes("/lib/db/ledger/");
  for (const entry of Deno.readDirSync(dir)) {
    if (!entry.name.endsWith(".cpuprofile")) continue;
    const profile: CpuProfile = JSON.parse(Deno.readTextFileSync(`${dir}/${entry.name}`));
    const self = new Map<number, number>();
    profile.samples.forEach((id, i) =>
      self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
    );
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const byFunction = new Map<string, number>();
    const byOwner = new Map<string, number>();
    let total = 0, idle = 0;
    for (const [id, us] of self) {
      const frame = nodes.get(id)!.callFrame;
      total += us;
      if (frame.functionName === "(idle)") {
        idle += us;
        continue;
      }
      const where = frame.url.split("/").slice(-2).join("/");
      const fn = `${frame.functionName || "(anonymous)"} ${where}:${frame.lineNumber}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
      let owner = "(runtime, GC, or SQLite after an await)";
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const url = nodes.get(at)!.callFrame.url;
        if (!infrastructure(url)) {
          owner = url.slice(app.length);
          break;
        }
      }
      byOwner.set(owner, (byOwner.get(owner) ?? 0) + us);
    }
    const busy = total - idle;
    console.log(
      `${entry.name}: ${(total / 1000).toFixed(0)} ms sampled, ` +
        `${(100 * idle / total).toFixed(1)} % idle`,
    );
    printTop("self time, % of busy", byFunction, busy);
    printTop("busy time by owning app file, %", byOwner, busy);
  }
}

/** Adds up the time of every SQLite statement run in this process, by SQL text. */
function timeStatements(): Map<string, { ms: number; count: number }> {
  const times = new Map<string, { ms: number; count: number }>();
  const proto = StatementSync.prototype as unknown as Record<string, unknown>;
  for (const method of ["run", "all", "get", "iterate"]) {
    const original = proto[method] as (this: StatementSync, ...args: unknown[]) => unknown;
    proto[method] = function (this: StatementSync, ...args: unknown[]) {
      const started = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        const entry = times.get(this.sourceSQL) ?? { ms: 0, count: 0 };
        entry.ms += performance.now() - started;
        entry.count++;
        times.set(this.sourceSQL, entry);
      }
    };
  }
  return times;
}

async function pipeline(): Promise<void> {
  const times = timeStatements(); // before the ledger opens its connection
  const { loadConfig } = await import("../lib/config.ts");
  const { createLogger } = await import("../lib/log.ts");
  const { closeServices, openServices } = await import("../lib/services.ts");
  const { createOrg } = await import("../lib/orgs/orgs.ts");
  const { createHost } = await import("../lib/hosts/registry.ts");
  const { createHostKey } = await import("../lib/hosts/keys.ts");
  const { ingestStatus } = await import("../lib/ingest/ingest.ts");

  const pushes = Number(values.pushes), concurrency = Number(values.concurrency);
  const dir = await Deno.makeTempDir({ prefix: "profile-ingest-" });
  const config = loadConfig({
    APP_ENV: "test",
    DENO_KV_PATH: `${dir}/kv`,
    DATABASE_URL: `file:${dir}/ledger.db`,
    APP_SECRET: "profile-ingest-".repeat(3),
  });
  const services = await openServices(config, createLogger("error", () => {}));
  try {
    const org = await createOrg(services.ledger, { name: "profile", slug: "profile" });
    const hosts: Array<{ id: string; token: string }> = [];
    for (let i = 0; i < Number(values.hosts); i++) {
      const now = new Date();
      const host = await createHost(services.ledger, org.id, {
        name: `host-${i}`,
        slug: `host-${i}`,
      }, { now });
      const key = await createHostKey(services.ledger, {
        orgId: org.id,
        hostId: host.id,
        label: "profile",
        now,
      });
      hosts.push({ id: host.id, token: key.token });
    }
    const encoder = new TextEncoder();
    const bodies = (await fixtureBodies(pushes)).map((body) => encoder.encode(body));
    times.clear();
    const cpu0 = cpuUsage();
    const started = performance.now();
    await runConcurrently(pushes, concurrency, async (i) => {
      const host = hosts[i % hosts.length];
      await ingestStatus(services, {
        hostId: host.id,
        authorization: `Bearer ${host.token}`,
        ip: "127.0.0.1",
        readBody: () => Promise.resolve(bodies[i]),
      });
    });
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuUsage(cpu0);
    console.log(
      `${pushes} pushes in ${seconds.toFixed(2)} s: ${(pushes / seconds).toFixed(0)}/s; ` +
        `process CPU ${((cpu.user + cpu.system) / 1000 / pushes).toFixed(3)} ms/push ` +
        `(user ${(cpu.user / 1000 / pushes).toFixed(3)}, system ${
          (cpu.system / 1000 / pushes).toFixed(3)
        })`,
    );
    const sqliteMs = [...times.values()].reduce((sum, t) => sum + t.ms, 0);
    console.log(`\nSQLite statements: ${(sqliteMs / pushes).toFixed(3)} ms/push in total`);
    console.log("    ms    count  statement");
    [...times].sort((a, b) => b[1].ms - a[1].ms).slice(0, TOP).forEach(([text, t]) =>
      console.log(
        `${t.ms.toFixed(0).padStart(6)} ${String(t.count).padStart(8)}  ${
          text.replace(/\s+/g, " ").slice(0, 140)
        }`,
      )
    );
  } finally {
    await closeServices(services);
    await Deno.remove(dir, { recursive: true });
  }
}

if (values.cpuprofile) aggregate(values.cpuprofile);
else await pipeline();
