import assert from "node:assert/strict";
import { bandFor, computePosture, recencyFactor } from "@/lib/signals/posture.ts";
import { type HeartbeatState, heartbeatState } from "@/lib/signals/heartbeat.ts";
import { parseStatusPush } from "@/lib/ingest/parse.ts";
import { snapshotSignals } from "@/lib/signals/normalize.ts";
import { SEVERITIES, type Severity, type Signal } from "@/lib/signals/types.ts";
import { fixtureBytes, STATUS_FIXTURES } from "../../support/agent_fixtures.ts";

const NOW = new Date("2026-11-25T17:00:00.000Z");
const hb = (minutesAgo: number | null): HeartbeatState =>
  heartbeatState(minutesAgo === null ? null : new Date(NOW.getTime() - minutesAgo * 60_000), NOW);
const FRESH = hb(1);

function sig(
  code: string,
  severity: Severity,
  ageMinutes?: number,
  fingerprint = code,
): Signal & { ageMinutes?: number } {
  return {
    code,
    severity,
    title: `${code} title`,
    detail: "",
    ts: NOW.toISOString(),
    source: "alert",
    fingerprint,
    ...(ageMinutes === undefined ? {} : { ageMinutes }),
  };
}

Deno.test("[signals] posture of every fixture: IOC fixtures critical, the others low", async () => {
  const want: Record<string, [number, string, string]> = {
    "status-minimal.json": [12, "low", "observe"],
    "status-rich.json": [3, "low", "observe"],
    "status-real-debian.json": [90, "critical", "contain"],
    "envelope-real.json": [90, "critical", "contain"],
    "status-ioc-outbound.json": [77, "critical", "lockdown"],
    "status-drift.json": [100, "critical", "contain"],
  };
  for (const [name, f] of Object.entries(STATUS_FIXTURES)) {
    const parsed = await parseStatusPush(fixtureBytes(name), {
      receivedAt: new Date(f.ts),
      host: { id: "01H", name: f.host, slug: "h" },
    });
    const p = computePosture(snapshotSignals(parsed), FRESH);
    assert.deepEqual([p.score, p.band, p.stage], want[name], name);
    assert.ok(Number.isInteger(p.score) && p.score >= 0 && p.score <= 100);
    assert.ok(p.contributors.length <= 5);
  }
});

Deno.test("[signals] posture: the documented worked example (status-drift)", async () => {
  const f = STATUS_FIXTURES["status-drift.json"];
  const parsed = await parseStatusPush(fixtureBytes("status-drift.json"), {
    receivedAt: new Date(f.ts),
    host: { id: "01H", name: f.host, slug: "h" },
  });
  const p = computePosture(snapshotSignals(parsed), FRESH);
  assert.deepEqual(p, {
    score: 100,
    band: "critical",
    stage: "contain",
    contributors: [
      {
        code: "self_integrity_changed",
        severity: "critical",
        points: 75,
        title: "Self integrity changed",
      },
      {
        code: "unexpected_public_port",
        severity: "high",
        points: 22.5,
        title: "Unexpected public port tcp:6379 (redis-server) (+1 more)",
      },
      { code: "firewall_changed", severity: "high", points: 18.8, title: "Firewall changed" },
      { code: "user_list_changed", severity: "high", points: 18.8, title: "User list changed" },
      {
        code: "watched_files_changed",
        severity: "high",
        points: 18.8,
        title: "Watched files changed",
      },
    ],
  });
});

Deno.test("[signals] posture is monotonic in severity and in added signals", () => {
  // Deterministic pseudo-random signal sets (mulberry32).
  let seed = 42;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pool = [
    "suspicious_process_ioc",
    "unexpected_public_port",
    "firewall_changed",
    "packages_changed",
    "ssh_bruteforce_activity",
    "memory_pressure",
    "alert_custom",
  ];
  const heartbeats = [hb(1), hb(10), hb(30), hb(null)];
  for (let round = 0; round < 300; round++) {
    const n = 1 + Math.floor(rand() * 8);
    const signals = Array.from({ length: n }, (_, i) =>
      sig(
        pool[Math.floor(rand() * pool.length)],
        SEVERITIES[Math.floor(rand() * SEVERITIES.length)],
        Math.floor(rand() * 600),
        `fp${i}`,
      ));
    const h = heartbeats[round % heartbeats.length];
    const score = computePosture(signals, h).score;
    const i = Math.floor(rand() * n);
    const rank = SEVERITIES.indexOf(signals[i].severity);
    if (rank < SEVERITIES.length - 1) {
      const raised = signals.map((s, j) => j === i ? { ...s, severity: SEVERITIES[rank + 1] } : s);
      assert.ok(computePosture(raised, h).score >= score, `raise severity, round ${round}`);
    }
    const added = [...signals, sig(pool[Math.floor(rand() * pool.length)], "low", 0, "extra")];
    assert.ok(computePosture(added, h).score >= score, `add a signal, round ${round}`);
  }
  // Each step up the severity scale, alone, never lowers the score.
  for (const code of ["unexpected_public_port", "alert_custom", "packages_changed"]) {
    const scores = SEVERITIES.map((s) => computePosture([sig(code, s)], FRESH).score);
    assert.deepEqual(scores, [...scores].sort((a, b) => a - b), code);
  }
});

Deno.test("[signals] posture decays with recency (half-life 120 min)", () => {
  assert.equal(recencyFactor(undefined), 1);
  assert.equal(recencyFactor(-5), 1);
  assert.equal(recencyFactor(120), 0.5);
  const points = [0, 120, 240, 1440].map((age) =>
    computePosture([sig("unexpected_public_port", "high", age)], FRESH).contributors[0].points
  );
  assert.deepEqual(points, [15, 7.5, 3.8, 0]);
  const scores = [0, 60, 180, 600].map((age) =>
    computePosture([sig("firewall_changed", "high", age)], FRESH).score
  );
  assert.deepEqual(scores, [...scores].sort((a, b) => b - a));
  assert.ok(scores[0] > scores[3]);
});

Deno.test("[signals] posture adds the heartbeat penalty and names it", () => {
  const penalties = [hb(1), hb(10), hb(30), hb(90), hb(null)].map((h) => computePosture([], h));
  assert.deepEqual(penalties.map((p) => p.score), [0, 6, 12, 20, 20]);
  assert.deepEqual(penalties.map((p) => p.band), ["low", "low", "low", "guarded", "guarded"]);
  assert.deepEqual(penalties[0].contributors, []);
  assert.deepEqual(penalties[4].contributors, [
    { code: "heartbeat_missing", severity: "high", points: 20, title: "Heartbeat Missing (never)" },
  ]);
  const withSignal = computePosture([sig("unexpected_public_port", "high")], hb(30));
  assert.equal(withSignal.score, 27);
  assert.deepEqual(withSignal.contributors.map((c) => c.code), [
    "unexpected_public_port",
    "heartbeat_stale",
  ]);
});

Deno.test("[signals] a critical IOC forces band critical and stage ≥ contain", () => {
  for (const code of ["suspicious_process_ioc", "outbound_scan_ioc", "self_integrity_changed"]) {
    // Decayed to a few points, still critical while inside the 24 h window.
    const old = computePosture([sig(code, "critical", 600)], FRESH);
    assert.equal(old.band, "critical", code);
    assert.equal(old.score, 70, code);
    assert.ok(old.stage === "contain" || old.stage === "lockdown", code);
  }
  const expired = computePosture([sig("suspicious_process_ioc", "critical", 24 * 60 + 1)], FRESH);
  assert.equal(expired.band, "low");
  // Not an IOC: critical disk pressure is weighted as operations, not compromise.
  const disk = computePosture([sig("host_disk_critical", "critical")], FRESH);
  assert.equal(disk.score, 25);
  assert.equal(disk.band, "guarded");
  assert.equal(disk.stage, "watch");
  // An IOC code the agent downgraded is not forced.
  assert.notEqual(
    computePosture([sig("self_integrity_changed", "medium")], FRESH).band,
    "critical",
  );
});

Deno.test("[signals] lockdown: scanning others, two kinds of IOC, or silence after one", () => {
  const stage = (signals: Signal[], h = FRESH) => computePosture(signals, h).stage;
  assert.equal(stage([sig("suspicious_process_ioc", "critical")]), "contain");
  assert.equal(stage([sig("outbound_scan_ioc", "critical")]), "lockdown");
  assert.equal(
    stage([sig("suspicious_process_ioc", "critical"), sig("self_integrity_changed", "critical")]),
    "lockdown",
  );
  assert.equal(stage([sig("suspicious_process_ioc", "critical")], hb(null)), "lockdown");
  assert.equal(stage([sig("suspicious_process_ioc", "critical")], hb(30)), "contain");
  assert.equal(stage([]), "observe");
  assert.equal(stage([sig("firewall_changed", "high")]), "watch");
});

Deno.test("[signals] posture caps: many small signals never look like a compromise", () => {
  const lows = Array.from({ length: 100 }, (_, i) => sig(`low_${i}`, "low"));
  assert.equal(computePosture(lows, FRESH).score, 14);
  const mediums = Array.from({ length: 100 }, (_, i) => sig(`medium_${i}`, "medium"));
  assert.equal(computePosture(mediums, FRESH).score, 39);
  assert.equal(computePosture(mediums, FRESH).band, "guarded");
  const highs = Array.from({ length: 20 }, (_, i) => sig(`high_${i}`, "high"));
  assert.equal(computePosture(highs, FRESH).score, 89);
  assert.equal(computePosture([...highs, sig("x", "info")], hb(null)).score, 100);
  const infos = Array.from({ length: 100 }, (_, i) => sig(`info_${i}`, "info"));
  assert.deepEqual(computePosture(infos, FRESH), {
    score: 0,
    band: "low",
    stage: "observe",
    contributors: [],
  });
  // Fifty open ports of one code: 15 + 7.5 + 3.75 + … ≈ 30, not 750.
  const ports = Array.from(
    { length: 50 },
    (_, i) => sig("unexpected_public_port", "high", 0, `p${i}`),
  );
  const p = computePosture(ports, FRESH);
  assert.equal(p.score, 30);
  assert.deepEqual(p.contributors, [{
    code: "unexpected_public_port",
    severity: "high",
    points: 30,
    title: "unexpected_public_port title (+49 more)",
  }]);
});

Deno.test("[signals] posture contributors: top 5, largest first, ties by severity then code", () => {
  const p = computePosture([
    sig("b_code", "medium"),
    sig("a_code", "medium"),
    sig("firewall_changed", "high"),
    sig("outbound_scan_ioc", "critical"),
    sig("packages_changed", "medium"),
    sig("alert_x", "low"),
    sig("alert_y", "info"),
  ], hb(10));
  assert.deepEqual(p.contributors.map((c) => [c.code, c.points]), [
    ["outbound_scan_ioc", 75],
    ["firewall_changed", 18.8],
    ["a_code", 6],
    ["b_code", 6],
    ["heartbeat_delayed", 6],
  ]);
  assert.deepEqual([0, 14, 15, 39, 40, 69, 70, 100].map(bandFor), [
    "low",
    "low",
    "guarded",
    "guarded",
    "elevated",
    "elevated",
    "critical",
    "critical",
  ]);
});
