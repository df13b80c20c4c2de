/**
 * What a fleet report says, as plain JSON-safe data (dates as ISO strings): built by
 * `buildFleetReport`, rendered by `renderReportHtml` / `renderReportText`, returned by the
 * report API as is.
 *
 * @module
 */

import type { PostureBand } from "../signals/posture.ts";
import type { Severity } from "../signals/types.ts";
import type { DurationStats } from "./durations.ts";
import type { ReportPeriodKind } from "./period.ts";

/** Incident severities (issue 6 §1). */
export type IncidentSeverity = "critical" | "high" | "medium";

/** One signal code and severity with how often it was observed in the period. */
export interface TopSignal {
  code: string;
  severity: Severity;
  /** Observations in the period (every snapshot that carried it). */
  count: number;
  /** Distinct hosts that showed it. */
  hosts: number;
}

/** An open breach as the report lists it. */
export interface ReportBreach {
  id: string;
  hostName: string;
  code: string;
  severity: Severity;
  title: string;
  openedAt: string;
}

/** A host whose heartbeat is stale or missing at report time. */
export interface SilentHost {
  id: string;
  name: string;
  state: "stale" | "missing";
  /** Receive time of its last push, or null when it never pushed. */
  lastSeenAt: string | null;
}

/** A host among the riskiest at report time. */
export interface RiskyHost {
  id: string;
  name: string;
  score: number;
  band: PostureBand;
}

/** The fleet report of one organization over one period. */
export interface FleetReport {
  org: { id: string; name: string; slug: string };
  period: { kind: ReportPeriodKind; start: string; end: string };
  generatedAt: string;
  /** Where the console shows the details (`APP_URL` + `/reports`). */
  consoleUrl: string;
  hosts: {
    /** Enabled hosts. */
    total: number;
    /** Hosts by posture band, now. */
    posture: Record<PostureBand, number>;
    /** Up to five hosts with the highest score (score > 0), highest first. */
    riskiest: RiskyHost[];
  };
  signals: {
    /** Signals observed in the period, by severity. */
    bySeverity: Record<Severity, number>;
    total: number;
    /** Up to ten codes (info excluded), most severe first, then most frequent. */
    top: TopSignal[];
  };
  breaches: {
    /** Breaches open now. */
    open: number;
    /** Open now, by severity. */
    openBySeverity: Record<Severity, number>;
    /** Opened (or re-opened rows first opened) during the period. */
    openedInPeriod: number;
    /** Up to ten open breaches, most severe first, then newest. */
    top: ReportBreach[];
  };
  incidents: {
    /** Open or acknowledged now. */
    open: number;
    /** Open and not yet acknowledged now. */
    unacknowledged: number;
    openedInPeriod: number;
    resolvedInPeriod: number;
    /** Time to acknowledge of incidents acknowledged in the period. */
    mtta: DurationStats;
    /** Time to resolve of incidents resolved in the period. */
    mttr: DurationStats;
  };
  /** Hosts whose heartbeat is stale or missing now (up to 20 listed; `count` is all). */
  silent: { count: number; hosts: SilentHost[] };
  ingest: {
    /** Snapshots received in the period. */
    snapshots: number;
    /** Their raw size in bytes. */
    bytes: number;
    /** Distinct hosts that pushed in the period. */
    reportingHosts: number;
  };
}
