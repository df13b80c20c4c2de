import assert from "node:assert/strict";
import {
  axisLabels,
  bucketIndex,
  chartWindow,
  longLabel,
  periodLinks,
  periodOf,
} from "@/lib/charts/period.ts";

Deno.test("[charts] periodOf: 24h by default, 7d on request, anything else the default", () => {
  const of = (q: string) => periodOf(new URL(`https://x.test/hosts${q}`));
  assert.equal(of(""), "24h");
  assert.equal(of("?period=7d"), "7d");
  assert.equal(of("?period=24h"), "24h");
  assert.equal(of("?period=toString"), "24h");
  assert.equal(of("?period=%3Cscript%3E"), "24h");
});

Deno.test("[charts] chartWindow: UTC-aligned buckets ending with the current one", () => {
  const day = chartWindow("24h", new Date("2026-11-25T10:20:00Z"));
  assert.equal(day.from.toISOString(), "2026-11-24T11:00:00.000Z");
  assert.equal(day.to.toISOString(), "2026-11-25T11:00:00.000Z");
  assert.equal(day.starts.length, 24);
  assert.equal(bucketIndex(day, "2026-11-25T10:59:59.999Z"), 23);
  assert.equal(bucketIndex(day, "2026-11-24T11:00:00.000Z"), 0);
  assert.equal(bucketIndex(day, "2026-11-24T10:59:59.999Z"), -1);
  assert.equal(bucketIndex(day, day.to), -1);
  const onBoundary = chartWindow("24h", new Date("2026-11-25T10:00:00Z"));
  assert.equal(onBoundary.starts[23], "2026-11-25T10:00:00.000Z", "now is in the last bucket");

  const week = chartWindow("7d", new Date("2026-11-25T10:20:00Z"));
  assert.equal(week.starts.length, 28);
  assert.equal(week.from.toISOString(), "2026-11-18T12:00:00.000Z");
  assert.equal(week.starts[27], "2026-11-25T06:00:00.000Z");
});

Deno.test("[charts] labels and period links keep the page's query", () => {
  assert.equal(longLabel("2026-11-05T14:00:00.000Z"), "Nov 5 14:00");
  const day = chartWindow("24h", new Date("2026-11-25T10:20:00Z"));
  assert.deepEqual(axisLabels(day.starts, day.bucketMs).map((l) => l.text), [
    "12:00",
    "18:00",
    "00:00",
    "06:00",
  ]);
  const week = chartWindow("7d", new Date("2026-11-25T10:20:00Z"));
  assert.deepEqual(axisLabels(week.starts, week.bucketMs).map((l) => l.text), [
    "Nov 19",
    "Nov 20",
    "Nov 21",
    "Nov 22",
    "Nov 23",
    "Nov 24",
    "Nov 25",
  ]);
  const links = periodLinks(new URL("https://x.test/hosts?band=low&period=7d"), "7d", "#trends");
  assert.deepEqual(links, [
    { period: "24h", label: "24 h", href: "/hosts?band=low#trends", current: false },
    { period: "7d", label: "7 d", href: "/hosts?band=low&period=7d#trends", current: true },
  ]);
});
