/**
 * When a stored fleet posture needs recomputing: never before something can change, and never
 * after (the band, the heartbeat state or a score step), for fresh, decaying, silent and never
 * seen hosts.
 */
import assert from "node:assert/strict";
import { SCORE_STEP, type SummaryInput, summaryValues } from "@/lib/hosts/summary_posture.ts";
import { DEFAULT_HEARTBEAT } from "@/lib/signals/heartbeat.ts";

const NOW = new Date("2026-11-25T10:00:00.000Z");
const MIN = 60_000;
const at = (minutes: number) => new Date(NOW.getTime() + minutes * MIN);

function input(over: Partial<SummaryInput>): SummaryInput {
  return { items: [], snapshotTs: NOW, lastSeenAt: NOW, heartbeatExpectedMinutes: null, ...over };
}

Deno.test("[summary] a fresh host is due when its heartbeat turns delayed", () => {
  const v = summaryValues(input({}), NOW, DEFAULT_HEARTBEAT);
  assert.deepEqual(v, {
    score: 0,
    band: "low",
    heartbeat: "fresh",
    refreshAt: new Date(at(5).getTime() + 1),
  });
  const own = summaryValues(input({ heartbeatExpectedMinutes: 60 }), NOW, DEFAULT_HEARTBEAT);
  assert.equal(own.refreshAt?.getTime(), at(60).getTime() + 1, "the host's own interval");
});

Deno.test("[summary] never seen: guarded by the silence alone, nothing scheduled", () => {
  const v = summaryValues(input({ lastSeenAt: null, snapshotTs: null }), NOW, DEFAULT_HEARTBEAT);
  assert.deepEqual(v, { score: 20, band: "guarded", heartbeat: "missing", refreshAt: null });
});

Deno.test("[summary] the refresh time is the first minute something changes, never late", () => {
  const cases: SummaryInput[] = [
    input({ items: [{ code: "unexpected_public_port", severity: "high", count: 2 }] }),
    input({ items: [{ code: "suspicious_process_ioc", severity: "critical", count: 1 }] }),
    input({
      items: [{ code: "firewall_changed", severity: "high", count: 1 }],
      lastSeenAt: at(-300),
      snapshotTs: at(-300),
    }),
    input({
      items: [{ code: "packages_changed", severity: "medium", count: 1 }],
      snapshotTs: at(30),
    }),
  ];
  for (const c of cases) {
    let now = NOW;
    for (let hops = 0; hops < 40; hops++) {
      const v = summaryValues(c, now, DEFAULT_HEARTBEAT);
      if (v.refreshAt === null) break;
      assert.ok(v.refreshAt > now, "always in the future");
      // Up to the refresh time nothing that is stored changes…
      for (const t of [now.getTime() + 1, (now.getTime() + v.refreshAt.getTime()) / 2]) {
        const w = summaryValues(c, new Date(t), DEFAULT_HEARTBEAT, { schedule: false });
        assert.equal(w.band, v.band);
        assert.equal(w.heartbeat, v.heartbeat);
        assert.ok(v.score - w.score < SCORE_STEP);
      }
      // …and within a minute after it, something does.
      const after = summaryValues(c, new Date(v.refreshAt.getTime() + MIN), DEFAULT_HEARTBEAT, {
        schedule: false,
      });
      assert.ok(
        after.band !== v.band || after.heartbeat !== v.heartbeat ||
          v.score - after.score >= SCORE_STEP || after.score !== v.score,
        `something changes by ${v.refreshAt.toISOString()} + 1 min`,
      );
      now = v.refreshAt;
    }
  }
});
