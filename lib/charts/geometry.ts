/**
 * Pure geometry and number helpers of the SVG charts: axis ceilings, line paths with gaps,
 * value summaries and formatting. No DOM, no JSX.
 *
 * @module
 */

import { cachedNumberFormat } from "./intl_cache.ts";

/** Where the plot sits inside a chart's viewBox. */
export interface PlotBox {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The viewBox every full-size chart uses (scaled to the container by CSS). */
export const CHART_BOX: PlotBox = {
  width: 560,
  height: 180,
  left: 48,
  right: 12,
  top: 12,
  bottom: 26,
};

/**
 * Inner plot width and height of a box.
 *
 * @example
 * ```ts
 * plotSize(CHART_BOX); // { w: 500, h: 142 }
 * ```
 */
export const plotSize = (box: PlotBox) => ({
  w: box.width - box.left - box.right,
  h: box.height - box.top - box.bottom,
});

/**
 * A round axis maximum at or above `max` (1, 2, 2.5 or 5 × a power of ten); 1 for nothing.
 *
 * @example
 * ```ts
 * niceCeil(37); // 40
 * niceCeil(0);  // 1
 * ```
 */
export function niceCeil(max: number): number {
  if (!(max > 0) || !Number.isFinite(max)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(max)));
  for (const step of [1, 2, 2.5, 4, 5, 10]) {
    if (step * power >= max) return step * power;
  }
  return 10 * power;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** One unbroken stretch of a line: its path data and first and last x. */
export interface LineRun {
  d: string;
  x0: number;
  x1: number;
}

/**
 * The y coordinate of `value` on a `0..yMax` axis (clamped to the plot).
 *
 * @example
 * ```ts
 * yOf(50, 100, CHART_BOX); // the middle of the plot
 * ```
 */
export function yOf(value: number, yMax: number, box: PlotBox): number {
  const { h } = plotSize(box);
  return r1(box.top + h - (Math.min(Math.max(value, 0), yMax) / yMax) * h);
}

/**
 * The x coordinate of the centre of slot `i` of `n`.
 *
 * @example
 * ```ts
 * xOf(0, 24, CHART_BOX); // the first hour's centre
 * ```
 */
export function xOf(i: number, n: number, box: PlotBox): number {
  const { w } = plotSize(box);
  return r1(box.left + (w / Math.max(1, n)) * (i + 0.5));
}

/**
 * SVG path data for a series over `n` evenly spaced slots: one `M…L…` run per stretch of
 * non-null values, so missing data stays a visible gap instead of a line across it. Values are
 * mapped from `0..yMax` onto the plot. Lone points (a value with null neighbours) are returned
 * separately: a path of one point draws nothing, so they are drawn as dots.
 *
 * @example
 * ```ts
 * linePath([1, 2, null, 4], 10, CHART_BOX).runs.length; // 1 (the run 1, 2: `{ d, x0, x1 }`)
 * linePath([1, 2, null, 4], 10, CHART_BOX).dots.length; // 1 (the lone 4)
 * ```
 */
export function linePath(
  values: ReadonlyArray<number | null>,
  yMax: number,
  box: PlotBox,
): { runs: LineRun[]; dots: { x: number; y: number }[] } {
  const x = (i: number) => xOf(i, values.length, box);
  const y = (v: number) => yOf(v, yMax, box);
  const runs: LineRun[] = [];
  const dots: { x: number; y: number }[] = [];
  let run: string[] = [];
  const flush = (end: number) => {
    if (run.length > 1) {
      runs.push({ d: run.join(" "), x0: x(end - run.length + 1), x1: x(end) });
    } else if (run.length === 1) dots.push({ x: x(end), y: y(values[end]!) });
    run = [];
  };
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      flush(i - 1);
      return;
    }
    run.push(`${run.length === 0 ? "M" : "L"}${x(i)} ${y(v)}`);
  });
  flush(values.length - 1);
  return { runs, dots };
}

/** Minimum, maximum and last known value of a series, with the bucket of each. */
export interface SeriesSummary {
  min: { value: number; index: number } | null;
  max: { value: number; index: number } | null;
  last: { value: number; index: number } | null;
  /** How many buckets have a value. */
  known: number;
}

/**
 * The min, max and last known value of a series (nulls skipped).
 *
 * @example
 * ```ts
 * summarize([3, null, 9, 5]).max; // { value: 9, index: 2 }
 * summarize([null]).last;         // null
 * ```
 */
export function summarize(values: ReadonlyArray<number | null>): SeriesSummary {
  const out: SeriesSummary = { min: null, max: null, last: null, known: 0 };
  values.forEach((value, index) => {
    if (value === null || !Number.isFinite(value)) return;
    out.known++;
    if (!out.min || value < out.min.value) out.min = { value, index };
    if (!out.max || value > out.max.value) out.max = { value, index };
    out.last = { value, index };
  });
  return out;
}

/** By fraction digits (0 or 1): built once, not per value (see `intl_cache.ts`). */
const VALUE_FORMATS = [0, 1].map((digits) =>
  cachedNumberFormat("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 })
);

/**
 * A value for people: thousands grouped, `unit` after, and at most one decimal — none from 10
 * up unless `precise` (tables keep the decimal, labels stay short).
 *
 * @example
 * ```ts
 * formatValue(47.25, "%");       // "47%"
 * formatValue(47.25, "%", true); // "47.3%"
 * formatValue(4.25, "%");        // "4.3%"
 * formatValue(12345, "");        // "12,345"
 * ```
 */
export function formatValue(value: number, unit: string, precise = false): string {
  const digits = (Math.abs(value) >= 10 && !precise) || Number.isInteger(value) ? 0 : 1;
  return `${VALUE_FORMATS[digits].format(value)}${unit}`;
}

/**
 * The last, min and max value of a summary in words, as legends and text alternatives say them.
 *
 * @example
 * ```ts
 * summaryText(summarize([3, null, 9, 5]), "%"); // "last 5%, min 3%, max 9%"
 * summaryText(summarize([null]), "%");          // "no data"
 * ```
 */
export function summaryText(s: SeriesSummary, unit: string): string {
  if (!s.last || !s.min || !s.max) return "no data";
  return `last ${formatValue(s.last.value, unit)}, min ${formatValue(s.min.value, unit)}, max ${
    formatValue(s.max.value, unit)
  }`;
}

/**
 * A chart element id from a caller's id: letters, digits, `-` and `_` only (ids land in
 * `id`, `aria-labelledby` and `url(#…)`).
 *
 * @example
 * ```ts
 * safeId("host vitals!"); // "host-vitals-"
 * ```
 */
export function safeId(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 64) || "chart";
}
