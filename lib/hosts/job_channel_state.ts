/**
 * Whether a host's job channel is connected (agent-protocol Part 5): its host runner polled for
 * jobs within the last 60 s. Job polls are not heartbeats; they are kept as `hosts.last_poll_at`
 * ({@link noteJobPoll}, written at most every {@link JOB_POLL_NOTE_INTERVAL_MS} per host, so a
 * runner long-polling every ≤ 25 s never looks disconnected).
 *
 * @module
 */

import type { Ledger } from "../db/ledger/mod.ts";
import type { Host } from "./host.ts";

/** The channel counts as connected while the latest poll is at most this old (Part 5). */
export const JOB_CHANNEL_CONNECTED_MS = 60_000;
/** A host's poll time is written at most this often: well inside the 60 s window. */
export const JOB_POLL_NOTE_INTERVAL_MS = 10_000;

/** What the console and the API show about a host's job channel. */
export interface JobChannelState {
  connected: boolean;
  /** ISO time of the latest recorded poll; null if the runner never polled. */
  lastPollAt: string | null;
}

/**
 * The job channel's state at `now`.
 *
 * @example
 * ```ts
 * jobChannelState({ lastPollAt: new Date(Date.now() - 5_000) }, new Date());
 * // { connected: true, lastPollAt: "…" }
 * ```
 */
export function jobChannelState(host: Pick<Host, "lastPollAt">, now: Date): JobChannelState {
  const last = host.lastPollAt;
  return {
    connected: last !== null && now.getTime() - last.getTime() <= JOB_CHANNEL_CONNECTED_MS,
    lastPollAt: last?.toISOString() ?? null,
  };
}

/**
 * Records a job poll of `host` at `now`, unless one was recorded in the last
 * {@link JOB_POLL_NOTE_INTERVAL_MS} (one cheap conditional update; never moves backwards).
 *
 * @example
 * ```ts
 * await noteJobPoll(services.ledger, host, services.clock.now());
 * ```
 */
export async function noteJobPoll(
  ledger: Pick<Ledger, "db">,
  host: Pick<Host, "id" | "orgId">,
  now: Date,
): Promise<void> {
  const before = new Date(now.getTime() - JOB_POLL_NOTE_INTERVAL_MS);
  await ledger.db.updateTable("hosts").set({ last_poll_at: now })
    .where("id", "=", host.id).where("org_id", "=", host.orgId)
    .where((eb) => eb.or([eb("last_poll_at", "is", null), eb("last_poll_at", "<=", before)]))
    .execute();
}
