/**
 * Reports on demand (`/api/ops/report-now`, the reports page): a preview (the report as JSON
 * with its e-mail HTML and text) and "send now" (to the caller, or to the given addresses and/or
 * the endpoints routed for `report`), audited as `report.send`.
 *
 * @module
 */

import { z } from "zod";
import type { AuthState } from "../auth/state.ts";
import { actingOperator, auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import { HttpError } from "../fresh/errors.ts";
import { validate } from "../http/input.ts";
import type { Services } from "../services.ts";
import { deliverReport, type ReportDeliveryResult, type ReportRecipients } from "./deliver.ts";
import { buildFleetReport } from "./fleet_report.ts";
import type { FleetReport } from "./model.ts";
import { periodKindOf, type ReportPeriodKind } from "./period.ts";
import { renderReportHtml, renderReportText, reportSubject } from "./render.ts";
import { getReportSettings, MAX_REPORT_EMAILS, ReportEmail } from "./settings.ts";
import { counted } from "../text/plural.ts";

const PERIOD_MESSAGE = 'expected "day" or "week"';

/** The period of an on-demand report. */
export const ReportPeriodInput = z.enum(["day", "week"], PERIOD_MESSAGE);

/** The body of "send now": every member optional (default: the caller, the org's period). */
export const ReportNowInput = z.strictObject({
  period: ReportPeriodInput.optional(),
  emails: z.array(ReportEmail, "expected a list of e-mail addresses")
    .max(MAX_REPORT_EMAILS, `at most ${MAX_REPORT_EMAILS} addresses`).optional(),
  viaEndpoints: z.boolean("expected true or false").optional(),
});

/** A report with its e-mail bodies. */
export interface ReportPreview {
  report: FleetReport;
  subject: string;
  html: string;
  text: string;
}

/**
 * The `period` query parameter: undefined when absent, 400 naming `period` when not day/week.
 *
 * @example
 * ```ts
 * periodParam(new URL("http://x/api/ops/report-now?period=day")); // "day"
 * ```
 */
export function periodParam(url: URL): ReportPeriodKind | undefined {
  const raw = url.searchParams.get("period");
  if (raw === null || raw === "") return undefined;
  if (raw !== "day" && raw !== "week") {
    throw new HttpError(400, `period: ${PERIOD_MESSAGE}, got ${JSON.stringify(raw.slice(0, 20))}`, {
      code: "invalid_input",
      details: { field: "period" },
    });
  }
  return raw;
}

/** The period to use: the one asked for, else the one of the organization's schedule. */
async function periodOf(
  services: Services,
  orgId: string,
  asked: ReportPeriodKind | undefined,
): Promise<ReportPeriodKind> {
  if (asked !== undefined) return asked;
  return periodKindOf((await getReportSettings(services.ledger, orgId)).frequency);
}

/**
 * Builds the organization's report for the period ending now, with its e-mail bodies.
 *
 * @example
 * ```ts
 * const { report, html, text } = await previewReport(services, org.id, "day");
 * ```
 */
export async function previewReport(
  services: Services,
  orgId: string,
  period?: ReportPeriodKind,
): Promise<ReportPreview> {
  const report = await buildFleetReport(services, orgId, {
    kind: await periodOf(services, orgId, period),
  });
  return {
    report,
    subject: reportSubject(report),
    html: renderReportHtml(report),
    text: renderReportText(report),
  };
}

/** What "send now" did. */
export interface ReportNowResult {
  report: FleetReport;
  recipients: ReportRecipients;
  delivery: ReportDeliveryResult;
}

/**
 * Builds the acting operator's organization's report now and sends it: to `emails` and/or the
 * endpoints routed for `report` (`viaEndpoints`), or, when neither is given, to the caller's
 * own address. Validates first (400 naming the field); audited as `report.send`.
 *
 * @example
 * ```ts
 * const { delivery } = await sendReportNow(services, auth, { period: "day" }, client);
 * delivery.deliveries.length; // 1: the caller's address
 * ```
 */
export async function sendReportNow(
  services: Services,
  auth: AuthState,
  input: unknown,
  client: ClientInfo,
): Promise<ReportNowResult> {
  const { user, org } = actingOperator(auth);
  const wanted = validate(ReportNowInput, input);
  const viaEndpoints = wanted.viaEndpoints ?? false;
  const emails = wanted.emails ?? (viaEndpoints ? [] : [user.email]);
  const recipients: ReportRecipients = { emails: [...new Set(emails)], viaEndpoints };
  const report = await buildFleetReport(services, org.id, {
    kind: await periodOf(services, org.id, wanted.period),
  });
  const delivery = await deliverReport(services, report, recipients, {
    // Every "send now" is its own notification: never folded into an earlier one.
    dedupeKey: `report:now:${client.requestId ?? crypto.randomUUID()}`,
  });
  await auditOperatorChange(services, client, auth, {
    action: "report.send",
    summary: `${report.period.kind} report sent now to ` +
      counted(recipients.emails.length, "address", "addresses") +
      (delivery.endpointIds.length
        ? ` and ${counted(delivery.endpointIds.length, "endpoint", "endpoints")}`
        : "") +
      `: ${delivery.deliveries.length} queued, ${delivery.suppressed.length} suppressed`,
    target: { type: "org", id: org.id },
    details: {
      period: report.period,
      emails: recipients.emails,
      endpointIds: delivery.endpointIds,
      deliveries: delivery.deliveries.length,
      suppressed: delivery.suppressed.length,
      deduped: delivery.deduped,
    },
  });
  return { report, recipients, delivery };
}
