/**
 * Heartbeat state (agent-protocol Part 5): how long since the control plane last accepted a
 * status POST from the host (receive time, never the payload `ts`), as a state, a label and the
 * posture penalty. Computed on every read; pure.
 */

export type HeartbeatStateName = "fresh" | "delayed" | "stale" | "missing";

export interface HeartbeatState {
  state: HeartbeatStateName;
  /** Minutes since `lastSeenAt`, not rounded; `null` when the host was never seen. */
  ageMinutes: number | null;
  /** `Fresh (2m)`, `Delayed (9m)`, `Stale (41m)`, `Missing (3h)`, `Missing (never)`. */
  label: string;
  /** Posture points added for the silence (Part 5 table). */
  penalty: number;
}

export interface HeartbeatOptions {
  /** `E`, the expected interval between pushes. */
  expectedMinutes: number;
  /** Delayed while `age ≤ E × staleMultiplier`; stale after. */
  staleMultiplier: number;
  /** Stale while `age ≤ E × max(missingMultiplier, staleMultiplier + 1)`; missing after. */
  missingMultiplier: number;
}

/** Part 5 defaults (`HEARTBEAT_EXPECTED_MINUTES`, `…_STALE_MULTIPLIER`, `…_MISSING_MULTIPLIER`). */
export const DEFAULT_HEARTBEAT: HeartbeatOptions = {
  expectedMinutes: 5,
  staleMultiplier: 3,
  missingMultiplier: 12,
};

/** Posture penalty per state (Part 5). */
export const HEARTBEAT_PENALTY: Readonly<Record<HeartbeatStateName, number>> = {
  fresh: 0,
  delayed: 6,
  stale: 12,
  missing: 20,
};

const LABEL: Record<HeartbeatStateName, string> = {
  fresh: "Fresh",
  delayed: "Delayed",
  stale: "Stale",
  missing: "Missing",
};

function positive(v: number | undefined, fallback: number): number {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : fallback;
}

/**
 * A duration in minutes as the label shows it, rounded down: minutes under 60, hours under 48,
 * then days.
 *
 * @example
 * ```ts
 * ageLabel(41.9) // "41m"
 * ageLabel(200)  // "3h"
 * ageLabel(2880) // "2d"
 * ```
 */
export function ageLabel(minutes: number): string {
  if (minutes < 60) return `${Math.floor(minutes)}m`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h`;
  return `${Math.floor(minutes / 1440)}d`;
}

/**
 * The heartbeat state of a host. Boundaries are inclusive (`age ≤ 5` is fresh). A `lastSeenAt`
 * in the future (clock drift between app servers) counts as age 0.
 *
 * @example
 * ```ts
 * heartbeatState(new Date(Date.now() - 9 * 60_000), new Date())
 * // { state: "delayed", ageMinutes: 9, label: "Delayed (9m)", penalty: 6 }
 * heartbeatState(null, new Date()) // { state: "missing", ageMinutes: null, label: "Missing (never)", penalty: 20 }
 * ```
 */
export function heartbeatState(
  lastSeenAt: Date | null,
  now: Date,
  opts: Partial<HeartbeatOptions> = DEFAULT_HEARTBEAT,
): HeartbeatState {
  if (lastSeenAt === null || Number.isNaN(lastSeenAt.getTime())) {
    return { state: "missing", ageMinutes: null, label: "Missing (never)", penalty: 20 };
  }
  const e = positive(opts.expectedMinutes, DEFAULT_HEARTBEAT.expectedMinutes);
  const staleM = positive(opts.staleMultiplier, DEFAULT_HEARTBEAT.staleMultiplier);
  const missingM = positive(opts.missingMultiplier, DEFAULT_HEARTBEAT.missingMultiplier);
  const age = Math.max(0, (now.getTime() - lastSeenAt.getTime()) / 60_000);
  const state: HeartbeatStateName = age <= e
    ? "fresh"
    : age <= e * staleM
    ? "delayed"
    : age <= e * Math.max(missingM, staleM + 1)
    ? "stale"
    : "missing";
  return {
    state,
    ageMinutes: age,
    label: `${LABEL[state]} (${ageLabel(age)})`,
    penalty: HEARTBEAT_PENALTY[state],
  };
}
