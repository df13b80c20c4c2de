/**
 * Sending the scheduled reports that are due: for every organization with its report switched
 * on, the latest slot of its schedule (if not before the schedule started) is claimed in
 * `report_sends` and, by the one run that claims it, built and delivered. Running this twice,
 * or on two instances at once, sends each period once.
 *
 * @module
 */

import type { Services } from "../services.ts";
import { deliverReport, type ReportDeliveryResult } from "./deliver.ts";
import { buildFleetReport } from "./fleet_report.ts";
import { dueSlot } from "./period.ts";
import { claimReportPeriod, finishReportSend } from "./sends.ts";
import { listEnabledReportSettings } from "./settings.ts";

/** Settings rows read per page. */
const SETTINGS_PAGE = 200;

/** What happened to one organization's report in a run. */
export interface ScheduledReportOutcome {
  orgId: string;
  periodKey: string;
  /** `sent`: delivered by this run; `skipped`: another run has it; `failed`: this run failed. */
  status: "sent" | "skipped" | "failed";
  detail: string;
  /** Notification delivery ids queued by this run (the pipeline sends them). */
  deliveries: string[];
}

/**
 * Sends every due report once. Organizations with nothing due are left out of the result; one
 * organization failing does not stop the others.
 *
 * @example
 * ```ts
 * const outcomes = await runDueReports(services);
 * outcomes.filter((o) => o.status === "sent").length;
 * ```
 */
export async function runDueReports(services: Services): Promise<ScheduledReportOutcome[]> {
  const now = services.clock.now();
  const outcomes: ScheduledReportOutcome[] = [];
  let after: string | undefined;
  while (true) {
    const page = await listEnabledReportSettings(services.ledger, {
      after,
      limit: SETTINGS_PAGE,
    });
    for (const settings of page) {
      const since = settings.scheduleSince === null ? null : new Date(settings.scheduleSince);
      const due = dueSlot(settings, now, since);
      if (!due) continue;
      const claim = await claimReportPeriod(services.ledger, settings.orgId, due.periodKey, now);
      if (!claim.claimed) {
        outcomes.push({
          orgId: settings.orgId,
          periodKey: due.periodKey,
          status: "skipped",
          detail: `already ${claim.send.state} (attempt ${claim.send.attempts})`,
          deliveries: [],
        });
        continue;
      }
      try {
        const report = await buildFleetReport(services, settings.orgId, {
          kind: due.window.kind,
          end: due.window.end,
        });
        const result = await deliverReport(services, report, {
          emails: settings.emails,
          viaEndpoints: settings.viaEndpoints,
        }, { dedupeKey: `report:scheduled:${due.periodKey}` });
        const detail = describeDelivery(result);
        await finishReportSend(
          services.ledger,
          claim.send.id,
          "sent",
          services.clock.now(),
          detail,
        );
        outcomes.push({
          orgId: settings.orgId,
          periodKey: due.periodKey,
          status: "sent",
          detail,
          deliveries: result.deliveries,
        });
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        await finishReportSend(
          services.ledger,
          claim.send.id,
          "failed",
          services.clock.now(),
          detail,
        );
        services.log.error("scheduled report failed", {
          orgId: settings.orgId,
          periodKey: due.periodKey,
          attempt: claim.send.attempts,
          error: detail,
        });
        outcomes.push({
          orgId: settings.orgId,
          periodKey: due.periodKey,
          status: "failed",
          detail,
          deliveries: [],
        });
      }
    }
    if (page.length < SETTINGS_PAGE) break;
    after = page.at(-1)!.orgId;
  }
  return outcomes;
}

/**
 * A delivery result in one line, for `report_sends.detail` and logs.
 *
 * @example
 * ```ts
 * describeDelivery(result); // "2 deliveries queued, 0 suppressed"
 * ```
 */
export function describeDelivery(result: ReportDeliveryResult): string {
  return `${result.deliveries.length} deliveries queued, ${result.suppressed.length} suppressed` +
    (result.deduped ? ", deduplicated (already sent within the dedupe window)" : "");
}
