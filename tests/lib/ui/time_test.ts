/** Human-readable times: ages, future times, and dates once far away. */
import { equal } from "node:assert/strict";
import { formatAge, formatRelative } from "@/lib/ui/time.ts";

const NOW = "2026-11-25T10:00:00.000Z";

Deno.test("formatRelative: past, future, far away, unparsable", () => {
  equal(formatRelative("2026-11-25T09:59:48.000Z", NOW), "12 s ago");
  equal(formatRelative("2026-11-25T09:55:00.000Z", new Date(NOW)), "5 min ago");
  equal(formatRelative("2026-11-24T07:00:00.000Z", NOW), "27 h ago");
  equal(formatRelative("2026-11-20T10:00:00.000Z", NOW), "5 d ago");
  equal(formatRelative("2026-11-25T10:05:00.000Z", NOW), "in 5 min");
  equal(formatRelative("2026-11-25T13:00:00.000Z", NOW), "in 3 h");
  equal(formatRelative("2026-10-01T08:00:00.000Z", NOW), "2026-10-01");
  equal(formatRelative("2099-01-01T00:00:00.000Z", NOW), "2099-01-01");
  equal(formatRelative("not a time", NOW), "not a time");
  equal(formatAge(75_000), "1 min ago");
});
