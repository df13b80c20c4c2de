/**
 * What the console's chart sections load: the host page's trends (posture, vitals, signals),
 * the fleet overview's (signals per severity, ingest rate) and the timeline's 24-hour severity
 * histogram. Plain serializable data; the components in `components/Trends.tsx` draw it.
 *
 * @module
 */

import type { Services } from "../services.ts";
import type { Severity } from "../signals/types.ts";
import {
  type ChartHost,
  fleetHourly,
  hostSeverities,
  hostVitals,
  type SeveritySeries,
  type VitalsSeries,
} from "./aggregates.ts";
import { chartWindow, type Period, periodLinks, periodOf, PERIODS } from "./period.ts";

/** The severities the signal charts stack, bottom first (info adds no risk and is left out). */
export const CHART_SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

/** A chart section's buckets and period choice. */
export interface ChartFrameData {
  period: Period;
  /** `24 hours` / `7 days`. */
  periodLabel: string;
  starts: string[];
  bucketMs: number;
  /** The period selector's links (other query parameters kept). */
  links: ReturnType<typeof periodLinks>;
}

/** Severity counts per bucket, the stacked layers only. */
export interface SeverityCounts {
  counts: Record<Severity, number[]>;
  truncated: boolean;
}

/** The host page's trend charts. */
export interface HostChartsData extends ChartFrameData {
  vitals: VitalsSeries;
  signals: SeverityCounts;
}

/** The fleet overview's trend charts. */
export interface FleetChartsData extends ChartFrameData {
  signals: SeverityCounts;
  snapshots: number[];
}

/** The timeline's histogram: the last 24 hours of the fleet or of one host. */
export interface HistogramData {
  starts: string[];
  bucketMs: number;
  signals: SeverityCounts;
  /** The host it counts, or null for the whole fleet. */
  hostId: string | null;
}

type ChartServices = Pick<Services, "ledger" | "clock">;

function frame(services: ChartServices, url: URL, hash: string) {
  const period = periodOf(url);
  const window = chartWindow(period, services.clock.now());
  const data: ChartFrameData = {
    period,
    periodLabel: PERIODS[period].label,
    starts: window.starts,
    bucketMs: window.bucketMs,
    links: periodLinks(url, period, hash),
  };
  return { window, data };
}

const counts = (s: SeveritySeries): SeverityCounts => ({
  counts: { critical: s.critical, high: s.high, medium: s.medium, low: s.low, info: s.info },
  truncated: s.truncated,
});

/**
 * The host page's charts for the period in `url` (`?period=`).
 *
 * @example
 * ```ts
 * const charts = await hostChartsData(services, host, ctx.url);
 * charts.vitals.cpu; // one average per bucket, null where nothing reported
 * ```
 */
export async function hostChartsData(
  services: ChartServices,
  host: ChartHost,
  url: URL,
): Promise<HostChartsData> {
  const { window, data } = frame(services, url, "#trends");
  const [vitals, signals] = await Promise.all([
    hostVitals(services.ledger, host, window),
    hostSeverities(services.ledger, host, window),
  ]);
  return { ...data, vitals, signals: counts(signals) };
}

/**
 * The fleet overview's charts for the period in `url`.
 *
 * @example
 * ```ts
 * const charts = await fleetChartsData(services, org.id, ctx.url);
 * charts.snapshots; // snapshots received per bucket
 * ```
 */
export async function fleetChartsData(
  services: ChartServices,
  orgId: string,
  url: URL,
): Promise<FleetChartsData> {
  const { window, data } = frame(services, url, "#trends");
  const fleet = await fleetHourly(services.ledger, orgId, window);
  return { ...data, signals: counts(fleet.severities), snapshots: fleet.snapshots };
}

/**
 * The timeline histogram: signals per severity per hour over the last 24 hours, of one host
 * (its signals) or of the fleet (the hourly counters).
 *
 * @example
 * ```ts
 * const histogram = await severityHistogram(services, org.id, hostIdOrUndefined);
 * ```
 */
export async function severityHistogram(
  services: ChartServices,
  orgId: string,
  hostId?: string,
): Promise<HistogramData> {
  const window = chartWindow("24h", services.clock.now());
  const series = hostId
    ? await hostSeverities(services.ledger, { id: hostId, orgId }, window)
    : (await fleetHourly(services.ledger, orgId, window)).severities;
  return {
    starts: window.starts,
    bucketMs: window.bucketMs,
    signals: counts(series),
    hostId: hostId ?? null,
  };
}
