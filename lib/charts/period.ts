/**
 * Chart periods and their time buckets. A period (`?period=24h|7d`, server-rendered) is a
 * window of equal buckets aligned to UTC: 24 one-hour buckets, or 28 six-hour buckets for 7
 * days. The window ends with the bucket that holds `now`, so the last bucket is the current,
 * still filling, one. Every bucket is a whole number of UTC hours, which is what the ledger
 * groups by (`aggregates.ts`); hours fold into buckets here.
 *
 * @module
 */

import { cachedDateTimeFormat } from "./intl_cache.ts";

const HOUR_MS = 3_600_000;

/** `Nov`: built once, not per label (see `intl_cache.ts`). */
const MONTH_FORMAT = cachedDateTimeFormat("en-US", { month: "short", timeZone: "UTC" });

/** The periods a chart can show. */
export const PERIODS = {
  "24h": { label: "24 hours", short: "24 h", spanMs: 24 * HOUR_MS, bucketMs: HOUR_MS },
  "7d": { label: "7 days", short: "7 d", spanMs: 7 * 24 * HOUR_MS, bucketMs: 6 * HOUR_MS },
} as const;

/** `24h` or `7d`. */
export type Period = keyof typeof PERIODS;

/** The default period. */
export const DEFAULT_PERIOD: Period = "24h";

/** A period's buckets. */
export interface ChartWindow {
  period: Period;
  /** Start of the first bucket (inclusive). */
  from: Date;
  /** End of the last bucket (exclusive). */
  to: Date;
  bucketMs: number;
  /** Bucket start times, ISO 8601 UTC, oldest first. */
  starts: string[];
}

/**
 * The `period` query parameter; anything else (missing, unknown) is the default. A chart
 * period is a view choice, never an error.
 *
 * @example
 * ```ts
 * periodOf(new URL("https://x/hosts?period=7d")); // "7d"
 * periodOf(new URL("https://x/hosts?period=1y")); // "24h"
 * ```
 */
export function periodOf(url: URL): Period {
  const raw = url.searchParams.get("period");
  return raw !== null && Object.hasOwn(PERIODS, raw) ? raw as Period : DEFAULT_PERIOD;
}

/**
 * The buckets of `period` ending with the one that holds `now`.
 *
 * @example
 * ```ts
 * const w = chartWindow("24h", new Date("2026-11-25T10:20:00Z"));
 * w.from.toISOString(); // "2026-11-24T11:00:00.000Z"
 * w.to.toISOString();   // "2026-11-25T11:00:00.000Z"
 * w.starts.length;      // 24
 * ```
 */
export function chartWindow(period: Period, now: Date): ChartWindow {
  const { spanMs, bucketMs } = PERIODS[period];
  const to = Math.floor(now.getTime() / bucketMs) * bucketMs + bucketMs;
  const from = to - spanMs;
  const starts: string[] = [];
  for (let t = from; t < to; t += bucketMs) starts.push(new Date(t).toISOString());
  return { period, from: new Date(from), to: new Date(to), bucketMs, starts };
}

/**
 * The index of the bucket holding `at` (a time or ISO text), or -1 outside the window.
 *
 * @example
 * ```ts
 * bucketIndex(w, "2026-11-25T10:59:59Z"); // 23 (the last bucket of the window above)
 * ```
 */
export function bucketIndex(window: ChartWindow, at: Date | string): number {
  const t = (at instanceof Date ? at : new Date(at)).getTime();
  if (!(t >= window.from.getTime() && t < window.to.getTime())) return -1;
  return Math.floor((t - window.from.getTime()) / window.bucketMs);
}

/**
 * A bucket start with its day, for tables and summaries: `Nov 25 14:00` (UTC).
 *
 * @example
 * ```ts
 * longLabel("2026-11-25T14:00:00.000Z"); // "Nov 25 14:00"
 * ```
 */
export function longLabel(iso: string): string {
  const date = new Date(iso);
  // `toLocaleString` said "Invalid Date" where `format` throws: keep saying it.
  const month = Number.isNaN(date.getTime()) ? "Invalid Date" : MONTH_FORMAT.format(date);
  return `${month} ${Number(iso.slice(8, 10))} ${iso.slice(11, 16)}`;
}

/**
 * Links to every period, keeping the page's other query parameters, each marked when current.
 *
 * @example
 * ```ts
 * periodLinks(new URL("https://x/hosts?band=low"), "24h", "#trends");
 * // [{ period: "24h", label: "24 h", href: "/hosts?band=low#trends", current: true }, …]
 * ```
 */
export function periodLinks(
  url: URL,
  current: Period,
  hash = "",
): { period: Period; label: string; href: string; current: boolean }[] {
  return (Object.keys(PERIODS) as Period[]).map((period) => {
    const params = new URLSearchParams(url.searchParams);
    if (period === DEFAULT_PERIOD) params.delete("period");
    else params.set("period", period);
    const query = params.toString();
    return {
      period,
      label: PERIODS[period].short,
      href: `${url.pathname}${query ? `?${query}` : ""}${hash}`,
      current: period === current,
    };
  });
}

/**
 * The x-axis labels of a window: every sixth hour for hourly buckets, each UTC midnight
 * (`Nov 26`) for longer ones.
 *
 * @example
 * ```ts
 * axisLabels(chartWindow("24h", now).starts, 3_600_000); // [{ index: 1, text: "12:00" }, …]
 * ```
 */
export function axisLabels(
  starts: readonly string[],
  bucketMs: number,
): { index: number; text: string }[] {
  const out: { index: number; text: string }[] = [];
  starts.forEach((iso, index) => {
    const hour = Number(iso.slice(11, 13));
    if (bucketMs <= HOUR_MS) {
      if (hour % 6 === 0) out.push({ index, text: iso.slice(11, 16) });
    } else if (hour === 0) {
      out.push({ index, text: longLabel(iso).slice(0, -6) });
    }
  });
  return out;
}
