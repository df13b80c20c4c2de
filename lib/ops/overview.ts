/**
 * What the console's overview page shows about the control plane itself:
 * store readiness, scheduler heartbeat, ledger kind and recent scheduled runs.
 */
import { latestCronRuns } from "../db/ledger/cron_runs.ts";
import { ledgerMigrations } from "../db/ledger/migrations/index.ts";
import { type SchedulerHeartbeat, schedulerHeartbeatKey } from "../db/kv.ts";
import type { LedgerDialect } from "../db/ledger/mod.ts";
import { SCHEDULER_HEARTBEAT_CRON } from "./scheduler.ts";
import type { Services } from "../services.ts";
import { checkReadiness, type Readiness } from "./readiness.ts";

/** A scheduled run as the page shows it (dates as ISO strings). */
export interface CronRunRow {
  id: string;
  name: string;
  startedAt: string;
  status: string;
}

export interface SystemOverview {
  readiness: Readiness;
  /** Last scheduler heartbeat, ISO 8601, or null before the first one. */
  heartbeat: string | null;
  /** Server time, so relative times in the browser ignore its clock skew. */
  now: string;
  ledgerDialect: LedgerDialect;
  migrations: { known: number; pending: string[] };
  cronRuns: CronRunRow[];
}

/**
 * Loads the overview in parallel; each part is bounded (10 runs).
 *
 * @example
 * ```ts
 * const overview = await loadSystemOverview(services);
 * overview.readiness.ok;
 * ```
 */
export async function loadSystemOverview(services: Services): Promise<SystemOverview> {
  const [readiness, beat, runs] = await Promise.all([
    checkReadiness(services),
    services.kv.get<SchedulerHeartbeat>(schedulerHeartbeatKey()),
    latestCronRuns(services.ledger, SCHEDULER_HEARTBEAT_CRON, 10),
  ]);
  const pending = readiness.checks.migrations.ok ? [] : [readiness.checks.migrations.detail ?? ""];
  return {
    readiness,
    heartbeat: beat.value?.at ?? null,
    now: services.clock.now().toISOString(),
    ledgerDialect: services.ledger.dialect,
    migrations: { known: Object.keys(ledgerMigrations).length, pending },
    cronRuns: runs.map((r) => ({
      id: r.id,
      name: r.name,
      startedAt: r.startedAt.toISOString(),
      status: r.status,
    })),
  };
}
