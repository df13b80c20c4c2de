/**
 * The organization's fleet counters (`fleet_counts`): enabled hosts (`hosts`), by posture band
 * (`band:<band>`), by heartbeat (`heartbeat:<state>`), and the latest snapshots' signals by
 * severity (`signals:<severity>`). They change only together with a `host_summaries` row, in
 * the same transaction, by the difference between what the old and the new row contribute
 * ({@link summaryContribution}), so they always equal a recount of the rows
 * ({@link recountFleet}).
 *
 * @module
 */

import { sql } from "kysely";
import type { Ledger } from "../db/ledger/mod.ts";
import { prepared } from "../db/ledger/prepared.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";

/** What a summary row adds to the counters. */
export interface CountedRow {
  enabled: number;
  band: string;
  heartbeat: string;
  critical: number;
  high: number;
  medium: number;
  low: number;
  info: number;
}

/** The counter names, in the order they are written (a fixed order: no lock cycles). */
export const SEVERITY_COUNTERS = ["critical", "high", "medium", "low", "info"] as const;

/**
 * What one row contributes (nothing while disabled or absent).
 *
 * @example
 * ```ts
 * summaryContribution({ enabled: 1, band: "low", heartbeat: "fresh", critical: 0, high: 1, medium: 0, low: 0 });
 * // Map { "hosts" => 1, "band:low" => 1, "heartbeat:fresh" => 1, "signals:high" => 1, … }
 * ```
 */
export function summaryContribution(row: CountedRow | null): Map<string, number> {
  const out = new Map<string, number>();
  if (!row || Number(row.enabled) !== 1) return out;
  out.set("hosts", 1);
  out.set(`band:${row.band}`, 1);
  out.set(`heartbeat:${row.heartbeat}`, 1);
  for (const s of SEVERITY_COUNTERS) out.set(`signals:${s}`, Number(row[s]));
  return out;
}

const bump = prepared<{ orgId: string; name: string; n: number }, never>((db, p) =>
  db.insertInto("fleet_counts").values({ org_id: p("orgId"), name: p("name"), n: p("n") })
    .onConflict((oc) =>
      oc.columns(["org_id", "name"]).doUpdateSet({ n: sql`fleet_counts.n + excluded.n` })
    )
);

/**
 * Moves the counters from what `before` contributed to what `after` does (only the names that
 * change, in name order). Call in the transaction that writes the row.
 *
 * @example
 * ```ts
 * await applyCountDelta(tx, orgId, oldRow, newRow);
 * ```
 */
export async function applyCountDelta(
  tx: LedgerTx,
  orgId: string,
  before: CountedRow | null,
  after: CountedRow | null,
): Promise<void> {
  const delta = summaryContribution(after);
  for (const [name, n] of summaryContribution(before)) delta.set(name, (delta.get(name) ?? 0) - n);
  for (const name of [...delta.keys()].sort()) {
    const n = delta.get(name)!;
    if (n !== 0) await bump(tx, { orgId, name, n });
  }
}

/**
 * The organization's counters by name (missing names are 0).
 *
 * @example
 * ```ts
 * const counts = await fleetCounters(ledger, org.id);
 * counts.get("band:critical") ?? 0;
 * ```
 */
export async function fleetCounters(
  ledger: Pick<Ledger, "db">,
  orgId: string,
): Promise<Map<string, number>> {
  const rows = await ledger.db.selectFrom("fleet_counts").select(["name", "n"])
    .where("org_id", "=", orgId).execute();
  return new Map(rows.map((r) => [r.name, Number(r.n)]));
}

/**
 * The counters recounted from every summary row of the organization (a full scan: for
 * checks and repairs, never per request).
 *
 * @example
 * ```ts
 * const counted = await recountFleet(ledger, org.id); // equals fleetCounters(ledger, org.id)
 * ```
 */
export async function recountFleet(
  ledger: Pick<Ledger, "db">,
  orgId: string,
): Promise<Map<string, number>> {
  const rows = await ledger.db.selectFrom("host_summaries")
    .select(["enabled", "band", "heartbeat", "critical", "high", "medium", "low", "info"])
    .where("org_id", "=", orgId).execute();
  const out = new Map<string, number>();
  for (const row of rows) {
    for (const [name, n] of summaryContribution(row)) out.set(name, (out.get(name) ?? 0) + n);
  }
  return out;
}
