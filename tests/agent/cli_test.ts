/**
 * The command line, the configuration file, the systemd units, the runner's self-containment
 * (imports only agent/ and lib/protocol/) and the bundle: `scripts/agent_build.ts` builds
 * `vps-sentry-runner.js`, which runs `--help` and `status` as a subprocess.
 */
import { deepEqual, equal, match, ok, throws } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ConfigError, DEFAULT_CONFIG, parseConfig } from "../../agent/config.ts";
import { main } from "../../agent/main.ts";
import { buildRunnerBundle } from "../../scripts/agent_build.ts";
import { enrolledRuntime, HOST_ID, sandbox } from "./support.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

async function* tsFiles(dir: string): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) yield* tsFiles(path);
    else if (e.name.endsWith(".ts")) yield path;
  }
}

Deno.test("[runner] agent/ and lib/protocol/ import only each other; files stay small", async () => {
  const allowed = [`${ROOT}agent/`, `${ROOT}lib/protocol/`];
  for (const dir of ["agent", "lib/protocol"]) {
    for await (const file of tsFiles(`${ROOT}${dir}`)) {
      const text = await Deno.readTextFile(file);
      for (const m of text.matchAll(/^\s*(?:import|export)\b[^"']*?from\s+["']([^"']+)["']/gm)) {
        const spec = m[1];
        ok(spec.startsWith("."), `${file}: ${spec} is not relative`);
        const target = fileURLToPath(new URL(spec, `file://${file}`));
        ok(allowed.some((a) => target.startsWith(a)), `${file}: ${spec} leaves the runner`);
      }
      ok(text.split("\n").length < 420, `${file} is small`);
    }
  }
});

Deno.test("[runner] config: defaults, overrides, and errors that name the key", async () => {
  await using s = await sandbox();
  deepEqual(parseConfig({}), { ...DEFAULT_CONFIG });
  equal(parseConfig({ pollWaitSec: 10 }).pollWaitSec, 10);
  throws(() => parseConfig({ pollWaitSecs: 10 }), /unknown key "pollWaitSecs"/);
  throws(() => parseConfig({ stateDir: "relative" }), /"stateDir" must be an absolute path/);
  throws(() => parseConfig({ trustedUid: -1 }), /"trustedUid" must be an integer/);
  throws(() => parseConfig({ refreshCommand: ["systemctl"] }), /"refreshCommand"/);
  throws(() => parseConfig([]), ConfigError);
  const path = `${s.dir}/config.json`;
  await Deno.writeTextFile(path, '{"includeLast": "yes"}');
  const c = capture();
  equal(await main(["status", "--config", path], c.io), 78);
  match(c.err.join("\n"), /"includeLast" must be true or false/);
  await Deno.writeTextFile(path, "{oops");
  equal(await main(["status", "--config", path], c.io), 78);
  match(c.err.at(-1)!, /not valid JSON/);
});

Deno.test("[runner] CLI: usage errors exit 64; status before and after enrollment", async () => {
  await using s = await sandbox();
  const path = `${s.dir}/config.json`;
  await Deno.writeTextFile(path, JSON.stringify({ stateDir: s.config.stateDir }));
  const c = capture();
  equal(await main([], c.io), 64);
  equal(await main(["frobnicate", "--config", path], c.io), 64);
  equal(await main(["enroll", "--config", path, "--host-id", "h"], c.io), 64);
  match(c.err.at(-1)!, /--base-url is required/);
  equal(await main(["push", "--bogus"], c.io), 64);
  equal(await main(["push", "--config", path], c.io), 78, "not enrolled");
  equal(await main(["status", "--config", path], c.io), 0);
  match(c.out.at(-1)!, /enrolled: no/);
  await enrolledRuntime(s.ctx);
  equal(await main(["status", "--json", "--config", path], c.io), 0);
  const summary = JSON.parse(c.out.at(-1)!);
  equal(summary.hostId, HOST_ID);
  equal(summary.nextSeq, 1);
  equal(summary.jobKeys.length, 1);
});

Deno.test("[runner] install-systemd writes the units and removes the legacy push hook", async () => {
  await using s = await sandbox();
  const prefix = `${s.dir}/systemd`;
  await Deno.mkdir(`${prefix}/vps-sentry.service.d`, { recursive: true });
  await Deno.writeTextFile(`${prefix}/vps-sentry.service.d/web-ingest.conf`, "[Service]\n");
  const path = `${s.dir}/config.json`;
  await Deno.writeTextFile(path, "{}");
  const c = capture();
  equal(
    await main(
      [
        "install-systemd",
        "--prefix",
        prefix,
        "--exec",
        "/opt/runner/bin/vps-sentry-runner",
        "--config",
        path,
      ],
      c.io,
    ),
    0,
  );
  const run = await Deno.readTextFile(`${prefix}/vps-sentry-runner.service`);
  match(run, new RegExp(`ExecStart=/opt/runner/bin/vps-sentry-runner run --config ${path}`));
  match(run, /RestartPreventExitStatus=78/);
  const push = await Deno.readTextFile(`${prefix}/vps-sentry-runner-push.service`);
  match(push, /Type=oneshot/);
  match(push, / push --config /);
  const hook = await Deno.readTextFile(`${prefix}/vps-sentry.service.d/zz-vps-sentry-runner.conf`);
  match(hook, /ExecStartPost=-\/bin\/systemctl start --no-block vps-sentry-runner-push.service/);
  match(
    await Deno.readTextFile(`${prefix}/vps-sentry-runner-drain.timer`),
    /OnUnitInactiveSec=5min/,
  );
  match(await Deno.readTextFile(`${prefix}/vps-sentry-runner-drain.service`), /push --drain-only/);
  ok(c.out.some((l) => l.includes("removed legacy")));
  ok(!(await Deno.lstat(`${prefix}/vps-sentry.service.d/web-ingest.conf`).catch(() => null)));
  equal((await Deno.stat(`${prefix}/vps-sentry-runner.service`)).mode! & 0o777, 0o644);
});

Deno.test("[runner] the bundle builds and runs --help and status as a subprocess", async () => {
  await using s = await sandbox();
  const output = `${s.dir}/dist/vps-sentry-runner.js`;
  const { bytes } = await buildRunnerBundle(output);
  ok(bytes > 10_000);
  const text = await Deno.readTextFile(output);
  ok(text.startsWith("#!/usr/bin/env -S deno run"));
  ok(!/from\s+["'](npm:|jsr:|@\/|https?:)/.test(text), "self-contained");
  const run = async (...args: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--no-config",
        "--allow-read",
        "--allow-write",
        "--allow-net",
        "--allow-run",
        "--allow-sys=hostname",
        output,
        ...args,
      ],
      cwd: s.dir,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  };
  const help = await run("--help");
  equal(help.code, 0, help.stderr);
  match(help.stdout, /Usage: vps-sentry-runner <command>/);
  const config = `${s.dir}/config.json`;
  await Deno.writeTextFile(config, JSON.stringify({ stateDir: s.config.stateDir }));
  const before = await run("status", "--config", config);
  equal(before.code, 0, before.stderr);
  match(before.stdout, /enrolled: no/);
  await enrolledRuntime(s.ctx);
  const after = await run("status", "--config", config);
  equal(after.code, 0, after.stderr);
  match(after.stdout, new RegExp(`enrolled: yes, host ${HOST_ID}`));
  match(after.stdout, /next seq: 1/);
  const push = await run("push", "--config", config, "--status-dir", `${s.dir}/nothing`);
  equal(push.code, 1);
  match(push.stderr, /status\.json is missing/);
});
