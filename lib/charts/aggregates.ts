/**
 * Ledger aggregates behind the charts, on both dialects, each one indexed and bounded:
 *
 * | aggregate | reads | index | bound |
 * | --- | --- | --- | --- |
 * | {@link hostVitals} (CPU, memory, disk, posture) | `snapshots` summary columns | `(host_id, ts)` | newest {@link MAX_ROWS} rows of the window |
 * | {@link hostSeverities} | `signals` | `(host_id, ts, id)` | newest {@link MAX_ROWS} rows of the window |
 * | {@link fleetHourly} (severities, ingest rate) | `fleet_hourly` counters | primary key | one row per hour and counter |
 *
 * The host aggregates group by UTC hour in SQL (`substr(ts, 1, 13)` on SQLite's ISO text,
 * `to_char(ts at time zone 'UTC', …)` on Postgres: the same key on both), and hours fold into
 * the window's buckets here. When the bound cuts a window, the result says `truncated` and the
 * oldest buckets are partial. The fleet reads counters maintained at write time
 * (`fleet_hourly.ts`): grouping every signal of a large fleet per request is far too slow.
 *
 * @module
 */

import { type RawBuilder, sql } from "kysely";
import type { Ledger, LedgerDialect } from "../db/ledger/mod.ts";
import { toDate } from "../db/ledger/values.ts";
import { SEVERITIES, type Severity } from "../signals/types.ts";
import { bucketIndex, type ChartWindow } from "./period.ts";
import { signalCounter, SNAPSHOTS } from "./fleet_hourly.ts";

/** Most rows one host aggregate reads (a host pushing every 15 s for 7 days: ~40,000). */
export const MAX_ROWS = 50_000;

/** What the aggregates run on. */
export type ChartLedger = Pick<Ledger, "db" | "dialect">;

/** A host, as resolved within its organization (e.g. by `hostOr404`). */
export interface ChartHost {
  id: string;
  orgId: string;
}

/** Host vitals and posture per bucket; null where no snapshot reported the value. */
export interface VitalsSeries {
  /** Average CPU % used. */
  cpu: (number | null)[];
  /** Average memory % used. */
  memory: (number | null)[];
  /** Average root-disk % used. */
  disk: (number | null)[];
  /** Highest (worst) posture score. */
  posture: (number | null)[];
  /** Snapshots per bucket. */
  snapshots: number[];
  truncated: boolean;
}

/** Signal counts per severity and bucket. */
export type SeveritySeries = Record<Severity, number[]> & { truncated: boolean };

/** Fleet counters per bucket. */
export interface FleetSeries {
  severities: SeveritySeries;
  /** Snapshots received per bucket. */
  snapshots: number[];
}

/**
 * The UTC hour of a timestamp column as `YYYY-MM-DDTHH`, the same text on both dialects.
 *
 * @example
 * ```ts
 * const hour = hourKey(ledger.dialect, "s.ts");
 * db.selectFrom(rows.as("s")).select([hour.as("hour"), sql`count(*)`.as("n")]).groupBy(hour);
 * ```
 */
export function hourKey(dialect: LedgerDialect, column: string): RawBuilder<string> {
  return dialect === "postgres"
    ? sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24')`
    : sql<string>`substr(${sql.ref(column)}, 1, 13)`;
}

const hourStartIso = (key: string) => `${key}:00:00.000Z`;
const zeros = (n: number) => Array.from({ length: n }, () => 0);
const round1 = (n: number) => Math.round(n * 10) / 10;

function emptySeverities(n: number): SeveritySeries {
  const out = { truncated: false } as SeveritySeries;
  for (const s of SEVERITIES) out[s] = zeros(n);
  return out;
}

/**
 * A host's CPU, memory and disk averages and its worst posture score per bucket, from the
 * snapshot summary columns (null for snapshots stored before those columns existed).
 *
 * @example
 * ```ts
 * const w = chartWindow("24h", services.clock.now());
 * const vitals = await hostVitals(services.ledger, host, w);
 * vitals.cpu.length; // 24
 * ```
 */
export async function hostVitals(
  ledger: ChartLedger,
  host: ChartHost,
  window: ChartWindow,
  maxRows = MAX_ROWS,
): Promise<VitalsSeries> {
  const newest = ledger.db.selectFrom("snapshots")
    .select(["ts", "cpu_pct", "mem_pct", "disk_pct", "posture_score"])
    .where("org_id", "=", host.orgId).where("host_id", "=", host.id)
    .where("ts", ">=", window.from).where("ts", "<", window.to)
    .orderBy("ts", "desc").limit(maxRows);
  const hour = hourKey(ledger.dialect, "s.ts");
  // Summed as doubles (Postgres sums `real` as `real`, 7 digits).
  const double = sql.raw(ledger.dialect === "postgres" ? "double precision" : "real");
  const sum = (column: string) => sql<number | null>`sum(cast(${sql.ref(column)} as ${double}))`;
  const rows = await ledger.db.selectFrom(newest.as("s")).select([
    hour.as("hour"),
    sql<number | string>`count(*)`.as("n"),
    sql<number | string>`count(s.cpu_pct)`.as("cpu_n"),
    sum("s.cpu_pct").as("cpu_sum"),
    sql<number | string>`count(s.mem_pct)`.as("mem_n"),
    sum("s.mem_pct").as("mem_sum"),
    sql<number | string>`count(s.disk_pct)`.as("disk_n"),
    sum("s.disk_pct").as("disk_sum"),
    sql<number | null>`max(s.posture_score)`.as("posture_max"),
  ]).groupBy(hour).execute();

  const n = window.starts.length;
  const acc = {
    cpu: { sum: zeros(n), n: zeros(n) },
    memory: { sum: zeros(n), n: zeros(n) },
    disk: { sum: zeros(n), n: zeros(n) },
  };
  const posture: (number | null)[] = Array.from({ length: n }, () => null);
  const snapshots = zeros(n);
  let total = 0;
  for (const row of rows) {
    const i = bucketIndex(window, hourStartIso(row.hour));
    const count = Number(row.n);
    total += count;
    if (i < 0) continue;
    snapshots[i] += count;
    const parts = [
      [acc.cpu, row.cpu_sum, row.cpu_n],
      [acc.memory, row.mem_sum, row.mem_n],
      [acc.disk, row.disk_sum, row.disk_n],
    ] as const;
    for (const [into, s, k] of parts) {
      if (s === null || Number(k) === 0) continue;
      into.sum[i] += Number(s);
      into.n[i] += Number(k);
    }
    if (row.posture_max !== null) {
      posture[i] = Math.max(posture[i] ?? 0, Number(row.posture_max));
    }
  }
  const average = (a: { sum: number[]; n: number[] }) =>
    a.sum.map((s, i) => (a.n[i] > 0 ? round1(s / a.n[i]) : null));
  return {
    cpu: average(acc.cpu),
    memory: average(acc.memory),
    disk: average(acc.disk),
    posture,
    snapshots,
    truncated: total >= maxRows,
  };
}

/**
 * A host's signals per severity and bucket (every stored signal: snapshot findings, heartbeat
 * and remediation signals).
 *
 * @example
 * ```ts
 * const bySeverity = await hostSeverities(services.ledger, host, chartWindow("7d", now));
 * bySeverity.critical; // 28 counts, oldest bucket first
 * ```
 */
export async function hostSeverities(
  ledger: ChartLedger,
  host: ChartHost,
  window: ChartWindow,
  maxRows = MAX_ROWS,
): Promise<SeveritySeries> {
  const newest = ledger.db.selectFrom("signals").select(["ts", "severity"])
    .where("org_id", "=", host.orgId).where("host_id", "=", host.id)
    .where("ts", ">=", window.from).where("ts", "<", window.to)
    .orderBy("ts", "desc").limit(maxRows);
  const hour = hourKey(ledger.dialect, "s.ts");
  const rows = await ledger.db.selectFrom(newest.as("s"))
    .select([hour.as("hour"), "s.severity", sql<number | string>`count(*)`.as("n")])
    .groupBy([hour, "s.severity"]).execute();
  const out = emptySeverities(window.starts.length);
  let total = 0;
  for (const row of rows) {
    const count = Number(row.n);
    total += count;
    const i = bucketIndex(window, hourStartIso(row.hour));
    if (i >= 0 && Object.hasOwn(out, row.severity)) out[row.severity][i] += count;
  }
  out.truncated = total >= maxRows;
  return out;
}

/**
 * The organization's signals per severity and snapshots received, per bucket, from the hourly
 * counters.
 *
 * @example
 * ```ts
 * const fleet = await fleetHourly(services.ledger, org.id, chartWindow("24h", now));
 * fleet.snapshots; // 24 counts, oldest bucket first
 * ```
 */
export async function fleetHourly(
  ledger: ChartLedger,
  orgId: string,
  window: ChartWindow,
): Promise<FleetSeries> {
  const rows = await ledger.db.selectFrom("fleet_hourly").select(["bucket", "name", "n"])
    .where("org_id", "=", orgId)
    .where("bucket", ">=", window.from).where("bucket", "<", window.to)
    .execute();
  const severities = emptySeverities(window.starts.length);
  const snapshots = zeros(window.starts.length);
  const bySeverity = new Map<string, number[]>(
    SEVERITIES.map((s) => [signalCounter(s), severities[s]]),
  );
  for (const row of rows) {
    const i = bucketIndex(window, toDate(row.bucket));
    if (i < 0) continue;
    const into = row.name === SNAPSHOTS ? snapshots : bySeverity.get(row.name);
    if (into) into[i] += Number(row.n);
  }
  return { severities, snapshots };
}
