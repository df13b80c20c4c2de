/**
 * The per-snapshot chart summary written by ingest next to the raw snapshot: host CPU, memory
 * and root-disk percent used (agent-protocol §1.4.5 `vitals`, §1.4.6
 * `project_storage.host_filesystem`) and the posture score the host had when the snapshot
 * arrived. Four numbers per row, so the trend charts never parse snapshot JSON.
 *
 * The posture score is {@link computePosture} over this snapshot's own signals, at age 0, with
 * a fresh heartbeat — exactly what ingest computes for its answer. Decay between pushes and the
 * heartbeat penalty of a silent host are deliberately not in it: a silent host has no
 * snapshots, and the chart shows that as a gap.
 *
 * @module
 */

import { num, obj } from "../signals/read.ts";
import { computePosture } from "../signals/posture.ts";
import { heartbeatState } from "../signals/heartbeat.ts";
import type { Signal } from "../signals/types.ts";

/** The snapshot columns this module fills. */
export interface SnapshotMetrics {
  cpu_pct: number | null;
  mem_pct: number | null;
  disk_pct: number | null;
  posture_score: number;
}

/** The snapshot columns this module fills, as a list (ingest's insert names them). */
export const SNAPSHOT_METRIC_COLUMNS = [
  "cpu_pct",
  "mem_pct",
  "disk_pct",
  "posture_score",
] as const satisfies ReadonlyArray<keyof SnapshotMetrics>;

/**
 * A percentage as stored: finite, clamped to 0..100, one decimal; else null.
 *
 * @example
 * ```ts
 * percentOrNull(104.2); // 100
 * percentOrNull(33.33); // 33.3
 * ```
 */
export function percentOrNull(value: number | null): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  return Math.round(Math.min(100, Math.max(0, value)) * 10) / 10;
}

/** `used / total × 100` when both are usable numbers. */
function ratio(used: number | null, total: number | null): number | null {
  return used !== null && total !== null && total > 0 ? (used / total) * 100 : null;
}

/**
 * The chart summary of one snapshot.
 *
 * @example
 * ```ts
 * snapshotMetrics(
 *   { vitals: { cpu: { used_percent: 47.2 }, memory: { used_mb: 512, total_mb: 2048 } } },
 *   [],
 * );
 * // { cpu_pct: 47.2, mem_pct: 25, disk_pct: null, posture_score: 0 }
 * ```
 */
export function snapshotMetrics(
  base: Record<string, unknown>,
  signals: ReadonlyArray<Signal>,
): SnapshotMetrics {
  const vitals = obj(base.vitals);
  const memory = obj(vitals?.memory);
  const fs = obj(obj(base.project_storage)?.host_filesystem);
  const at = new Date(0);
  return {
    cpu_pct: percentOrNull(num(obj(vitals?.cpu)?.used_percent)),
    mem_pct: percentOrNull(
      num(memory?.used_percent) ?? ratio(num(memory?.used_mb), num(memory?.total_mb)),
    ),
    disk_pct: percentOrNull(
      num(fs?.used_percent) ?? ratio(num(fs?.used_bytes), num(fs?.total_bytes)),
    ),
    posture_score: computePosture(signals, heartbeatState(at, at)).score,
  };
}
