/**
 * The fleet report of one organization over a day or a week: posture distribution and the
 * riskiest hosts (now), top signals of the period, open breaches, incidents with MTTA and MTTR,
 * silent hosts (heartbeat stale or missing now) and ingest volume. Everything is read for the
 * one organization only; rendering is in `render.ts`.
 *
 * @module
 */

import { HttpError } from "../fresh/errors.ts";
import { hostView } from "../hosts/admin.ts";
import { listHosts } from "../hosts/registry.ts";
import { getOrg } from "../orgs/orgs.ts";
import type { Services } from "../services.ts";
import type { PostureBand } from "../signals/posture.ts";
import type { FleetReport, RiskyHost, SilentHost } from "./model.ts";
import { type ReportPeriodKind, type ReportWindow, reportWindow } from "./period.ts";
import { breachSummary, incidentSummary, ingestVolume, signalSummary } from "./queries.ts";

/** Hosts read per registry page. */
const HOST_PAGE = 200;
/** Silent hosts listed by name (all are counted). */
export const MAX_SILENT_LISTED = 20;
/** Riskiest hosts listed. */
export const MAX_RISKY_LISTED = 5;

/** Options of {@link buildFleetReport}. */
export interface BuildReportOptions {
  /** A day or a week (default a week). */
  kind?: ReportPeriodKind;
  /** The end of the period (default now, from the services' clock). */
  end?: Date;
}

/** The hosts part of a report: posture bands, riskiest, silent. */
async function scanHosts(services: Services, orgId: string) {
  const posture: Record<PostureBand, number> = { low: 0, guarded: 0, elevated: 0, critical: 0 };
  const risky: RiskyHost[] = [];
  const silent: SilentHost[] = [];
  let total = 0;
  let after: string | undefined;
  while (true) {
    const page = await listHosts(services.ledger, orgId, { limit: HOST_PAGE, after });
    for (const view of await Promise.all(page.map((h) => hostView(services, h)))) {
      total++;
      posture[view.posture.band]++;
      if (view.posture.score > 0) {
        risky.push({
          id: view.host.id,
          name: view.host.name,
          score: view.posture.score,
          band: view.posture.band,
        });
      }
      const state = view.heartbeat.state;
      if (state === "stale" || state === "missing") {
        silent.push({
          id: view.host.id,
          name: view.host.name,
          state,
          lastSeenAt: view.host.lastSeenAt?.toISOString() ?? null,
        });
      }
    }
    if (page.length < HOST_PAGE) break;
    after = page.at(-1)!.slug;
  }
  risky.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  // Missing before stale, then the longest silent first (never seen counts as longest).
  const seen = (h: SilentHost) => h.lastSeenAt === null ? 0 : Date.parse(h.lastSeenAt);
  silent.sort((a, b) =>
    (a.state === b.state ? 0 : a.state === "missing" ? -1 : 1) || seen(a) - seen(b) ||
    a.name.localeCompare(b.name)
  );
  return {
    hosts: { total, posture, riskiest: risky.slice(0, MAX_RISKY_LISTED) },
    silent: { count: silent.length, hosts: silent.slice(0, MAX_SILENT_LISTED) },
  };
}

/**
 * Builds the report of `orgId` for the period ending at `options.end` (default now). 404 when
 * the organization does not exist.
 *
 * @example
 * ```ts
 * const report = await buildFleetReport(services, org.id, { kind: "day" });
 * report.incidents.mttr.medianMinutes; // null ("n/a") when nothing was resolved
 * const mail = reportMail(report);
 * ```
 */
export async function buildFleetReport(
  services: Services,
  orgId: string,
  options: BuildReportOptions = {},
): Promise<FleetReport> {
  const org = await getOrg(services.ledger, orgId);
  if (!org) {
    throw new HttpError(404, "No such organization: check the organization id.", {
      code: "not_found",
    });
  }
  const generatedAt = services.clock.now();
  const window: ReportWindow = reportWindow(options.kind ?? "week", options.end ?? generatedAt);
  const [fleet, signals, breaches, incidents, ingest] = await Promise.all([
    scanHosts(services, orgId),
    signalSummary(services.ledger, orgId, window),
    breachSummary(services.ledger, orgId, window),
    incidentSummary(services.ledger, orgId, window),
    ingestVolume(services.ledger, orgId, window),
  ]);
  return {
    org: { id: org.id, name: org.name, slug: org.slug },
    period: {
      kind: window.kind,
      start: window.start.toISOString(),
      end: window.end.toISOString(),
    },
    generatedAt: generatedAt.toISOString(),
    consoleUrl: new URL("/reports", services.config.appUrl).href,
    hosts: fleet.hosts,
    signals,
    breaches,
    incidents,
    silent: fleet.silent,
    ingest,
  };
}
