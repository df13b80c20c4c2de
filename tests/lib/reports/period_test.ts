/**
 * Report periods and response-time statistics: pure date arithmetic in UTC (latest slot, due
 * slot after the schedule started, period keys) and median/mean with "n/a".
 */
import { deepEqual, equal } from "node:assert/strict";
import {
  describeSchedule,
  dueSlot,
  latestSlot,
  periodKey,
  reportWindow,
} from "@/lib/reports/period.ts";
import { durationStats, formatMinutes, minutesBetween } from "@/lib/reports/durations.ts";

const at = (iso: string) => new Date(iso);
const daily = { frequency: "daily", weekday: 0, hourUtc: 10 } as const;
// 2026-11-23 is a Monday.
const weekly = { frequency: "weekly", weekday: 1, hourUtc: 8 } as const;

Deno.test("[reports] latest slot: daily before and after the hour, weekly across the week", () => {
  equal(latestSlot(daily, at("2026-11-25T09:59:59Z")).toISOString(), "2026-11-24T10:00:00.000Z");
  equal(latestSlot(daily, at("2026-11-25T10:00:00Z")).toISOString(), "2026-11-25T10:00:00.000Z");
  equal(latestSlot(daily, at("2026-11-25T23:00:00Z")).toISOString(), "2026-11-25T10:00:00.000Z");
  equal(latestSlot(weekly, at("2026-11-23T07:00:00Z")).toISOString(), "2026-11-16T08:00:00.000Z");
  equal(latestSlot(weekly, at("2026-11-23T08:30:00Z")).toISOString(), "2026-11-23T08:00:00.000Z");
  equal(latestSlot(weekly, at("2026-11-29T23:59:00Z")).toISOString(), "2026-11-23T08:00:00.000Z");
  equal(latestSlot(weekly, at("2026-11-30T08:00:00Z")).toISOString(), "2026-11-30T08:00:00.000Z");
});

Deno.test("[reports] due slot: only slots at or after the schedule started, keyed per period", () => {
  const since = at("2026-11-25T09:00:00Z");
  equal(dueSlot(daily, at("2026-11-25T09:30:00Z"), since), null, "yesterday's slot predates it");
  const due = dueSlot(daily, at("2026-11-25T10:04:00Z"), since)!;
  equal(due.periodKey, "daily:2026-11-25");
  deepEqual(due.window, {
    kind: "day",
    start: at("2026-11-24T10:00:00Z"),
    end: at("2026-11-25T10:00:00Z"),
  });
  equal(dueSlot(daily, at("2026-11-26T03:00:00Z"), since)?.periodKey, "daily:2026-11-25");
  equal(dueSlot(daily, at("2026-11-26T10:00:00Z"), since)?.periodKey, "daily:2026-11-26");
  equal(dueSlot(daily, at("2026-11-25T09:30:00Z"), null)?.periodKey, "daily:2026-11-24");
  const week = dueSlot(weekly, at("2026-11-24T12:00:00Z"), at("2026-11-20T00:00:00Z"))!;
  equal(week.periodKey, "weekly:2026-11-23");
  equal(week.window.start.toISOString(), "2026-11-16T08:00:00.000Z");
  equal(periodKey("weekly", at("2026-11-23T08:00:00Z")), "weekly:2026-11-23");
  equal(
    reportWindow("week", at("2026-11-25T10:00:00Z")).start.toISOString(),
    "2026-11-18T10:00:00.000Z",
  );
  equal(describeSchedule(weekly), "Weekly on Monday at 08:00 UTC");
  equal(describeSchedule({ ...daily, hourUtc: 7 }), "Daily at 07:00 UTC");
});

Deno.test("[reports] MTTA/MTTR statistics: median, mean, n/a, and durations in words", () => {
  deepEqual(durationStats([40, 5, 15]), { count: 3, medianMinutes: 15, meanMinutes: 20 });
  deepEqual(durationStats([60, 120]), { count: 2, medianMinutes: 90, meanMinutes: 90 });
  deepEqual(durationStats([]), { count: 0, medianMinutes: null, meanMinutes: null });
  deepEqual(durationStats([Number.NaN, -3, 10]), { count: 1, medianMinutes: 10, meanMinutes: 10 });
  equal(minutesBetween(at("2026-11-25T10:00:00Z"), at("2026-11-25T10:07:30Z")), 7.5);
  equal(formatMinutes(null), "n/a");
  equal(formatMinutes(0), "0s");
  equal(formatMinutes(0.75), "45s");
  equal(formatMinutes(7.5), "7m 30s");
  equal(formatMinutes(15), "15m");
  equal(formatMinutes(125), "2h 5m");
  equal(formatMinutes(120), "2h");
  equal(formatMinutes(4860), "3d 9h");
  equal(formatMinutes(1440.5), "1d");
});
