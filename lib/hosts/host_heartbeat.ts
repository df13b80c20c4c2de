/**
 * A host's heartbeat thresholds (agent-protocol Part 5): the deployment's `HEARTBEAT_*` settings
 * with the host's own expected interval in place of `E` when it has one. The stale and missing
 * multipliers apply to whichever `E` is in force, so a host pushing hourly (E = 60) is delayed
 * after 60 min, stale after 180 and missing after 720 with the default multipliers.
 *
 * Every reader of heartbeat state (sweep, fleet, host page, status API, enrollment answer) goes
 * through here, so they always agree.
 *
 * @module
 */

import {
  type HeartbeatOptions,
  type HeartbeatState,
  heartbeatState,
} from "../signals/heartbeat.ts";
import type { Host } from "./host.ts";

/**
 * The thresholds for `host`: `defaults` (the deployment's) with the host's override of
 * `expectedMinutes`, if set.
 *
 * @example
 * ```ts
 * hostHeartbeatOptions({ heartbeatExpectedMinutes: 60 }, config.heartbeat).expectedMinutes; // 60
 * hostHeartbeatOptions({ heartbeatExpectedMinutes: null }, config.heartbeat); // config.heartbeat
 * ```
 */
export function hostHeartbeatOptions(
  host: Pick<Host, "heartbeatExpectedMinutes">,
  defaults: HeartbeatOptions,
): HeartbeatOptions {
  const own = host.heartbeatExpectedMinutes;
  return own === null || own === undefined ? defaults : { ...defaults, expectedMinutes: own };
}

/**
 * The host's heartbeat state at `now`, by its own thresholds.
 *
 * @example
 * ```ts
 * const hb = hostHeartbeat(host, services.clock.now(), services.config.heartbeat);
 * hb.label; // "Fresh (31m)" for a host with a 60-minute interval seen 31 minutes ago
 * ```
 */
export function hostHeartbeat(
  host: Pick<Host, "lastSeenAt" | "heartbeatExpectedMinutes">,
  now: Date,
  defaults: HeartbeatOptions,
): HeartbeatState {
  return heartbeatState(host.lastSeenAt, now, hostHeartbeatOptions(host, defaults));
}
