/**
 * Response-time statistics of a report (MTTA, MTTR): median and mean of a list of durations,
 * and durations in words. Pure.
 *
 * @module
 */

/** Median and mean of some durations, in minutes; null when there are none ("n/a"). */
export interface DurationStats {
  /** How many durations were measured. */
  count: number;
  medianMinutes: number | null;
  meanMinutes: number | null;
}

/**
 * Median and mean of `minutes` (negative and non-finite values are left out: a clock skew
 * between instances must not make a response time negative).
 *
 * @example
 * ```ts
 * durationStats([5, 15, 40]); // { count: 3, medianMinutes: 15, meanMinutes: 20 }
 * durationStats([]);          // { count: 0, medianMinutes: null, meanMinutes: null }
 * ```
 */
export function durationStats(minutes: readonly number[]): DurationStats {
  const values = minutes.filter((m) => Number.isFinite(m) && m >= 0).sort((a, b) => a - b);
  if (values.length === 0) return { count: 0, medianMinutes: null, meanMinutes: null };
  const mid = Math.floor(values.length / 2);
  const median = values.length % 2 === 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  const mean = values.reduce((sum, v) => sum + v, 0) / values.length;
  return { count: values.length, medianMinutes: median, meanMinutes: mean };
}

/**
 * Minutes between two instants (`to − from`).
 *
 * @example
 * ```ts
 * minutesBetween(new Date("2026-11-25T10:00:00Z"), new Date("2026-11-25T10:07:30Z")); // 7.5
 * ```
 */
export function minutesBetween(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / 60_000;
}

/**
 * A duration in words, its two largest units (`45s`, `7m 30s`, `2h 5m`, `1d 3h`); `n/a` for
 * null.
 *
 * @example
 * ```ts
 * formatMinutes(7.5);  // "7m 30s"
 * formatMinutes(125);  // "2h 5m"
 * formatMinutes(null); // "n/a"
 * ```
 */
export function formatMinutes(minutes: number | null): string {
  if (minutes === null || !Number.isFinite(minutes)) return "n/a";
  const total = Math.max(0, Math.round(minutes * 60));
  const units: [number, string][] = [[86_400, "d"], [3600, "h"], [60, "m"], [1, "s"]];
  const parts: string[] = [];
  let rest = total;
  for (const [size, unit] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  const shown = parts.filter((p, i) => i === 0 || !p.startsWith("0"));
  return shown.length === 0 ? "0s" : shown.join(" ");
}
