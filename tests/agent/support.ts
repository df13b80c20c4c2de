/**
 * Helpers for the host runner tests: the Appendix C vectors, a runner context over temp
 * directories with fast retries and captured logs, an enrolled runtime pinned to the vector
 * job-signing key, job tokens signed with it, and small executable test programs.
 */
import { parseConfig, type RunnerConfig } from "../../agent/config.ts";
import type { RunnerContext } from "../../agent/context.ts";
import { sleep } from "../../agent/context.ts";
import { createLogger, type LogRecord } from "../../agent/log.ts";
import { openRuntime, type Runtime } from "../../agent/runtime.ts";
import { initStateDir, saveKey, saveSeq, saveState } from "../../agent/state.ts";
import { importEd25519PrivateJwk } from "../../lib/protocol/ed25519.ts";
import { planHash } from "../../lib/protocol/jcs.ts";
import { signCompactJws } from "../../lib/protocol/jws.ts";

export const FIXTURES = new URL("../../../shared/fixtures/agent/", import.meta.url);
export const VECTORS = JSON.parse(
  await Deno.readTextFile(new URL("signing-vectors.json", FIXTURES)),
);
export const HOST_ID: string = VECTORS.hostId;
export const ISSUER = "https://console.example.net";
export const JOB_KID: string = VECTORS.jobSigningKey.keyId;

/** A temp directory layout for one test. */
export interface Sandbox extends AsyncDisposable {
  dir: string;
  config: RunnerConfig;
  ctx: RunnerContext;
  logs: LogRecord[];
}

/**
 * A sandbox: `<tmp>/state`, `<tmp>/status`, `<tmp>/etc/allowlist`, `<tmp>/bin`, fast retries,
 * captured logs.
 */
export async function sandbox(
  over: Partial<RunnerConfig> = {},
  ctxOver: Partial<Omit<RunnerContext, "config">> = {},
): Promise<Sandbox> {
  const dir = await Deno.makeTempDir({ prefix: "runner-test-" });
  await Deno.chmod(dir, 0o755);
  for (const d of ["status", "etc", "bin"]) await Deno.mkdir(`${dir}/${d}`, { mode: 0o755 });
  const config = parseConfig({
    stateDir: `${dir}/state`,
    statusDir: `${dir}/status`,
    allowlistPath: `${dir}/etc/allowlist`,
    killSwitchPath: `${dir}/etc/jobs.disabled`,
    refreshCommand: null,
    retryBaseMs: 20,
    retryCapMs: 100,
    retryMinMs: 1,
    killGraceMs: 300,
    requestTimeoutMs: 5000,
    pushMaxWaitSec: 2,
    logLevel: "debug",
    ...over,
  }, "test");
  const logs: LogRecord[] = [];
  const ctx: RunnerContext = {
    config,
    log: createLogger("debug", (r) => logs.push(r)),
    now: () => Date.now(),
    random: Math.random,
    fetch: (input, init) => fetch(input, init),
    sleep,
    ...ctxOver,
  };
  return {
    dir,
    config,
    ctx,
    logs,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/**
 * Writes the state of a runner enrolled with the vector runner key, pinned to the vector job
 * key and `issuer`, and opens it.
 */
export async function enrolledRuntime(
  ctx: RunnerContext,
  opts: { baseUrl?: string; issuer?: string; nextSeq?: number; jobKeys?: boolean } = {},
): Promise<Runtime> {
  const paths = await initStateDir(ctx.config.stateDir);
  const jwk = VECTORS.jobSigningKey.publicJwk;
  await saveKey(paths.dir, {
    keyId: VECTORS.runnerKey.keyId,
    privateJwk: VECTORS.runnerKey.privateJwk,
  });
  await saveSeq(paths.dir, { nextSeq: opts.nextSeq ?? 1, droppedTotal: 0, lost: [] });
  await saveState(paths.dir, {
    version: 1,
    baseUrl: opts.baseUrl ?? "https://console.example.net",
    hostId: HOST_ID,
    keyId: VECTORS.runnerKey.keyId,
    issuer: opts.issuer ?? ISSUER,
    scopes: ["host.status.write", "host.status.read", "host.jobs.pull", "host.jobs.report"],
    jobKeys: opts.jobKeys === false
      ? []
      : [{ kid: jwk.kid, jwk, pinnedAt: new Date().toISOString(), retireAt: null }],
    enrolledAt: new Date().toISOString(),
    stopped: null,
  });
  return await openRuntime(ctx);
}

/** The vector job-signing private key. */
export const jobSigningKey = () => importEd25519PrivateJwk(VECTORS.jobSigningKey.privateJwk);

/** A step with the defaults of the vector job. */
export function step(id: string, argv: string[], over: Record<string, unknown> = {}) {
  return { id, argv, timeoutMs: 30_000, allowFailure: false, maxOutputBytes: 16_384, ...over };
}

let jtiCounter = 0;

/** Claims of a fresh job (now-based times, correct planHash unless given). */
export async function jobClaims(
  steps: Record<string, unknown>[],
  over: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const now = Math.floor(Date.now() / 1000);
  const base: Record<string, unknown> = {
    jti: `job_test_${Date.now()}_${jtiCounter++}`,
    iss: ISSUER,
    aud: HOST_ID,
    iat: now,
    exp: now + 600,
    runId: "run_test",
    actionId: "test-action",
    actionVersion: 1,
    mode: "execute",
    steps,
    ...over,
  };
  if (!("planHash" in over)) {
    base.planHash = await planHash({
      actionId: base.actionId as string,
      actionVersion: base.actionVersion as number,
      steps: base.steps as unknown[],
    });
  }
  return base;
}

/** Signs claims as a job token (header overridable; key defaults to the vector job key). */
export async function signJob(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
  key?: CryptoKey,
): Promise<string> {
  return await signCompactJws(
    key ?? await jobSigningKey(),
    { alg: "EdDSA", kid: JOB_KID, typ: "vps-sentry-job+jwt", ...header },
    claims,
  );
}

/** Writes an executable program (root-owned, 0755 unless given). */
export async function writeProgram(path: string, text: string, mode = 0o755): Promise<string> {
  await Deno.writeTextFile(path, text, { mode });
  await Deno.chmod(path, mode);
  return path;
}

/** Writes the allowlist (0644 unless given). */
export async function writeAllowlist(config: RunnerConfig, text: string, mode = 0o644) {
  await Deno.writeTextFile(config.allowlistPath, text, { mode });
  await Deno.chmod(config.allowlistPath, mode);
}

/** The result bodies waiting in the result spool, by jti. */
export async function spooledResults(
  rt: Runtime,
): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {};
  for await (const e of Deno.readDir(rt.paths.results)) {
    if (!e.name.endsWith(".json") || e.name.startsWith(".")) continue;
    out[e.name.slice(17, -5)] = JSON.parse(
      await Deno.readTextFile(`${rt.paths.results}/${e.name}`),
    );
  }
  return out;
}
