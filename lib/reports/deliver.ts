/**
 * Handing a fleet report to the notification pipeline: one `report` event (severity info) with
 * the report's own HTML and text bodies, to the given e-mail addresses and, when asked, to the
 * organization's endpoints routed for `report` (endpoints receive reports only when their event
 * types name `report`). The pipeline queues one delivery per target and sends them with retries;
 * quiet hours and maintenance windows suppress reports like any non-critical notification.
 *
 * @module
 */

import { HttpError } from "../fresh/errors.ts";
import { listEndpoints } from "../notify/endpoint_store.ts";
import { notify, type NotifyResult, routes } from "../notify/notify.ts";
import type { Services } from "../services.ts";
import type { FleetReport } from "./model.ts";
import { renderReportHtml, renderReportText, reportSubject } from "./render.ts";
import { counted } from "../text/plural.ts";

/** Who receives a report. */
export interface ReportRecipients {
  emails: string[];
  /** Also the organization's notification endpoints routed for `report`. */
  viaEndpoints: boolean;
}

/** What the pipeline did with the report: delivery ids queued, suppressed, or deduplicated. */
export type ReportDeliveryResult = NotifyResult & {
  /** The endpoints the report was routed to (ids). */
  endpointIds: string[];
};

/**
 * The one-paragraph summary chat endpoints and webhooks show.
 *
 * @example
 * ```ts
 * reportSummary(report); // "4 hosts (2 critical, 0 elevated), 1 silent; 8 open breaches; 2 incidents not resolved, …"
 * ```
 */
export function reportSummary(report: FleetReport): string {
  const { hosts, breaches, incidents, silent } = report;
  return `${counted(hosts.total, "host")} (${hosts.posture.critical} critical, ` +
    `${hosts.posture.elevated} elevated), ${silent.count} silent; ` +
    `${counted(breaches.open, "open breach", "open breaches")}; ` +
    `${counted(incidents.open, "incident")} not resolved, ${incidents.openedInPeriod} opened and ` +
    `${incidents.resolvedInPeriod} resolved in the period.`;
}

/**
 * Sends `report` to `recipients` through `notify`. 400 naming `emails` when there is nobody to
 * send to (no address, and no endpoint routed for `report`).
 *
 * @example
 * ```ts
 * const result = await deliverReport(services, report, { emails: ["ops@example.com"], viaEndpoints: true },
 *   { dedupeKey: "report:daily:2026-11-25" });
 * result.deliveries.length; // one per address and routed endpoint
 * ```
 */
export async function deliverReport(
  services: Services,
  report: FleetReport,
  recipients: ReportRecipients,
  options: { dedupeKey?: string } = {},
): Promise<ReportDeliveryResult> {
  const endpointIds = recipients.viaEndpoints
    ? (await listEndpoints(services.ledger, report.org.id))
      .filter((e) => routes(e, { type: "report", severity: "info" })).map((e) => e.id)
    : [];
  const emails = [...new Set(recipients.emails.map((e) => e.trim().toLowerCase()))];
  if (emails.length === 0 && endpointIds.length === 0) {
    throw new HttpError(
      400,
      recipients.viaEndpoints
        ? "emails: no notification endpoint takes reports (add “Report” to an endpoint's event " +
          "types) and no e-mail address was given"
        : "emails: give at least one e-mail address, or send via the notification endpoints",
      { code: "no_recipients", details: { field: "emails" } },
    );
  }
  const result = await notify(services, {
    orgId: report.org.id,
    type: "report",
    severity: "info",
    title: reportSubject(report),
    summary: reportSummary(report),
    url: report.consoleUrl,
    dedupeKey: options.dedupeKey,
    data: {
      period: report.period,
      hosts: report.hosts.total,
      posture: report.hosts.posture,
      silentHosts: report.silent.count,
      openBreaches: report.breaches.open,
      openIncidents: report.incidents.open,
      mttaMedianMinutes: report.incidents.mtta.medianMinutes,
      mttrMedianMinutes: report.incidents.mttr.medianMinutes,
    },
    targets: { endpointIds, emails },
    body: { html: renderReportHtml(report), text: renderReportText(report) },
  });
  return { ...result, endpointIds };
}
