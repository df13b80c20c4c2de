/**
 * `deno task demo:seed --hosts 10000 --days 7 [--org demo] [--signals N] [--per-day N]
 * [--seed N]`: seeds a realistic fleet into the configured stores (`DATA_DIR`, `DATABASE_URL`,
 * `DENO_KV_PATH`) through the ingest path's own functions (see `lib/demo/seed.ts`). Without
 * `--signals`, aims at about 14 signals per host and day (10,000 hosts × 7 days ≈ 1,000,000)
 * and sizes snapshots per day from that; `--per-day` sets them directly.
 *
 * Progress goes to stderr; the last stdout line is one JSON summary
 * (`{"org":…,"hosts":…,"snapshots":…,"signals":…,…}`). Idempotent: the organization and
 * hosts are created only when missing, and hosts with snapshots are not seeded again, so an
 * interrupted run resumes. Refuses (exit 1) while a server holds the embedded KV file.
 * Exit codes: 0 done, 1 refused or failed, 2 bad arguments or configuration.
 *
 * @module
 */

import { loadConfig } from "../lib/config.ts";
import { assertKvNotInUse, assertNoLiveScheduler } from "../lib/db/kv_in_use.ts";
import { validateSlug } from "../lib/orgs/orgs.ts";
import { createLogger } from "../lib/log.ts";
import { closeServices, openServices, type Services } from "../lib/services.ts";
import { seedDemo, type SeedOptions } from "../lib/demo/seed.ts";
import {
  consoleOutput,
  parseScriptArgs,
  scriptFailure,
  type ScriptOutput,
  UsageError,
} from "./script_output.ts";

const USAGE = "usage: deno task demo:seed --hosts <n> --days <n> [--org <slug>] " +
  "[--signals <n>] [--per-day <n>] [--seed <n>]";

function count(value: string | undefined, name: string, min: number, max: number) {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name}: expected an integer ${min}-${max}; ${USAGE}`);
  }
  return n;
}

/**
 * Reads the command line into seed options (without progress).
 *
 * @example
 * ```ts
 * parseSeedArgs(["--hosts", "25", "--days", "2"]).org; // "demo"
 * ```
 */
export function parseSeedArgs(args: string[]): SeedOptions {
  const v = parseScriptArgs(args, ["hosts", "days", "org", "signals", "per-day", "seed"], USAGE, [
    "hosts",
    "days",
  ]);
  const org = (v.org ?? "demo").trim().toLowerCase();
  const problem = validateSlug(org);
  if (problem) throw new UsageError(`--org: the slug ${problem}`);
  return {
    org,
    hosts: count(v.hosts, "hosts", 1, 100_000)!,
    days: count(v.days, "days", 1, 60)!,
    signals: count(v.signals, "signals", 0, 50_000_000),
    perDay: count(v["per-day"], "per-day", 1, 1440),
    seed: count(v.seed, "seed", 0, 2 ** 31) ?? 1,
  };
}

/**
 * The testable main: returns the exit code.
 *
 * @example
 * ```ts
 * const code = await runSeedDemo(["--hosts", "25", "--days", "2"], Deno.env.toObject());
 * ```
 */
export async function runSeedDemo(
  args: string[],
  env: Record<string, string | undefined>,
  output: ScriptOutput = consoleOutput,
): Promise<number> {
  let services: Services | undefined;
  try {
    const options = parseSeedArgs(args);
    const config = loadConfig(env);
    await assertKvNotInUse(config);
    services = await openServices(config, createLogger("warn"));
    await assertNoLiveScheduler(services.kv, services.clock.now());
    const summary = await seedDemo(services, {
      ...options,
      onProgress: (p) =>
        output.err(
          `demo:seed ${p.snapshots}/${p.planned} snapshots, ${p.signals} signals, ` +
            `${p.seconds.toFixed(0)} s (${
              (p.snapshots / Math.max(p.seconds, 0.001)).toFixed(0)
            }/s)`,
        ),
    });
    output.out(JSON.stringify(summary));
    return 0;
  } catch (error) {
    return scriptFailure("demo:seed", error, output);
  } finally {
    if (services) await closeServices(services);
  }
}

if (import.meta.main) Deno.exit(await runSeedDemo(Deno.args, Deno.env.toObject()));
