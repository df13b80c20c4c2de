/**
 * Charts (issue 7 item 3, `docs/charts.md`): what the trend charts read, kept small at write
 * time so no chart parses snapshot JSON or counts a million signals per request.
 *
 * - `snapshots.cpu_pct`, `mem_pct`, `disk_pct`, `posture_score`: a per-snapshot summary written
 *   by ingest (`lib/charts/snapshot_metrics.ts`); null for snapshots stored before this
 *   migration (charts show them as gaps: no JSON backfill of possibly millions of rows).
 * - `snapshots (host_id, ts)`: a host's snapshots by collection time (the charts' time axis).
 * - `fleet_hourly (org_id, bucket, name, n)`: per organization and UTC hour, snapshots received
 *   (`snapshots`) and signals observed by severity (`signals:<severity>`), bumped in the
 *   transaction that writes them (`lib/charts/fleet_hourly.ts`). Backfilled here from the last
 *   {@link BACKFILL_DAYS} days (the longest chart period plus a day).
 *
 * @module
 */

import { type Kysely, type RawBuilder, sql } from "kysely";
import type { LedgerDialect } from "../database_url.ts";
import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** How far back the hourly counters are filled from existing rows. */
export const BACKFILL_DAYS = 8;

/** The UTC hour start of a timestamp column, as the column's own type. */
function hourOf(dialect: LedgerDialect, column: string): RawBuilder<unknown> {
  return dialect === "postgres"
    ? sql`date_trunc('hour', ${sql.ref(column)} at time zone 'UTC') at time zone 'UTC'`
    // ISO text as `Date.toISOString()` writes it, so the key equals what ingest binds.
    : sql`substr(${sql.ref(column)}, 1, 13) || ':00:00.000Z'`;
}

async function backfill(db: Kysely<unknown>, dialect: LedgerDialect): Promise<void> {
  const t = ledgerColumnTypes(dialect);
  const since = sql`cast(${new Date(Date.now() - BACKFILL_DAYS * 86_400_000)} as ${
    sql.raw(t.timestamp)
  })`;
  await sql`insert into fleet_hourly (org_id, bucket, name, n)
    select org_id, ${hourOf(dialect, "received_at")}, 'snapshots', count(*) from snapshots
    where received_at >= ${since} group by org_id, ${hourOf(dialect, "received_at")}`.execute(db);
  await sql`insert into fleet_hourly (org_id, bucket, name, n)
    select org_id, ${hourOf(dialect, "ts")}, 'signals:' || severity, count(*) from signals
    where ts >= ${since} group by org_id, ${hourOf(dialect, "ts")}, severity`.execute(db);
}

/** Adds the snapshot summary columns, the index and the hourly counters. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);
    for (const column of ["cpu_pct", "mem_pct", "disk_pct"]) {
      await db.schema.alterTable("snapshots").addColumn(column, "real").execute();
    }
    await db.schema.alterTable("snapshots").addColumn("posture_score", "integer").execute();
    await db.schema.createIndex("snapshots_host_id_ts_idx").on("snapshots")
      .columns(["host_id", "ts"]).execute();
    await db.schema
      .createTable("fleet_hourly")
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn("bucket", t.timestamp, (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("n", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("fleet_hourly_pkey", ["org_id", "bucket", "name"])
      .execute();
    await backfill(db, dialect);
  },
  async down(db) {
    await db.schema.dropTable("fleet_hourly").execute();
    await db.schema.dropIndex("snapshots_host_id_ts_idx").execute();
    for (const column of ["posture_score", "disk_pct", "mem_pct", "cpu_pct"]) {
      await db.schema.alterTable("snapshots").dropColumn(column).execute();
    }
  },
};
