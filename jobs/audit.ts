/**
 * Audit crons: the hourly export of chain heads to the configured sink, and the daily
 * retention run. Both record a `cron_runs` row (status "failed" with the error, then rethrow
 * so `Deno.cron` retries) and are safe to re-run: exporting again appends another set of heads,
 * retention finds nothing more to prune.
 *
 * @module
 */

import { exportChainHeads, type ExportedHeadLine } from "../lib/audit/heads.ts";
import { applyAuditRetention, type PruneResult } from "../lib/audit/retention.ts";
import { resolveAppSecret } from "../lib/config.ts";
import { recordCronRun } from "../lib/db/ledger/cron_runs.ts";
import type { Services } from "../lib/services.ts";

/** `Deno.cron` name (and `cron_runs.name`) of the head export. */
export const AUDIT_HEAD_EXPORT_CRON = "audit-head-export";
/** Hourly, off the top of the hour. */
export const AUDIT_HEAD_EXPORT_SCHEDULE = "17 * * * *";
/** `Deno.cron` name (and `cron_runs.name`) of retention. */
export const AUDIT_RETENTION_CRON = "audit-retention";
/** Daily at 03:23 UTC. */
export const AUDIT_RETENTION_SCHEDULE = "23 3 * * *";

type AuditJobServices = Pick<Services, "config" | "ledger" | "clock" | "log">;

async function recorded<T>(
  services: AuditJobServices,
  name: string,
  work: () => Promise<T>,
  describe: (result: T) => string,
): Promise<T> {
  const startedAt = services.clock.now();
  try {
    const result = await work();
    await recordCronRun(services.ledger, {
      name,
      startedAt,
      finishedAt: services.clock.now(),
      status: "ok",
      detail: describe(result),
    });
    return result;
  } catch (error) {
    await recordCronRun(services.ledger, {
      name,
      startedAt,
      finishedAt: services.clock.now(),
      status: "failed",
      detail: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}

/**
 * Exports every chain's head to `AUDIT_HEAD_SINK` (file or signed webhook).
 *
 * @example
 * ```ts
 * Deno.cron(AUDIT_HEAD_EXPORT_CRON, AUDIT_HEAD_EXPORT_SCHEDULE, { backoffSchedule: [60_000] },
 *   () => runAuditHeadExport(services));
 * ```
 */
export async function runAuditHeadExport(services: AuditJobServices): Promise<ExportedHeadLine[]> {
  return await recorded(services, AUDIT_HEAD_EXPORT_CRON, async () => {
    const secret = await resolveAppSecret(services.config, services.log);
    return await exportChainHeads(services.ledger, {
      sink: services.config.auditHeadSink,
      secret,
      now: services.clock.now(),
    });
  }, (heads) => `exported ${heads.length} chain heads`);
}

/**
 * Prunes audit entries past each organization's retention (default `AUDIT_RETENTION_DAYS`).
 *
 * @example
 * ```ts
 * Deno.cron(AUDIT_RETENTION_CRON, AUDIT_RETENTION_SCHEDULE, { backoffSchedule: [60_000] },
 *   () => runAuditRetention(services));
 * ```
 */
export async function runAuditRetention(services: AuditJobServices): Promise<PruneResult[]> {
  return await recorded(
    services,
    AUDIT_RETENTION_CRON,
    () =>
      applyAuditRetention(services.ledger, {
        defaultDays: services.config.auditRetentionDays,
        now: services.clock.now(),
      }),
    (results) =>
      `pruned ${results.reduce((sum, r) => sum + r.pruned, 0)} entries in ${results.length} chains`,
  );
}
