/**
 * Report periods and schedules, as pure date arithmetic in UTC: the window a report covers, the
 * latest scheduled send time at or before "now", and the key that names one period of one
 * schedule (so a period is sent at most once, however often the hourly cron runs).
 *
 * @module
 */

/** How often a scheduled report goes out. */
export type ReportFrequency = "daily" | "weekly";
/** What one report covers: the last day or the last week before its end. */
export type ReportPeriodKind = "day" | "week";

/** The time window of one report: `[start, end)`. */
export interface ReportWindow {
  kind: ReportPeriodKind;
  start: Date;
  end: Date;
}

/** When an organization's report is sent. */
export interface ReportSchedule {
  frequency: ReportFrequency;
  /** Day of the week for weekly reports, 0 = Sunday … 6 = Saturday (UTC). */
  weekday: number;
  /** Hour of the day, 0-23 UTC. */
  hourUtc: number;
}

/** A period of a schedule that is due: when it was scheduled and its unique key. */
export interface DueSlot {
  /** The scheduled send time (the end of the report's window). */
  slot: Date;
  /** `daily:2026-11-25` or `weekly:2026-11-23`: unique per organization and period. */
  periodKey: string;
  window: ReportWindow;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Weekday names, index = `Date.getUTCDay()`. */
export const WEEKDAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
] as const;

/**
 * The period kind a schedule reports on.
 *
 * @example
 * ```ts
 * periodKindOf("weekly"); // "week"
 * ```
 */
export function periodKindOf(frequency: ReportFrequency): ReportPeriodKind {
  return frequency === "daily" ? "day" : "week";
}

/**
 * The window of a report of `kind` ending at `end`.
 *
 * @example
 * ```ts
 * const w = reportWindow("day", new Date("2026-11-25T10:00:00Z"));
 * w.start.toISOString(); // "2026-11-24T10:00:00.000Z"
 * ```
 */
export function reportWindow(kind: ReportPeriodKind, end: Date): ReportWindow {
  const length = kind === "day" ? DAY_MS : 7 * DAY_MS;
  return { kind, start: new Date(end.getTime() - length), end: new Date(end.getTime()) };
}

/**
 * The latest scheduled send time at or before `now`.
 *
 * @example
 * ```ts
 * latestSlot({ frequency: "daily", weekday: 1, hourUtc: 8 }, new Date("2026-11-25T07:00:00Z"))
 *   .toISOString(); // "2026-11-24T08:00:00.000Z"
 * ```
 */
export function latestSlot(schedule: ReportSchedule, now: Date): Date {
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  let slot = midnight + schedule.hourUtc * HOUR_MS;
  if (schedule.frequency === "daily") {
    if (slot > now.getTime()) slot -= DAY_MS;
    return new Date(slot);
  }
  slot -= ((now.getUTCDay() - schedule.weekday + 7) % 7) * DAY_MS;
  if (slot > now.getTime()) slot -= 7 * DAY_MS;
  return new Date(slot);
}

/**
 * The key of the period a slot closes: frequency and the slot's UTC date.
 *
 * @example
 * ```ts
 * periodKey("weekly", new Date("2026-11-23T08:00:00Z")); // "weekly:2026-11-23"
 * ```
 */
export function periodKey(frequency: ReportFrequency, slot: Date): string {
  return `${frequency}:${slot.toISOString().slice(0, 10)}`;
}

/**
 * The slot due at `now`: the latest scheduled time, unless it lies before `since` (when the
 * schedule was last switched on or changed), so enabling a schedule never sends a report for a
 * time that was already past. Null when nothing is due.
 *
 * @example
 * ```ts
 * const schedule = { frequency: "daily", weekday: 1, hourUtc: 10 } as const;
 * dueSlot(schedule, new Date("2026-11-25T09:30:00Z"), new Date("2026-11-25T09:00:00Z")); // null
 * dueSlot(schedule, new Date("2026-11-25T10:07:00Z"), new Date("2026-11-25T09:00:00Z"))
 *   ?.periodKey; // "daily:2026-11-25"
 * ```
 */
export function dueSlot(schedule: ReportSchedule, now: Date, since: Date | null): DueSlot | null {
  const slot = latestSlot(schedule, now);
  if (since !== null && slot.getTime() < since.getTime()) return null;
  return {
    slot,
    periodKey: periodKey(schedule.frequency, slot),
    window: reportWindow(periodKindOf(schedule.frequency), slot),
  };
}

/**
 * A schedule in words, for pages and e-mails.
 *
 * @example
 * ```ts
 * describeSchedule({ frequency: "weekly", weekday: 1, hourUtc: 8 }); // "Weekly on Monday at 08:00 UTC"
 * ```
 */
export function describeSchedule(schedule: ReportSchedule): string {
  const time = `${String(schedule.hourUtc).padStart(2, "0")}:00 UTC`;
  return schedule.frequency === "daily"
    ? `Daily at ${time}`
    : `Weekly on ${WEEKDAYS[schedule.weekday] ?? "?"} at ${time}`;
}
