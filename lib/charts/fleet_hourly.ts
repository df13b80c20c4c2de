/**
 * The organization's hourly counters (`fleet_hourly`): snapshots received and signals observed
 * by severity, per UTC hour. The fleet charts read a few hundred of these rows instead of
 * grouping a million signals per request (measured on SQLite: ~1-2 s for 1M signals over 7
 * days, ~0.2 ms for these rows). Every writer of a snapshot or a signal bumps them in its own
 * transaction: ingest (`lib/ingest/store.ts`), the heartbeat sweep, and remediation's
 * `rollback_failed`.
 *
 * Counters record what happened: deleting a host later does not rewrite them, so the fleet
 * chart can count signals of hosts that are gone (the host charts count the live rows).
 *
 * @module
 */

import { sql } from "kysely";
import type { Ledger } from "../db/ledger/mod.ts";
import { prepared } from "../db/ledger/prepared.ts";
import type { Severity } from "../signals/types.ts";

const HOUR_MS = 3_600_000;

/** The counter of received snapshots. */
export const SNAPSHOTS = "snapshots";

/**
 * The counter name of a severity.
 *
 * @example
 * ```ts
 * signalCounter("high"); // "signals:high"
 * ```
 */
export const signalCounter = (severity: Severity) => `signals:${severity}`;

/**
 * The UTC hour holding `at`.
 *
 * @example
 * ```ts
 * hourStart(new Date("2026-11-25T10:42:07Z")).toISOString(); // "2026-11-25T10:00:00.000Z"
 * ```
 */
export function hourStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

/** What one write adds: a received snapshot (its receive time) and signals (time, severity). */
export interface HourlyInput {
  receivedAt?: Date;
  signals?: ReadonlyArray<{ ts: Date | string; severity: Severity }>;
}

/**
 * The counter increments of one write, keyed and sorted by `hour ISO` then name (one fixed
 * order for every writer, so concurrent transactions take row locks in the same order).
 *
 * @example
 * ```ts
 * hourlyIncrements({ receivedAt: now, signals: [{ ts: now, severity: "high" }] });
 * // [{ bucket: <hour>, name: "signals:high", n: 1 }, { bucket: <hour>, name: "snapshots", n: 1 }]
 * ```
 */
export function hourlyIncrements(input: HourlyInput): { bucket: Date; name: string; n: number }[] {
  const counts = new Map<string, number>();
  const add = (at: Date, name: string) => {
    if (Number.isNaN(at.getTime())) return;
    const key = `${hourStart(at).toISOString()}\n${name}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  if (input.receivedAt) add(input.receivedAt, SNAPSHOTS);
  for (const s of input.signals ?? []) {
    add(s.ts instanceof Date ? s.ts : new Date(s.ts), signalCounter(s.severity));
  }
  return [...counts.keys()].sort().map((key) => {
    const [iso, name] = key.split("\n");
    return { bucket: new Date(iso), name, n: counts.get(key)! };
  });
}

const bump = prepared<{ orgId: string; bucket: Date; name: string; n: number }, never>((db, p) =>
  db.insertInto("fleet_hourly")
    .values({ org_id: p("orgId"), bucket: p("bucket"), name: p("name"), n: p("n") })
    .onConflict((oc) =>
      oc.columns(["org_id", "bucket", "name"]).doUpdateSet({ n: sql`fleet_hourly.n + excluded.n` })
    )
);

/**
 * Adds one write's snapshots and signals to the organization's hourly counters. Call it in the
 * transaction that inserts them (or right after a single-row insert).
 *
 * @example
 * ```ts
 * await noteHourly(tx, host.orgId, { receivedAt: now, signals: signalRows });
 * ```
 */
export async function noteHourly(
  target: Pick<Ledger, "db">,
  orgId: string,
  input: HourlyInput,
): Promise<void> {
  for (const { bucket, name, n } of hourlyIncrements(input)) {
    await bump(target, { orgId, bucket, name, n });
  }
}
