/**
 * Keeping `host_summaries` current as time passes: the rows whose `refresh_at` has passed are
 * recomputed by the heartbeat sweep every minute ({@link refreshDueSummaries}); between two
 * sweeps, readers of the counters add what those few rows would change
 * ({@link dueCountCorrection}), so counts are exact at read time without writing on a read.
 * Rows created by the migration (no `items` yet) read the host's latest state from KV once.
 *
 * @module
 */

import { writeTransaction } from "../db/ledger/transaction.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import { toDateOrNull } from "../db/ledger/values.ts";
import type { Services } from "../services.ts";
import { type HostState, latestHostStates } from "../ingest/latest_state.ts";
import { type CountedRow, summaryContribution } from "./fleet_counts.ts";
import { hostHeartbeat } from "./host_heartbeat.ts";
import { postureOfItems } from "./summary_posture.ts";
import {
  parseItems,
  rowFor,
  type RowValues,
  severityCounts,
  type SummaryRow,
  writeSummary,
} from "./summary_rows.ts";

/** Rows recomputed per transaction. */
const REFRESH_BATCH = 500;
/**
 * Due rows a reader corrects the counters for; past this (thousands of hosts changing within
 * the same minute, say a network outage), counts are as of the last sweep, at most a minute old.
 */
export const DUE_CORRECTION_LIMIT = 200;

type RefreshServices = Pick<Services, "ledger" | "kv"> & {
  config: Pick<Services["config"], "heartbeat">;
};

/** A due row, with the host columns recomputing it needs. */
type DueRow = SummaryRow & {
  name: string;
  h_group: string | null;
  h_tags: string;
  last_seen_at: Date | string | null;
  heartbeat_expected_minutes: number | null;
};

function dueQuery(ledger: Pick<Ledger, "db">, orgId: string, now: Date) {
  return ledger.db.selectFrom("host_summaries as s").innerJoin("hosts as h", "h.id", "s.host_id")
    .selectAll("s")
    .select(["h.name", "h.group_name as h_group", "h.tags as h_tags", "h.last_seen_at"])
    .select("h.heartbeat_expected_minutes")
    .where("s.org_id", "=", orgId).where("s.refresh_at", "<=", now);
}

/** Latest KV states of the rows that have no items yet (created by the migration). */
async function statesFor(
  services: Pick<Services, "kv">,
  orgId: string,
  rows: readonly Pick<SummaryRow, "host_id" | "items">[],
): Promise<Map<string, HostState>> {
  const unknown = rows.filter((r) => r.items === null).map((r) => r.host_id);
  return unknown.length === 0 ? new Map() : await latestHostStates(services.kv, orgId, unknown);
}

/** The old row and what it is at `now`. */
function recompute(
  row: DueRow,
  state: HostState | undefined,
  now: Date,
  services: RefreshServices,
): { old: SummaryRow; next: RowValues } {
  const { name, h_group, h_tags, last_seen_at, heartbeat_expected_minutes, ...old } = row;
  const items = parseItems(old.items) ?? state?.signals.items ?? [];
  const snapshotTs = old.items === null && state
    ? new Date(state.ts)
    : toDateOrNull(old.snapshot_ts);
  const next = rowFor(
    {
      host_id: old.host_id,
      org_id: old.org_id,
      enabled: Number(old.enabled),
      slug: old.slug,
      search: `${name.toLowerCase()}\n${old.slug}`,
      group_name: h_group,
      tags: h_tags,
    },
    { items, snapshotId: old.snapshot_id ?? state?.snapshotId ?? null, snapshotTs },
    {
      lastSeenAt: toDateOrNull(last_seen_at),
      heartbeatExpectedMinutes: heartbeat_expected_minutes === null
        ? null
        : Number(heartbeat_expected_minutes),
    },
    now,
    services.config.heartbeat,
  );
  return { old, next };
}

/**
 * Recomputes the rows whose `refresh_at` has passed, of one organization or of all (at most
 * `maxRows`), 500 per transaction. Returns how many rows it recomputed.
 *
 * @example
 * ```ts
 * await refreshDueSummaries(services, services.clock.now());
 * ```
 */
export async function refreshDueSummaries(
  services: RefreshServices,
  now: Date,
  opts: { orgId?: string; maxRows?: number } = {},
): Promise<number> {
  const maxRows = opts.maxRows ?? 50_000;
  const orgIds = opts.orgId !== undefined
    ? [opts.orgId]
    : (await services.ledger.db.selectFrom("orgs").select("id").orderBy("id").execute())
      .map((o) => o.id);
  let done = 0;
  for (const orgId of orgIds) {
    while (done < maxRows) {
      const due = await services.ledger.db.selectFrom("host_summaries")
        .select(["host_id", "items"]).where("org_id", "=", orgId).where("refresh_at", "<=", now)
        .orderBy("refresh_at").limit(REFRESH_BATCH).execute();
      if (due.length === 0) break;
      const states = await statesFor(services, orgId, due);
      const changed = await writeTransaction(services.ledger, async (tx) => {
        let query = dueQuery(tx, orgId, now).where("s.host_id", "in", due.map((r) => r.host_id));
        if (tx.dialect === "postgres") query = query.forUpdate().skipLocked();
        const rows = await query.execute();
        for (const row of rows) {
          const { old, next } = recompute(row, states.get(row.host_id), now, services);
          await writeSummary(tx, old, next);
        }
        return rows.length;
      });
      done += changed;
      // Rows locked by another instance (Postgres) are left to it.
      if (due.length < REFRESH_BATCH || changed === 0) break;
    }
  }
  return done;
}

/**
 * What the organization's counters would change by if its due rows (at most `limit`, oldest
 * first) were recomputed now: add it to `fleetCounters` for counts exact at `now`. Reads only.
 *
 * @example
 * ```ts
 * const fix = await dueCountCorrection(services, org.id, now);
 * const fresh = (counts.get("heartbeat:fresh") ?? 0) + (fix.get("heartbeat:fresh") ?? 0);
 * ```
 */
export async function dueCountCorrection(
  services: RefreshServices,
  orgId: string,
  now: Date,
  limit = DUE_CORRECTION_LIMIT,
): Promise<Map<string, number>> {
  const rows = await dueQuery(services.ledger, orgId, now).orderBy("s.refresh_at").limit(limit)
    .execute();
  const states = await statesFor(services, orgId, rows);
  const delta = new Map<string, number>();
  const add = (row: CountedRow | null, sign: 1 | -1) => {
    for (const [name, n] of summaryContribution(row)) {
      delta.set(name, (delta.get(name) ?? 0) + sign * n);
    }
  };
  for (const row of rows) {
    const state = states.get(row.host_id);
    const items = parseItems(row.items) ?? state?.signals.items ?? [];
    const snapshotTs = row.items === null && state
      ? new Date(state.ts)
      : toDateOrNull(row.snapshot_ts);
    const host = {
      lastSeenAt: toDateOrNull(row.last_seen_at),
      heartbeatExpectedMinutes: row.heartbeat_expected_minutes === null
        ? null
        : Number(row.heartbeat_expected_minutes),
    };
    // Counters only: band and heartbeat now (one evaluation, no search), counts as stored.
    const heartbeat = hostHeartbeat(host, now, services.config.heartbeat);
    const band = postureOfItems(items, snapshotTs, heartbeat, now).band;
    const counts = row.items === null ? severityCounts(items) : row;
    add(row, -1);
    add({
      enabled: Number(row.enabled),
      band,
      heartbeat: heartbeat.state,
      critical: Number(counts.critical),
      high: Number(counts.high),
      medium: Number(counts.medium),
      low: Number(counts.low),
      info: Number(counts.info),
    }, 1);
  }
  return delta;
}
