/**
 * `vps-sentry-runner <command>`: the host runner's command line. Bundled into
 * `dist/vps-sentry-runner.js` by `deno task agent:build`; see agent/README.md.
 *
 * @module
 */

import { parseArgs, UsageError } from "./args.ts";
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig, type RunnerConfig } from "./config.ts";
import { createContext, type RunnerContext } from "./context.ts";
import { enroll, EnrollError } from "./enroll.ts";
import { runLoop } from "./jobs/loop.ts";
import { AgentFilesError, pushSnapshot } from "./push.ts";
import { NotReadyError, openRuntime } from "./runtime.ts";
import { formatStatus, statusSummary } from "./status.ts";
import { installSystemd } from "./systemd.ts";
import { RUNNER_VERSION } from "./version.ts";

/** The help text. */
export const USAGE =
  `vps-sentry-runner ${RUNNER_VERSION}: signed snapshots and remediation jobs for vps-sentry

Usage: vps-sentry-runner <command> [options]

Commands:
  enroll --base-url URL --host-id ID --token vsN_… [--job-key-id KID] [--hostname NAME]
        Generate the runner key, enroll it (proof of possession), pin the issuer and the
        job-signing key, store the state.
  push [--status-dir DIR] [--drain-only]
        Wrap the agent's status.json (+ last.json, diff.json) in a signed, sequenced snapshot,
        spool it and send the spool oldest first (retrying up to pushMaxWaitSec).
  run [--once] [--wait SECONDS]
        Long-poll signed jobs, validate, run allowlisted steps, report results, commit-confirm.
  install-systemd [--prefix DIR] [--exec COMMAND]
        Write the systemd units (default prefix /etc/systemd/system).
  status [--json]
        Print the state summary.

Options for every command:
  --config PATH   configuration file (default ${DEFAULT_CONFIG_PATH}; missing = defaults)
  --help, -h      this text
  --version       print the version

Exit codes: 0 ok, 1 error, 64 usage, 75 snapshot still spooled, 78 not enrolled / stopped /
no job-signing key / bad configuration.`;

/** Where output goes (tests capture it). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const VALUED = [
  "config",
  "base-url",
  "host-id",
  "token",
  "job-key-id",
  "hostname",
  "status-dir",
  "wait",
  "prefix",
  "exec",
];
const BOOLEANS = ["help", "version", "drain-only", "once", "json"];

function need(options: Record<string, string>, name: string): string {
  const v = options[name];
  if (v === undefined || v === "") throw new UsageError(`--${name} is required`);
  return v;
}

/**
 * Runs the command line and returns the exit code.
 *
 * @example
 * ```ts
 * Deno.exit(await main(Deno.args));
 * ```
 */
export async function main(
  argv: readonly string[],
  io: Io = { out: (t) => console.log(t), err: (t) => console.error(t) },
  overrides: Partial<Omit<RunnerContext, "config">> = {},
): Promise<number> {
  try {
    const args = parseArgs(argv, VALUED, BOOLEANS);
    if (args.flags.has("version")) {
      io.out(RUNNER_VERSION);
      return 0;
    }
    const [command, ...extra] = args.positional;
    if (args.flags.has("help") || command === undefined || command === "help") {
      io.out(USAGE);
      return command === undefined && !args.flags.has("help") ? 64 : 0;
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`);
    const cli: Partial<RunnerConfig> = {};
    if (args.options["status-dir"]) cli.statusDir = args.options["status-dir"];
    const config = await loadConfig(
      args.options.config ?? DEFAULT_CONFIG_PATH,
      cli,
      args.options.config !== undefined,
    );
    const ctx = createContext(config, overrides);
    return await dispatch(command, args.options, args.flags, ctx, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}\n\n${USAGE}`);
      return 64;
    }
    if (error instanceof ConfigError || error instanceof NotReadyError) {
      io.err(`error: ${error.message}`);
      return error instanceof NotReadyError ? error.exitCode : 78;
    }
    if (error instanceof EnrollError || error instanceof AgentFilesError) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    io.err(`error: ${(error as Error).stack ?? error}`);
    return 1;
  }
}

async function dispatch(
  command: string,
  options: Record<string, string>,
  flags: Set<string>,
  ctx: RunnerContext,
  io: Io,
): Promise<number> {
  switch (command) {
    case "enroll": {
      const state = await enroll(ctx, {
        baseUrl: need(options, "base-url"),
        hostId: need(options, "host-id"),
        token: need(options, "token"),
        jobKeyId: options["job-key-id"],
        hostname: options.hostname,
      });
      io.out(`enrolled host ${state.hostId} with key ${state.keyId}`);
      if (state.jobKeys.length === 0) {
        io.out("warning: no job-signing key from the control plane; `run` will refuse to start");
      }
      return 0;
    }
    case "push": {
      const rt = await openRuntime(ctx);
      const { seq, end } = await pushSnapshot(rt, {
        statusDir: options["status-dir"],
        drainOnly: flags.has("drain-only"),
        deadline: ctx.now() + ctx.config.pushMaxWaitSec * 1000,
      });
      if (seq !== null) io.out(`snapshot seq ${seq} queued`);
      if (end === "stopped") {
        io.err("error: the control plane refused this runner key; re-enroll");
        return 78;
      }
      io.out(end === "empty" ? "spool delivered" : "spool not yet delivered; will retry");
      return end === "empty" ? 0 : 75;
    }
    case "run": {
      const rt = await openRuntime(ctx);
      const controller = new AbortController();
      const stop = () => controller.abort();
      const signals: Deno.Signal[] = ["SIGTERM", "SIGINT"];
      for (const s of signals) Deno.addSignalListener(s, stop);
      try {
        const wait = options.wait === undefined ? undefined : Number(options.wait);
        if (wait !== undefined && !(Number.isInteger(wait) && wait >= 0 && wait <= 25)) {
          throw new UsageError("--wait must be an integer from 0 to 25");
        }
        const end = await runLoop(rt, {
          signal: controller.signal,
          once: flags.has("once"),
          waitSec: wait,
        });
        if (end === "stopped") {
          io.err("error: the control plane refused this runner key; re-enroll");
          return 78;
        }
        return 0;
      } finally {
        for (const s of signals) Deno.removeSignalListener(s, stop);
      }
    }
    case "install-systemd": {
      const { written, removed } = await installSystemd({
        prefix: options.prefix ?? "/etc/systemd/system",
        exec: options.exec ?? "/usr/local/bin/vps-sentry-runner",
        configPath: options.config,
        statusDir: ctx.config.statusDir,
        stateDir: ctx.config.stateDir,
      });
      for (const p of written) io.out(`wrote ${p}`);
      for (const p of removed) io.out(`removed legacy ${p}`);
      io.out(
        "next: systemctl daemon-reload && systemctl enable --now vps-sentry-runner.service " +
          "vps-sentry-runner-drain.timer",
      );
      return 0;
    }
    case "status": {
      const summary = await statusSummary(ctx);
      io.out(flags.has("json") ? JSON.stringify(summary, null, 2) : formatStatus(summary));
      return 0;
    }
    default:
      throw new UsageError(`unknown command ${command}`);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
