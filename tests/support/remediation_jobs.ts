/**
 * Builders for job-channel tests (agent-protocol Part 3): full `Services` on any ledger (so
 * store tests run on SQLite and Postgres), an org with hosts, sample steps, the Appendix C
 * vectors and a result body.
 */
import { loadConfig } from "@/lib/config.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import type { Host } from "@/lib/hosts/registry.ts";
import { createLogger } from "@/lib/log.ts";
import { createMailer } from "@/lib/mail/mailer.ts";
import { createOrg, type Org } from "@/lib/orgs/orgs.ts";
import type { JobStep } from "@/lib/protocol/job.ts";
import type { Services } from "@/lib/services.ts";
import { seedHost } from "./hosts.ts";
import { AGENT_FIXTURE_DIR } from "./agent_fixtures.ts";
import { type TestClock, testClock } from "./test_services.ts";

/** The Appendix C vectors. */
export const VECTORS = JSON.parse(
  await Deno.readTextFile(new URL("signing-vectors.json", AGENT_FIXTURE_DIR)),
);

/** Services on `ledger` with in-memory KV and a movable clock; dispose to close the KV. */
export interface JobTestServices extends Services, AsyncDisposable {
  clock: TestClock;
  logLines: Record<string, unknown>[];
}

/**
 * Opens {@link JobTestServices} on `ledger`; `env` overrides config (e.g. another APP_SECRET).
 *
 * @example
 * ```ts
 * await using services = await jobServices(ledger);
 * ```
 */
export async function jobServices(
  ledger: Ledger,
  env: Record<string, string> = {},
): Promise<JobTestServices> {
  const config = loadConfig({
    APP_ENV: "test",
    DENO_KV_PATH: ":memory:",
    DATABASE_URL: "file::memory:",
    APP_SECRET: "test-secret-test-secret-test-secret-0123",
    ...env,
  });
  const kv = await Deno.openKv(":memory:");
  const logLines: Record<string, unknown>[] = [];
  const log = createLogger("debug", (line) => logLines.push(JSON.parse(line)));
  return {
    config,
    kv,
    ledger,
    log,
    clock: testClock(),
    mailer: createMailer(config, { log }),
    logLines,
    [Symbol.asyncDispose]() {
      kv.close();
      return Promise.resolve();
    },
  };
}

/** An org with two hosts. */
export async function seedJobHosts(
  ledger: Ledger,
): Promise<{ org: Org; web: Host; db: Host }> {
  const org = await createOrg(ledger, { name: "Acme Ops", slug: "acme" });
  return {
    org,
    web: await seedHost(ledger, org, "web-1"),
    db: await seedHost(ledger, org, "db-1"),
  };
}

/** Two `ufw` steps (as in Appendix C, but the second keeps only 16 bytes of output). */
export const STEPS: JobStep[] = [
  {
    id: "deny-6379",
    argv: ["/usr/sbin/ufw", "deny", "6379/tcp"],
    timeoutMs: 30000,
    allowFailure: false,
    maxOutputBytes: 16384,
  },
  {
    id: "show-status",
    argv: ["/usr/sbin/ufw", "status", "verbose"],
    timeoutMs: 15000,
    allowFailure: true,
    maxOutputBytes: 16,
  },
];

/** The step that undoes {@link STEPS}. */
export const ROLLBACK_STEPS: JobStep[] = [{
  id: "allow-6379",
  argv: ["/usr/sbin/ufw", "delete", "deny", "6379/tcp"],
  timeoutMs: 30000,
  allowFailure: false,
  maxOutputBytes: 16384,
}];

/** A §3.6 result body for `steps` (all exit 0), with overrides. */
export function resultBody(
  steps: readonly JobStep[] = STEPS,
  over: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    status: "succeeded",
    steps: steps.map((s) => ({
      id: s.id,
      exitCode: 0,
      signal: null,
      durationMs: 12,
      stdoutTail: "ok\n",
      stderrTail: "",
      truncated: false,
    })),
    startedAt: "2026-11-25T10:00:01.204Z",
    finishedAt: "2026-11-25T10:00:01.861Z",
    ...over,
  });
}
