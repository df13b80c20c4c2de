/**
 * The ledger reads behind a fleet report, each scoped to one organization and bounded: signal
 * counts in the period, open breaches, incidents with their response times, ingest volume.
 *
 * @module
 */

import { sql } from "kysely";
import type { Ledger } from "../db/ledger/mod.ts";
import { toDate } from "../db/ledger/values.ts";
import { SEVERITIES, type Severity, severityRank } from "../signals/types.ts";
import { durationStats, minutesBetween } from "./durations.ts";
import type { FleetReport, TopSignal } from "./model.ts";
import type { ReportWindow } from "./period.ts";

type Db = Pick<Ledger, "db">;

/** Longest list of top signals and top breaches. */
export const TOP_LIMIT = 10;
/** Incidents read per period for MTTA/MTTR (a period with more is measured on the first). */
const MAX_INCIDENT_ROWS = 10_000;

const count = (v: number | string | bigint | null | undefined) => Number(v ?? 0);

function zeroBySeverity(): Record<Severity, number> {
  return Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
}

/** `case` giving critical 0 … info 4 for a severity column, for ordering in SQL. */
function severityOrder(column: string) {
  return sql<number>`case ${
    sql.ref(column)
  } when 'critical' then 0 when 'high' then 1 when 'medium' then 2 when 'low' then 3 else 4 end`;
}

/**
 * Signals observed in the window: totals by severity and the top codes.
 *
 * @example
 * ```ts
 * const { top } = await signalSummary(ledger, org.id, window);
 * top[0]?.code; // "self_integrity_changed"
 * ```
 */
export async function signalSummary(
  ledger: Db,
  orgId: string,
  window: ReportWindow,
): Promise<FleetReport["signals"]> {
  const rows = await ledger.db.selectFrom("signals")
    .select((eb) => [
      "code",
      "severity",
      eb.fn.countAll<number | string | bigint>().as("n"),
      eb.fn.count<number | string | bigint>("host_id").distinct().as("hosts"),
    ])
    .where("org_id", "=", orgId)
    .where("ts", ">=", window.start)
    .where("ts", "<", window.end)
    .groupBy(["code", "severity"])
    .execute();
  const bySeverity = zeroBySeverity();
  const all: TopSignal[] = [];
  for (const row of rows) {
    const n = count(row.n);
    bySeverity[row.severity] += n;
    if (row.severity !== "info") {
      all.push({ code: row.code, severity: row.severity, count: n, hosts: count(row.hosts) });
    }
  }
  all.sort((a, b) =>
    severityRank(b.severity) - severityRank(a.severity) || b.count - a.count ||
    a.code.localeCompare(b.code)
  );
  const total = Object.values(bySeverity).reduce((sum, n) => sum + n, 0);
  return { bySeverity, total, top: all.slice(0, TOP_LIMIT) };
}

/**
 * Open breaches now (count, by severity, the most severe ten) and how many opened in the window.
 *
 * @example
 * ```ts
 * const b = await breachSummary(ledger, org.id, window);
 * b.open; b.top[0]?.hostName;
 * ```
 */
export async function breachSummary(
  ledger: Db,
  orgId: string,
  window: ReportWindow,
): Promise<FleetReport["breaches"]> {
  const [bySeverityRows, opened, top] = await Promise.all([
    ledger.db.selectFrom("breaches")
      .select((eb) => ["severity", eb.fn.countAll<number | string | bigint>().as("n")])
      .where("org_id", "=", orgId).where("state", "=", "open")
      .groupBy("severity").execute(),
    ledger.db.selectFrom("breaches")
      .select((eb) => eb.fn.countAll<number | string | bigint>().as("n"))
      .where("org_id", "=", orgId)
      .where("opened_at", ">=", window.start).where("opened_at", "<", window.end)
      .executeTakeFirst(),
    ledger.db.selectFrom("breaches")
      .innerJoin("hosts", "hosts.id", "breaches.host_id")
      .select([
        "breaches.id",
        "breaches.code",
        "breaches.severity",
        "breaches.title",
        "breaches.opened_at",
        "hosts.name as host_name",
      ])
      .where("breaches.org_id", "=", orgId).where("breaches.state", "=", "open")
      .orderBy(severityOrder("breaches.severity"))
      .orderBy("breaches.opened_at", "desc").orderBy("breaches.id", "desc")
      .limit(TOP_LIMIT).execute(),
  ]);
  const openBySeverity = zeroBySeverity();
  for (const row of bySeverityRows) openBySeverity[row.severity] = count(row.n);
  return {
    open: Object.values(openBySeverity).reduce((sum, n) => sum + n, 0),
    openBySeverity,
    openedInPeriod: count(opened?.n),
    top: top.map((row) => ({
      id: row.id,
      hostName: row.host_name,
      code: row.code,
      severity: row.severity,
      title: row.title,
      openedAt: toDate(row.opened_at).toISOString(),
    })),
  };
}

/**
 * Incidents: open now, opened and resolved in the window, and MTTA / MTTR (acknowledged_at or
 * resolved_at − opened_at) of the incidents acknowledged or resolved in the window.
 *
 * @example
 * ```ts
 * const i = await incidentSummary(ledger, org.id, window);
 * i.mtta.medianMinutes; // null when nothing was acknowledged in the period
 * ```
 */
export async function incidentSummary(
  ledger: Db,
  orgId: string,
  window: ReportWindow,
): Promise<FleetReport["incidents"]> {
  const [states, opened, acked, resolved] = await Promise.all([
    ledger.db.selectFrom("incidents")
      .select((eb) => ["state", eb.fn.countAll<number | string | bigint>().as("n")])
      .where("org_id", "=", orgId).where("state", "in", ["open", "acknowledged"])
      .groupBy("state").execute(),
    ledger.db.selectFrom("incidents")
      .select((eb) => eb.fn.countAll<number | string | bigint>().as("n"))
      .where("org_id", "=", orgId)
      .where("opened_at", ">=", window.start).where("opened_at", "<", window.end)
      .executeTakeFirst(),
    ledger.db.selectFrom("incidents")
      .select(["opened_at", "acknowledged_at"])
      .where("org_id", "=", orgId)
      .where("acknowledged_at", ">=", window.start).where("acknowledged_at", "<", window.end)
      .limit(MAX_INCIDENT_ROWS).execute(),
    ledger.db.selectFrom("incidents")
      .select(["opened_at", "resolved_at"])
      .where("org_id", "=", orgId)
      .where("resolved_at", ">=", window.start).where("resolved_at", "<", window.end)
      .limit(MAX_INCIDENT_ROWS).execute(),
  ]);
  const byState = new Map(states.map((row) => [row.state, count(row.n)]));
  const since = (from: Date | string, to: Date | string | null) =>
    to === null ? Number.NaN : minutesBetween(toDate(from), toDate(to));
  return {
    open: (byState.get("open") ?? 0) + (byState.get("acknowledged") ?? 0),
    unacknowledged: byState.get("open") ?? 0,
    openedInPeriod: count(opened?.n),
    resolvedInPeriod: resolved.length,
    mtta: durationStats(acked.map((row) => since(row.opened_at, row.acknowledged_at))),
    mttr: durationStats(resolved.map((row) => since(row.opened_at, row.resolved_at))),
  };
}

/**
 * Snapshots received in the window: how many, their bytes and how many hosts sent them.
 *
 * @example
 * ```ts
 * (await ingestVolume(ledger, org.id, window)).snapshots;
 * ```
 */
export async function ingestVolume(
  ledger: Db,
  orgId: string,
  window: ReportWindow,
): Promise<FleetReport["ingest"]> {
  const row = await ledger.db.selectFrom("snapshots")
    .select((eb) => [
      eb.fn.countAll<number | string | bigint>().as("n"),
      eb.fn.sum<number | string | bigint | null>("payload_bytes").as("bytes"),
      eb.fn.count<number | string | bigint>("host_id").distinct().as("hosts"),
    ])
    .where("org_id", "=", orgId)
    .where("received_at", ">=", window.start).where("received_at", "<", window.end)
    .executeTakeFirst();
  return { snapshots: count(row?.n), bytes: count(row?.bytes), reportingHosts: count(row?.hosts) };
}
