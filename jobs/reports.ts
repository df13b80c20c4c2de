/**
 * Scheduled fleet reports: an hourly cron sends each organization's daily or weekly report once
 * per period (`lib/reports/schedule.ts`; the once-only claim is a unique `report_sends` row per
 * organization and period, so re-runs, retries and a second instance never send twice). Each run
 * records a `cron_runs` row; when a report failed, the run is recorded "failed" and rethrows so
 * `Deno.cron` retries it (a retry sends only what is still unsent).
 *
 * @module
 */

import { recordCronRun } from "../lib/db/ledger/cron_runs.ts";
import { runDueReports, type ScheduledReportOutcome } from "../lib/reports/schedule.ts";
import type { Services } from "../lib/services.ts";

/** `Deno.cron` name (and `cron_runs.name`) of the report run. */
export const FLEET_REPORTS_CRON = "fleet-reports";
/** Hourly, a few minutes past the hour (reports are scheduled on the hour, UTC). */
export const FLEET_REPORTS_SCHEDULE = "4 * * * *";

/**
 * Sends the reports that are due and records the run.
 *
 * @example
 * ```ts
 * Deno.cron(FLEET_REPORTS_CRON, FLEET_REPORTS_SCHEDULE, { backoffSchedule: [60_000] },
 *   () => runScheduledReports(services));
 * ```
 */
export async function runScheduledReports(services: Services): Promise<ScheduledReportOutcome[]> {
  const startedAt = services.clock.now();
  let outcomes: ScheduledReportOutcome[];
  try {
    outcomes = await runDueReports(services);
  } catch (error) {
    await recordCronRun(services.ledger, {
      name: FLEET_REPORTS_CRON,
      startedAt,
      finishedAt: services.clock.now(),
      status: "failed",
      detail: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
  const count = (status: ScheduledReportOutcome["status"]) =>
    outcomes.filter((o) => o.status === status).length;
  const failed = count("failed");
  const detail = `sent ${count("sent")}, skipped ${count("skipped")}, failed ${failed}`;
  await recordCronRun(services.ledger, {
    name: FLEET_REPORTS_CRON,
    startedAt,
    finishedAt: services.clock.now(),
    status: failed > 0 ? "failed" : "ok",
    detail,
  });
  if (count("sent") > 0 || failed > 0) services.log.info("fleet reports", { detail });
  if (failed > 0) throw new Error(`${failed} scheduled report(s) failed: ${detail}`);
  return outcomes;
}
