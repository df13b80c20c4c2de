import assert from "node:assert/strict";
import { ageLabel, heartbeatState } from "@/lib/signals/heartbeat.ts";

const NOW = new Date("2026-11-25T17:00:00.000Z");
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const at = (minutes: number, opts?: Parameters<typeof heartbeatState>[2]) =>
  heartbeatState(ago(minutes), NOW, opts);

Deno.test("[signals] heartbeat boundaries: ≤ 5 fresh, ≤ 15 delayed, ≤ 60 stale, then missing", () => {
  const table: Array<[number, string, string, number]> = [
    [0, "fresh", "Fresh (0m)", 0],
    [2, "fresh", "Fresh (2m)", 0],
    [5, "fresh", "Fresh (5m)", 0],
    [5.01, "delayed", "Delayed (5m)", 6],
    [9, "delayed", "Delayed (9m)", 6],
    [15, "delayed", "Delayed (15m)", 6],
    [15.01, "stale", "Stale (15m)", 12],
    [41.9, "stale", "Stale (41m)", 12],
    [60, "stale", "Stale (1h)", 12],
    [60.01, "missing", "Missing (1h)", 20],
    [200, "missing", "Missing (3h)", 20],
    [48 * 60 - 0.01, "missing", "Missing (47h)", 20],
    [48 * 60, "missing", "Missing (2d)", 20],
    [30 * 24 * 60, "missing", "Missing (30d)", 20],
  ];
  for (const [minutes, state, label, penalty] of table) {
    const h = at(minutes);
    assert.equal(h.state, state, `${minutes} min`);
    assert.equal(h.label, label, `${minutes} min`);
    assert.equal(h.penalty, penalty, `${minutes} min`);
    assert.ok(Math.abs(h.ageMinutes! - minutes) < 1e-9, "age is not rounded");
  }
});

Deno.test("[signals] heartbeat: never seen, future timestamps, invalid dates", () => {
  assert.deepEqual(heartbeatState(null, NOW), {
    state: "missing",
    ageMinutes: null,
    label: "Missing (never)",
    penalty: 20,
  });
  assert.deepEqual(heartbeatState(new Date(NaN), NOW).label, "Missing (never)");
  const future = heartbeatState(new Date(NOW.getTime() + 90_000), NOW);
  assert.equal(future.state, "fresh");
  assert.equal(future.ageMinutes, 0);
});

Deno.test("[signals] heartbeat thresholds are configurable (E = 6 → 18 / 72)", () => {
  const e6 = { expectedMinutes: 6, staleMultiplier: 3, missingMultiplier: 12 };
  assert.equal(at(6, e6).state, "fresh");
  assert.equal(at(18, e6).state, "delayed");
  assert.equal(at(18.5, e6).state, "stale");
  assert.equal(at(72, e6).state, "stale");
  assert.equal(at(72.5, e6).state, "missing");
  // Partial options fall back to the defaults; stale lasts at least one interval.
  assert.equal(at(6, { expectedMinutes: 10 }).state, "fresh");
  const tight = { expectedMinutes: 5, staleMultiplier: 3, missingMultiplier: 2 };
  assert.equal(at(20, tight).state, "stale", "missing ≥ E × (stale multiplier + 1)");
  assert.equal(at(20.5, tight).state, "missing");
  assert.equal(
    at(6, { expectedMinutes: -1, staleMultiplier: NaN }).state,
    "delayed",
    "bad options ignored",
  );
});

Deno.test("[signals] ageLabel rounds down: minutes < 60, hours < 48, then days", () => {
  assert.deepEqual([0.9, 59.99, 60, 119.9, 2879, 2880, 4319].map(ageLabel), [
    "0m",
    "59m",
    "1h",
    "1h",
    "47h",
    "2d",
    "2d",
  ]);
});
