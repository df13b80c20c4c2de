/**
 * Readiness (`/readyz`): can this instance serve? KV answers a read, the ledger answers
 * `select 1`, and every ledger migration has run. The scheduler heartbeat is reported for
 * information and fails readiness only when it is clearly dead: no heartbeat (or one older than
 * `schedulerStaleAfterMs`, 5 minutes) while the process has been up longer than that. A process
 * that just started has had no chance to run its first cron.
 *
 * Each check is timed and bounded by `timeoutMs`, so one hung store cannot hang the probe.
 *
 * @module
 */

import { type SchedulerHeartbeat, schedulerHeartbeatKey } from "../db/kv.ts";
import { migrationStatus, pingLedger } from "../db/ledger/mod.ts";
import type { Services } from "../services.ts";

/** The outcome of one check. */
export interface Check {
  ok: boolean;
  detail?: string;
  /** Time taken, ms. */
  ms: number;
}

/** The outcome of {@link checkReadiness}. */
export interface Readiness {
  /** True when every check is ok. */
  ok: boolean;
  checks: { kv: Check; ledger: Check; migrations: Check; scheduler?: Check };
}

/** Options of {@link checkReadiness}. */
export interface ReadinessOptions {
  /** How long the process has been up; defaults to `performance.now()`. */
  uptimeMs?: number;
  /** A heartbeat older than this (and uptime longer than this) fails readiness; 5 minutes. */
  schedulerStaleAfterMs?: number;
  /** Per-check time limit; 2 seconds. */
  timeoutMs?: number;
}

/** Default of {@link ReadinessOptions.schedulerStaleAfterMs}. */
export const SCHEDULER_STALE_AFTER_MS = 5 * 60 * 1000;

/**
 * Runs the checks concurrently.
 *
 * @example
 * ```ts
 * const readiness = await checkReadiness(services);
 * return Response.json(readiness, { status: readiness.ok ? 200 : 503 });
 * ```
 */
export async function checkReadiness(
  services: Pick<Services, "kv" | "ledger" | "clock">,
  options: ReadinessOptions = {},
): Promise<Readiness> {
  const {
    uptimeMs = performance.now(),
    schedulerStaleAfterMs = SCHEDULER_STALE_AFTER_MS,
    timeoutMs = 2000,
  } = options;
  let heartbeat: SchedulerHeartbeat | null = null;
  const [kv, ledger, migrations] = await Promise.all([
    timedCheck(timeoutMs, async () => {
      // The KV round trip reads the heartbeat, which the scheduler check then reports.
      heartbeat = (await services.kv.get<SchedulerHeartbeat>(schedulerHeartbeatKey())).value;
      return undefined;
    }),
    timedCheck(timeoutMs, async () => {
      await pingLedger(services.ledger);
      return undefined;
    }),
    timedCheck(timeoutMs, async () => {
      const status = await migrationStatus(services.ledger);
      if (status.current) return undefined;
      throw new Error(
        `pending migrations: ${status.pending.join(", ")} (run "deno task db:migrate")`,
      );
    }),
  ]);
  const checks: Readiness["checks"] = { kv, ledger, migrations };
  if (kv.ok) {
    checks.scheduler = schedulerCheck(
      heartbeat,
      services.clock.now(),
      uptimeMs,
      schedulerStaleAfterMs,
    );
  }
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}

function schedulerCheck(
  heartbeat: SchedulerHeartbeat | null,
  now: Date,
  uptimeMs: number,
  staleAfterMs: number,
): Check {
  const warmingUp = uptimeMs <= staleAfterMs;
  const staleMinutes = Math.round(staleAfterMs / 60_000);
  if (heartbeat === null) {
    return {
      ok: warmingUp,
      detail: warmingUp
        ? "no heartbeat yet"
        : `no heartbeat after ${staleMinutes} min of uptime: is the cron registered?`,
      ms: 0,
    };
  }
  const ageMs = now.getTime() - Date.parse(heartbeat.at);
  const age = `last heartbeat ${Math.round(ageMs / 1000)} s ago (${heartbeat.at})`;
  const stale = ageMs > staleAfterMs && !warmingUp;
  return { ok: !stale, detail: stale ? `${age}: scheduler stalled?` : age, ms: 0 };
}

async function timedCheck(
  timeoutMs: number,
  run: () => Promise<string | undefined>,
): Promise<Check> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const detail = await Promise.race([run(), timeout]);
    return withMs({ ok: true, ...(detail === undefined ? {} : { detail }) }, started);
  } catch (error) {
    return withMs(
      { ok: false, detail: error instanceof Error ? error.message : String(error) },
      started,
    );
  } finally {
    clearTimeout(timer);
  }
}

function withMs(check: Omit<Check, "ms">, started: number): Check {
  return { ...check, ms: Math.round((performance.now() - started) * 10) / 10 };
}
