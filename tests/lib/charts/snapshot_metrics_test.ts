import assert from "node:assert/strict";
import { percentOrNull, snapshotMetrics } from "@/lib/charts/snapshot_metrics.ts";
import { signal } from "../../support/hosts.ts";

Deno.test("[charts] snapshotMetrics reads vitals, the root filesystem and the posture", () => {
  assert.deepEqual(
    snapshotMetrics({
      vitals: {
        cpu: { used_percent: 47.24, capacity_percent: 100, cores: 2 },
        memory: { total_mb: 2048, used_mb: 512, used_percent: null },
      },
      project_storage: { host_filesystem: { used_percent: 91.5 } },
    }, [signal({ code: "suspicious_process_ioc", severity: "critical" })]),
    { cpu_pct: 47.2, mem_pct: 25, disk_pct: 91.5, posture_score: 75 },
  );
  // Disk from bytes when the percentage is missing; hostile or absent values are null.
  assert.deepEqual(
    snapshotMetrics({
      vitals: { cpu: { used_percent: "99" }, memory: { used_percent: 1e309 } },
      project_storage: { host_filesystem: { used_bytes: 30, total_bytes: 120 } },
    }, []),
    { cpu_pct: null, mem_pct: null, disk_pct: 25, posture_score: 0 },
  );
  assert.deepEqual(snapshotMetrics({ vitals: null }, []), {
    cpu_pct: null,
    mem_pct: null,
    disk_pct: null,
    posture_score: 0,
  });
});

Deno.test("[charts] percentOrNull clamps to 0-100 with one decimal", () => {
  assert.equal(percentOrNull(104), 100);
  assert.equal(percentOrNull(-3), 0);
  assert.equal(percentOrNull(33.333), 33.3);
  assert.equal(percentOrNull(Number.NaN), null);
  assert.equal(percentOrNull(null), null);
});
