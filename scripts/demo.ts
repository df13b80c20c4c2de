/**
 * `deno task demo [--data-dir ./data-demo] [--port 8000] [--hosts 25] [--days 2]
 * [--live-hosts 4] [--interval 5]`: the console in one command.
 *
 * Seeds a demo organization (`demo`, owner `demo@example.com` with a generated password) into a
 * fresh temp `DATA_DIR` (removed on exit) or `--data-dir` (kept: the second start reuses its
 * data and login, stored in `<dir>/demo.json`; the password is in `<dir>/demo-password` from
 * before the owner exists, so a start stopped while seeding resumes with it), starts the real
 * app in its own process, prints the URL and the login, and runs a simulated host runner:
 * `--live-hosts` hosts post a fixture snapshot every `--interval` seconds through the real HTTP
 * ingest (bearer keys). Ctrl-C (or SIGTERM) stops the runner and the app and exits 0.
 *
 * Besides the readable lines, stdout carries one JSON line when ready:
 * `{"ready":true,"url":…,"email":…,"password":…,"dataDir":…,"liveHosts":[…]}`.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { loadConfig } from "../lib/config.ts";
import { assertKvNotInUse } from "../lib/db/kv_in_use.ts";
import { createLogger } from "../lib/log.ts";
import { closeServices, openServices } from "../lib/services.ts";
import { createHostKey } from "../lib/hosts/keys.ts";
import { ensureHosts, seedDemo } from "../lib/demo/seed.ts";
import { demoHost, loadFixtures } from "../lib/demo/fleet_gen.ts";
import { spawnApp, waitUntilUp } from "../lib/demo/app_process.ts";
import { type RunnerHost, runSimulatedRunner } from "../lib/demo/runner.ts";
import { runUserCreate } from "./user_create.ts";
import { capturedOutput } from "./script_output.ts";

const ORG = "demo";
const EMAIL = "demo@example.com";

/** What a kept data directory remembers between starts (tokens are shown only once). */
interface DemoState {
  email: string;
  password: string;
  hosts: number;
  live: Array<{ hostId: string; token: string; index: number }>;
}

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "data-dir": { type: "string" },
    port: { type: "string" },
    hosts: { type: "string", default: "25" },
    days: { type: "string", default: "2" },
    "live-hosts": { type: "string", default: "4" },
    interval: { type: "string", default: "5" },
  },
});
const kept = values["data-dir"] !== undefined;
const dir = kept ? values["data-dir"]! : await Deno.makeTempDir({ prefix: "vps-sentry-demo-" });
await Deno.mkdir(dir, { recursive: true });
const port = values.port ? Number(values.port) : 8000;
const url = `http://localhost:${port}`;
const env: Record<string, string> = {
  ...Deno.env.toObject(),
  DATA_DIR: dir,
  DENO_KV_PATH: "",
  DATABASE_URL: "",
  APP_URL: url,
  PORT: String(port),
  LOG_LEVEL: Deno.env.get("LOG_LEVEL") ?? "warn",
};
const statePath = `${dir}/demo.json`;
const say = (line: string) => console.log(line);

async function prepare(): Promise<DemoState> {
  try {
    return JSON.parse(await Deno.readTextFile(statePath)) as DemoState;
  } catch { /* first start in this directory */ }
  const config = loadConfig(env);
  await assertKvNotInUse(config);
  // Kept before the owner is created: a first start stopped while seeding (which may take
  // minutes) resumes with the password that owner already has.
  const passwordPath = `${dir}/demo-password`;
  const password = await Deno.readTextFile(passwordPath).catch(() => null) ??
    `demo ${crypto.randomUUID().slice(0, 13)}`;
  await Deno.writeTextFile(passwordPath, password, { mode: 0o600 });
  const out = capturedOutput();
  const code = await runUserCreate(
    ["--email", EMAIL, "--org", ORG, "--role", "owner", "--password", password, "--name", "Demo"],
    env,
    () => Promise.resolve(null),
    out,
  );
  if (code !== 0) throw new Error(`creating the demo owner failed: ${out.stderr.join(" ")}`);
  const services = await openServices(config, createLogger("warn"));
  try {
    const hosts = Number(values.hosts), days = Number(values.days);
    say(`Seeding ${hosts} hosts with ${days} days of history…`);
    const summary = await seedDemo(services, { org: ORG, hosts, days });
    say(`Seeded ${summary.snapshots} snapshots, ${summary.signals} signals.`);
    const { hosts: all } = await ensureHosts(services.ledger, summary.orgId, 1, hosts, new Date());
    const live = [];
    for (const { demo, host } of all.slice(0, Number(values["live-hosts"]))) {
      const { token } = await createHostKey(services.ledger, {
        orgId: summary.orgId,
        hostId: host.id,
        label: "demo runner",
        now: services.clock.now(),
      });
      live.push({ hostId: host.id, token, index: demo.index });
    }
    const state: DemoState = { email: EMAIL, password, hosts, live };
    await Deno.writeTextFile(statePath, JSON.stringify(state), { mode: 0o600 });
    return state;
  } finally {
    await closeServices(services);
  }
}

const state = await prepare();
const app = spawnApp(port, env, { stdout: "null", stderr: "inherit" });
const stop = new AbortController();
let stopping: Promise<void> | null = null;
const shutdown = () =>
  stopping ??= (async () => {
    stop.abort();
    try {
      app.kill("SIGTERM");
    } catch { /* already gone */ }
    await app.status;
    if (!kept) await Deno.remove(dir, { recursive: true }).catch(() => {});
    Deno.exit(0);
  })();
for (const sig of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(sig, shutdown);
app.status.then((s) => {
  if (stop.signal.aborted) return;
  console.error(`the app stopped (exit ${s.code}); stopping the demo`);
  stop.abort();
  Deno.exit(s.code === 0 ? 1 : s.code);
});

await waitUntilUp(`http://127.0.0.1:${port}/healthz`);
const fixtures = await loadFixtures();
const live: RunnerHost[] = state.live.map((h, i) => {
  const demo = demoHost(1, h.index);
  // Something to watch: the first live host shows a process IOC from its tenth post on.
  if (i === 0) demo.profile = { ...demo.profile, ioc: "process", iocFrom: 1.0095 };
  return { ...h, demo };
});
say("");
say(`VPS Sentry demo: ${url}`);
say(`Sign in as ${state.email} with the password: ${state.password}`);
say(
  `${state.hosts} demo hosts; ${live.length} of them post a snapshot every ${values.interval} s ` +
    `(simulated runner). Data: ${dir}${kept ? " (kept)" : " (removed on exit)"}. Ctrl-C stops.`,
);
say(JSON.stringify({
  ready: true,
  url,
  email: state.email,
  password: state.password,
  dataDir: dir,
  liveHosts: live.map((h) => h.hostId),
}));
await runSimulatedRunner(
  `http://127.0.0.1:${port}`,
  live,
  fixtures,
  Number(values.interval) * 1000,
  stop.signal,
  (p) =>
    say(
      `runner: ${p.name} → ${p.status}` +
        (p.status === 200 ? ` (${p.signals} signals, posture ${p.band})` : ""),
    ),
);
await stopping;
