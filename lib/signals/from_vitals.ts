/**
 * Resource pressure from `vitals` (agent-protocol §1.4.5): memory ≥ 90 % used is high, ≥ 80 %
 * medium; host CPU ≥ 95 % medium. Pressure is how miners and runaway jobs show before anything
 * else does, so it is worth a signal even though it is not itself a compromise.
 */
import type { Signal } from "./types.ts";
import { makeSignal, num, type Obj, obj, objects, str } from "./read.ts";

export const MEMORY_HIGH_PERCENT = 90;
export const MEMORY_MEDIUM_PERCENT = 80;
export const CPU_MEDIUM_PERCENT = 95;

const pct = (n: number) => `${Math.round(n * 10) / 10}%`;

/**
 * `memory_pressure` and `cpu_pressure` signals.
 *
 * @example
 * ```ts
 * vitalsSignals({ vitals: { memory: { used_percent: 93 } } }, ts)
 * // [{ code: "memory_pressure", severity: "high", … }]
 * ```
 */
export function vitalsSignals(base: Obj, ts: string): Signal[] {
  const vitals = obj(base.vitals);
  if (!vitals) return [];
  const out: Signal[] = [];
  const memory = obj(vitals.memory);
  if (memory) {
    const total = num(memory.total_mb);
    const used = num(memory.used_mb);
    // used_percent may be null (§1.4.5); the MB figures then give the same number.
    const usedPercent = num(memory.used_percent) ??
      (total && total > 0 && used !== null ? (used / total) * 100 : null);
    if (usedPercent !== null && usedPercent >= MEMORY_MEDIUM_PERCENT) {
      const available = num(memory.available_mb);
      out.push(makeSignal(ts, {
        code: "memory_pressure",
        severity: usedPercent >= MEMORY_HIGH_PERCENT ? "high" : "medium",
        // A stable title: the number changes every run and lives in the detail.
        title: "Memory pressure",
        detail: [
          `Memory ${pct(usedPercent)} used`,
          used !== null && total !== null ? `${used} of ${total} MB` : null,
          available !== null ? `${available} MB available` : null,
        ].filter(Boolean).join(", ") + ".",
        source: "vitals",
        fingerprint: "memory_pressure",
        evidence: {
          used_percent: usedPercent,
          used_mb: used,
          total_mb: total,
          available_mb: available,
        },
      }));
    }
  }
  const cpuUsed = num(obj(vitals.cpu)?.used_percent);
  if (cpuUsed !== null && cpuUsed >= CPU_MEDIUM_PERCENT) {
    const top = objects(obj(vitals.processes)?.top)[0];
    const topText = top
      ? ` Top process: ${str(top.name) || "?"} (pid ${num(top.pid) ?? "?"}, ${
        num(top.cpu_capacity_percent) ?? "?"
      }% of capacity).`
      : "";
    out.push(makeSignal(ts, {
      code: "cpu_pressure",
      severity: "medium",
      title: "CPU pressure",
      detail: `Host CPU ${pct(cpuUsed)} used.${topText}`,
      source: "vitals",
      fingerprint: "cpu_pressure",
      evidence: {
        used_percent: cpuUsed,
        cores: num(obj(vitals.cpu)?.cores),
        ...(top
          ? { top: { name: str(top.name), pid: num(top.pid), cmdline: str(top.cmdline) } }
          : {}),
      },
    }));
  }
  return out;
}
