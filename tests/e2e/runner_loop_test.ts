/**
 * The closed loop with real processes: the app (`main.ts`, embedded KV file and SQLite ledger,
 * its own KV queue consumer) and the **bundled host runner** (`deno task agent:build` output) as
 * separate processes. The runner enrolls, pushes the drift fixture (unexpected tcp:6379 and
 * tcp:8080), and runs the jobs an operator creates through the API: plan → dry-run → execute.
 * The catalog's executables resolve under `REMEDIATION_TOOL_PREFIX` to recording test programs
 * in a temp directory, so no step touches the real system. The next snapshot (ports closed)
 * verifies the fix, confirms the change (commit-confirm) and fixes the breaches.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { buildRunnerBundle } from "../../scripts/agent_build.ts";
import {
  freePort,
  PROJECT_ROOT,
  runScript,
  signIn,
  spawnApp,
  waitUntilUp,
} from "@/lib/demo/app_process.ts";

const FIXTURES = new URL("../../../shared/fixtures/agent/", import.meta.url);
const OWNER = { email: "olga@example.test", password: "owner passphrase 4711" };

async function deno(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: PROJECT_ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** A recording stand-in for a catalog program: logs its argv, answers like the real one. */
async function recordingProgram(path: string, log: string) {
  await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o755 });
  await Deno.writeTextFile(
    path,
    `#!/bin/sh\nprintf '%s\\n' "$0 $*" >> '${log}'\necho "Rule added"\n`,
  );
  await Deno.chmod(path, 0o755);
}

Deno.test({
  name: "[e2e] runner: enroll → push → plan → dry-run → execute → verify, bundled runner process",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "runner-loop-" });
    await Deno.chmod(dir, 0o755);
    const tools = `${dir}/tools`;
    const argvLog = `${dir}/argv.log`;
    await recordingProgram(`${tools}/usr/sbin/ufw`, argvLog);
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      DATA_DIR: `${dir}/data`,
      APP_URL: base,
      REMEDIATION_TOOL_PREFIX: tools,
      LOG_LEVEL: "error",
      PASSWORD_HASH_COST: "10",
      DENO_KV_PATH: "",
      DATABASE_URL: "",
      NO_COLOR: "1",
    };
    await runScript("scripts/user_create.ts", [
      "--email",
      OWNER.email,
      "--org",
      "loop",
      "--role",
      "owner",
      "--password",
      OWNER.password,
    ], env);
    const server = spawnApp(port, env);
    const runner = `${dir}/vps-sentry-runner.js`;
    try {
      await buildRunnerBundle(runner);
      await waitUntilUp(`${base}/readyz`);
      // The operator: signs in, adds the host, reads the runner's enrollment command.
      const cookie = await signIn(base, OWNER.email, OWNER.password);
      const api = async (method: string, path: string, body?: unknown) => {
        const res = await fetch(`${base}${path}`, {
          method,
          headers: { "content-type": "application/json", origin: base, cookie },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: res.status, body: await res.json() };
      };
      const host = await api("POST", "/api/hosts", { name: "web-1", slug: "web-1" });
      equal(host.status, 201, JSON.stringify(host.body));
      const hostId: string = host.body.host.id;
      const enroll = host.body.onboarding.runner;

      // The runner, configured for a sandbox: state, status dir, allowlist of the test programs.
      const statusDir = `${dir}/status`;
      await Deno.mkdir(statusDir, { mode: 0o755 });
      await Deno.mkdir(`${dir}/etc`, { mode: 0o755 });
      await Deno.writeTextFile(`${dir}/etc/allowlist`, `${tools}/usr/sbin/ufw\n`);
      await Deno.chmod(`${dir}/etc/allowlist`, 0o644);
      const config = `${dir}/etc/config.json`;
      await Deno.writeTextFile(
        config,
        JSON.stringify({
          stateDir: `${dir}/state`,
          statusDir,
          allowlistPath: `${dir}/etc/allowlist`,
          killSwitchPath: `${dir}/etc/jobs.disabled`,
          refreshCommand: null,
          retryBaseMs: 50,
          retryCapMs: 200,
          retryMinMs: 10,
          pushMaxWaitSec: 2,
          logLevel: "warn",
        }),
      );
      const runnerCli = (...args: string[]) =>
        deno([
          "run",
          "--allow-read",
          "--allow-write",
          "--allow-net",
          "--allow-run",
          "--allow-sys=hostname",
          runner,
          ...args,
          "--config",
          config,
        ]);
      const drift = JSON.parse(await Deno.readTextFile(new URL("status-drift.json", FIXTURES)));
      const writeStatus = async (status: Record<string, unknown>) =>
        await Deno.writeTextFile(
          `${statusDir}/status.json`,
          JSON.stringify({ ...status, ts: new Date().toISOString() }),
        );

      const enrolled = await runnerCli(
        "enroll",
        "--base-url",
        enroll.baseUrl,
        "--host-id",
        hostId,
        "--token",
        enroll.token,
        "--job-key-id",
        /--job-key-id '([^']+)'/.exec(enroll.command)![1],
      );
      equal(enrolled.code, 0, enrolled.stderr + enrolled.stdout);
      await writeStatus(drift);
      const pushed = await runnerCli("push");
      equal(pushed.code, 0, pushed.stderr + pushed.stdout);
      const breaches = await api("GET", `/api/hosts/${hostId}/breaches`);
      ok(
        breaches.body.breaches.some((b: { fingerprint: string }) => b.fingerprint.includes("6379")),
      );

      // Plan, dry-run (the server's queue dispatches it; the runner runs it).
      const action = {
        hostId,
        actionId: "lockdown-access-surface",
        params: { ports: ["tcp:6379"] },
      };
      const plan = await api("POST", "/api/remediate", { ...action, mode: "plan" });
      equal(plan.status, 200, JSON.stringify(plan.body));
      const hash: string = plan.body.plan.planHash;
      const dry = await api("POST", "/api/remediate", { ...action, mode: "dry-run" });
      equal(dry.status, 202, JSON.stringify(dry.body));
      const runJobs = async (runId: string) => {
        for (let attempt = 0; attempt < 20; attempt++) {
          const out = await runnerCli("run", "--once", "--wait", "5");
          equal(out.code, 0, out.stderr + out.stdout);
          const run = await api("GET", `/api/remediate/${runId}`);
          if (!["queued", "dispatched", "running"].includes(run.body.run.state)) return run.body;
        }
        throw new Error(`run ${runId} never finished`);
      };
      const dryDone = await runJobs(dry.body.run.id);
      equal(dryDone.run.state, "succeeded", JSON.stringify(dryDone));

      // Execute: the typed phrase and the reviewed hash; the owner's plan needs approval, so the
      // test lowers the org's threshold first (two-person approval is tested elsewhere).
      equal(
        (await api("PUT", "/api/ops/remediate-policy", { approvalThreshold: "risky_manual" }))
          .status,
        200,
      );
      const execute = await api("POST", "/api/remediate", {
        ...action,
        mode: "execute",
        planHash: hash,
        confirm: `EXECUTE lockdown-access-surface ${hash.slice(0, 8)}`,
      });
      equal(execute.status, 202, JSON.stringify(execute.body));
      const executed = await runJobs(execute.body.run.id);
      equal(executed.run.state, "succeeded", JSON.stringify(executed));
      equal(executed.run.confirmState, "armed");

      // Every program ran with exactly the plan's argv: dry-run steps, then execute steps.
      const expected = [
        ...dry.body.plan.dryRunSteps,
        ...execute.body.plan.steps,
      ].map((s: { argv: string[] }) => s.argv.join(" "));
      deepEqual((await Deno.readTextFile(argvLog)).trim().split("\n"), expected);

      // The host now shows the port closed: the next signed snapshot verifies and confirms.
      const fixed = structuredClone(drift);
      for (const key of ["ports_public_unexpected", "ports_public"]) {
        if (Array.isArray(fixed[key])) {
          fixed[key] = fixed[key].filter((p: { port?: number }) => p.port !== 6379);
        }
      }
      if (typeof fixed.public_ports_count === "number") fixed.public_ports_count -= 1;
      if (Array.isArray(fixed.alerts)) {
        fixed.alerts = fixed.alerts.filter((a: unknown) => !JSON.stringify(a).includes("6379"));
      }
      await writeStatus(fixed);
      equal((await runnerCli("push")).code, 0);
      const verified = await api("GET", `/api/remediate/${execute.body.run.id}`);
      equal(verified.body.run.verification, "verified", JSON.stringify(verified.body.run));
      equal(verified.body.run.confirmState, "confirmed");
      const after = await api("GET", `/api/hosts/${hostId}/breaches`);
      const redis = after.body.breaches.find((b: { fingerprint: string }) =>
        b.fingerprint.includes("6379")
      );
      equal(redis.state, "fixed");
    } finally {
      server.kill("SIGTERM");
      await server.status;
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
