/**
 * `host_summaries`: per host, what the fleet overview sorts, filters and shows, maintained
 * incrementally so the overview never reads every host or its KV state:
 *
 * - a new host gets its row with the registry insert ({@link insertHostSummary}), a deleted
 *   or disabled host drops out ({@link deleteHostSummary}, {@link setHostSummaryEnabled});
 * - every stored snapshot updates its host's row in the snapshot's own transaction
 *   ({@link noteSnapshotSummary}, called by ingest);
 * - time alone (decay, heartbeat thresholds) changes a posture only at known moments, stored
 *   as `refresh_at`; the heartbeat sweep recomputes the rows that are due
 *   (`refreshDueSummaries`, `summary_refresh.ts`), which also fills in rows created before
 *   this table existed, and readers of the counters add what the few rows due right now
 *   would change (`dueCountCorrection`).
 *
 * Every row change moves the organization's counters by its difference
 * (`fleet_counts.ts`), in the same transaction.
 *
 * @module
 */

import type { LedgerTx } from "../db/ledger/transaction.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";
import { DEFAULT_HEARTBEAT, type HeartbeatOptions } from "../signals/heartbeat.ts";
import type { HostState } from "../ingest/latest_state.ts";
import type { Host } from "./host.ts";
import { applyCountDelta } from "./fleet_counts.ts";
import { listingOf, parseItems, rowFor, summaryOf, writeSummary } from "./summary_rows.ts";

export { listingOf, parseItems, type SummaryRow } from "./summary_rows.ts";
export { dueCountCorrection, refreshDueSummaries } from "./summary_refresh.ts";

/**
 * The row of a host just registered (never seen: heartbeat missing, no snapshot). Call in the
 * registry's insert transaction.
 *
 * @example
 * ```ts
 * await insertHostSummary(tx, host, now);
 * ```
 */
export async function insertHostSummary(tx: LedgerTx, host: Host, now: Date): Promise<void> {
  const next = rowFor(
    { host_id: host.id, org_id: host.orgId, enabled: host.disabledAt ? 0 : 1, ...listingOf(host) },
    { items: [], snapshotId: null, snapshotTs: null },
    host,
    now,
    DEFAULT_HEARTBEAT,
  );
  await writeSummary(tx, null, next);
}

/**
 * Forgets a host's row (and its part of the counters). Call before deleting the host.
 *
 * @example
 * ```ts
 * await deleteHostSummary(tx, hostId);
 * ```
 */
export async function deleteHostSummary(tx: LedgerTx, hostId: string): Promise<void> {
  const old = (await summaryOf(tx, { hostId })).rows[0];
  if (!old) return;
  await tx.db.deleteFrom("host_summaries").where("host_id", "=", hostId).execute();
  await applyCountDelta(tx, old.org_id, old, null);
}

/**
 * A disabled host leaves the overview's counters; re-enabled, it comes back.
 *
 * @example
 * ```ts
 * await setHostSummaryEnabled(tx, hostId, false);
 * ```
 */
export async function setHostSummaryEnabled(
  tx: LedgerTx,
  hostId: string,
  enabled: boolean,
): Promise<void> {
  const old = (await summaryOf(tx, { hostId })).rows[0];
  if (!old || (Number(old.enabled) === 1) === enabled) return;
  await writeSummary(tx, old, {
    ...old,
    enabled: enabled ? 1 : 0,
    seen_at: toDate(old.seen_at),
    snapshot_ts: toDateOrNull(old.snapshot_ts),
    refresh_at: toDateOrNull(old.refresh_at),
    updated_at: toDate(old.updated_at),
  });
}

/**
 * After a registry edit: the listing columns follow the edited host, and the row is due for
 * recomputing (the host's own heartbeat interval may have changed).
 *
 * @example
 * ```ts
 * await hostSummaryEdited(tx, updatedHost);
 * ```
 */
export async function hostSummaryEdited(tx: LedgerTx, host: Host): Promise<void> {
  await tx.db.updateTable("host_summaries").set({ ...listingOf(host), refresh_at: new Date(0) })
    .where("host_id", "=", host.id).execute();
}

/**
 * In a new snapshot's transaction: the host's row from that snapshot (when it is the newest)
 * and a heartbeat that is fresh as of `now`.
 *
 * @example
 * ```ts
 * await noteSnapshotSummary(tx, { host, snapshotId, state, now, heartbeat: config.heartbeat });
 * ```
 */
export async function noteSnapshotSummary(
  tx: LedgerTx,
  input: {
    host: Pick<
      Host,
      | "id"
      | "orgId"
      | "name"
      | "slug"
      | "group"
      | "tags"
      | "disabledAt"
      | "heartbeatExpectedMinutes"
    >;
    snapshotId: string;
    state: Pick<HostState, "ts" | "signals">;
    now: Date;
    heartbeat: HeartbeatOptions;
  },
): Promise<void> {
  const { host, now } = input;
  const old = (await summaryOf(tx, { hostId: host.id })).rows[0] ?? null;
  const ts = new Date(input.state.ts);
  const oldTs = old ? toDateOrNull(old.snapshot_ts) : null;
  const oldItems = old ? parseItems(old.items) : null;
  const newer = !oldTs || oldItems === null || ts.getTime() >= oldTs.getTime();
  const latest = newer
    ? { items: input.state.signals.items, snapshotId: input.snapshotId, snapshotTs: ts }
    : { items: oldItems!, snapshotId: old!.snapshot_id, snapshotTs: oldTs };
  const next = rowFor(
    {
      host_id: host.id,
      org_id: host.orgId,
      enabled: old ? Number(old.enabled) : host.disabledAt ? 0 : 1,
      ...listingOf(host),
    },
    latest,
    { lastSeenAt: now, heartbeatExpectedMinutes: host.heartbeatExpectedMinutes },
    now,
    input.heartbeat,
  );
  await writeSummary(tx, old, next);
}
