/** Human-readable times: ages, future times, and dates once far away. */
import { equal } from "node:assert/strict";
import { formatAge, formatRelative, formatRemaining } from "@/lib/ui/time.ts";

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

Deno.test("formatRelative: a future time is never shown sooner than it is by a minute or more", () => {
  // QA: "Queue expiry in 1 h" with 1 h 58 min left.
  equal(formatRelative("2026-11-25T11:58:00.000Z", NOW), "in 1 h 58 min");
  equal(formatRelative("2026-11-25T11:58:40.000Z", NOW), "in 1 h 58 min");
  equal(formatRelative("2026-11-25T10:59:59.000Z", NOW), "in 59 min");
  equal(formatRelative("2026-11-25T11:00:00.000Z", NOW), "in 1 h");
  equal(formatRelative("2026-11-25T14:45:00.000Z", NOW), "in 4 h 45 min");
  equal(formatRelative("2026-11-27T14:10:00.000Z", NOW), "in 2 d 4 h 10 min");
  equal(formatRelative("2026-11-25T10:00:45.000Z", NOW), "in 45 s");
  equal(formatRemaining(7_080_000), "1 h 58 min");
  equal(formatRemaining(-5), "under a second");
  equal(formatRelative("2026-11-25T10:00:00.400Z", NOW), "in under a second");
  // Every future offset up to a day: the minutes shown are within a minute below the truth.
  for (let sec = 60; sec < 86_400; sec += 97) {
    const text = formatRemaining(sec * 1000);
    const shown = [...text.matchAll(/(\d+) (d|h|min)/g)]
      .reduce((acc, [, n, unit]) => acc + Number(n) * ({ d: 86_400, h: 3_600, min: 60 }[unit]!), 0);
    equal(shown <= sec && sec - shown < 60, true, `${sec} s shown as "${text}"`);
  }
});
