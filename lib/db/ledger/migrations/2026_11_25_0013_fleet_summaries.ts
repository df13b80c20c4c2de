/**
 * The fleet at scale (issue 7 item 2): `host_summaries`, one row per host with what the fleet
 * overview sorts, filters and shows (posture score and band, heartbeat state, the latest
 * snapshot's signal counts), maintained incrementally by ingest and by the heartbeat sweep
 * (`lib/hosts/summary.ts`), and `fleet_counts`, the organization's counters (hosts by band and
 * heartbeat, latest signals by severity) changed by the same writes. The overview then reads
 * one indexed page and a handful of counters instead of every host and its KV state.
 *
 * Existing hosts get a placeholder row that is due at once (`refresh_at` in the past, `items`
 * null: "read the latest state from KV"), and the counters are counted from those rows, so
 * the first sweep after the upgrade (or `deno task demo:seed`) fills in the real values.
 *
 * Also `breaches (org_id, state, id)` and `(host_id, state, id)` (was `(host_id, state)`): the
 * breach list filtered by state, the fleet's or one host's, newest first, reads one index range
 * instead of sorting every breach in that state. And the timeline's order
 * `(ts desc, id desc)` straight from an index: `signals (org_id, ts)`, `(host_id, ts)` and
 * `(host_id, code, ts)` get `id` appended (the same number of indexes on the ingest path; with
 * `ts` last SQLite sorted each page's ties in a temp b-tree and ran the dedupe check on five
 * times the rows: 19 → 4 ms at 1,000,000 signals, and walked a host's every signal to count a
 * run). Rebuilding them takes a while on a large ledger (about 20 s per million signals each on
 * a busy 2-core machine), once.
 *
 * @module
 */

import { sql } from "kysely";
import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** The `signals (…, ts)` indexes that get `id` appended. */
const SIGNAL_INDEX_LEADS = [["org_id"], ["host_id"], ["host_id", "code"]] as const;

/** Creates the summary and counter tables, their indexes, and backfills them. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);
    await db.schema
      .createTable("host_summaries")
      .addColumn(
        "host_id",
        "text",
        (c) => c.primaryKey().references("hosts.id").onDelete("cascade"),
      )
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn("slug", "text", (c) => c.notNull())
      // What the overview filters on, copied from `hosts` so no filter needs the join:
      // `lower(name) || '\n' || slug` for search, the group, the tags (JSON, as in `hosts`), and
      // the last push (the epoch for a host never seen, so the column sorts without nulls).
      .addColumn("search", "text", (c) => c.notNull())
      .addColumn("group_name", "text")
      .addColumn("tags", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("seen_at", t.timestamp, (c) => c.notNull())
      .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
      .addColumn("score", "integer", (c) => c.notNull())
      .addColumn("band", "text", (c) => c.notNull())
      .addColumn("heartbeat", "text", (c) => c.notNull())
      .addColumn("critical", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("high", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("medium", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("low", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("info", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("snapshot_id", "text")
      .addColumn("snapshot_ts", t.timestamp)
      // JSON [{code, severity, count}] of the latest snapshot; null: unknown yet (read KV).
      .addColumn("items", "text")
      // When the stored posture or heartbeat may next change with time alone; null: never.
      .addColumn("refresh_at", t.timestamp)
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addCheckConstraint(
        "host_summaries_band_check",
        sql`band in ('low', 'guarded', 'elevated', 'critical')`,
      )
      .addCheckConstraint(
        "host_summaries_heartbeat_check",
        sql`heartbeat in ('fresh', 'delayed', 'stale', 'missing')`,
      )
      .execute();
    for (
      const [name, columns] of [
        // Name order, and (covering) the search, so a search reads only this index.
        ["host_summaries_org_id_enabled_slug_search_idx", ["org_id", "enabled", "slug", "search"]],
        ["host_summaries_org_id_band_slug_idx", ["org_id", "band", "slug"]],
        ["host_summaries_org_id_score_slug_idx", ["org_id", "score desc", "slug"]],
        ["host_summaries_org_id_seen_at_slug_idx", ["org_id", "seen_at desc", "slug"]],
        ["host_summaries_org_id_group_name_slug_idx", ["org_id", "group_name", "slug"]],
        ["host_summaries_org_id_band_score_slug_idx", ["org_id", "band", "score desc", "slug"]],
        ["host_summaries_org_id_refresh_at_idx", ["org_id", "refresh_at"]],
      ] as const
    ) {
      await db.schema.createIndex(name).on("host_summaries").columns([...columns]).execute();
    }

    await db.schema
      .createTable("fleet_counts")
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("n", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("fleet_counts_pkey", ["org_id", "name"])
      .execute();

    await db.schema.createIndex("breaches_org_id_state_id_idx").on("breaches")
      .columns(["org_id", "state", "id"]).execute();
    await db.schema.createIndex("breaches_host_id_state_id_idx").on("breaches")
      .columns(["host_id", "state", "id"]).execute();
    await db.schema.dropIndex("breaches_host_id_state_idx").execute();
    for (const lead of SIGNAL_INDEX_LEADS) {
      await db.schema.createIndex(`signals_${lead.join("_")}_ts_id_idx`).on("signals")
        .columns([...lead, "ts", "id"]).execute();
      await db.schema.dropIndex(`signals_${lead.join("_")}_ts_idx`).execute();
    }

    const now = new Date();
    const ts = (d: Date) => sql`cast(${d} as ${sql.raw(t.timestamp)})`;
    await sql`insert into host_summaries (host_id, org_id, slug, search, group_name, tags,
        seen_at, enabled, score, band, heartbeat, snapshot_ts, items, refresh_at, updated_at)
      select id, org_id, slug, lower(name) || ${sql.lit("\n")} || slug, group_name, tags,
        coalesce(last_seen_at, ${ts(new Date(0))}),
        case when disabled_at is null then 1 else 0 end, 0, 'low', 'missing', last_snapshot_at,
        null, ${ts(new Date(0))}, ${ts(now)}
      from hosts`.execute(db);
    for (const [prefix, column] of [["band:", "band"], ["heartbeat:", "heartbeat"]] as const) {
      await sql`insert into fleet_counts (org_id, name, n)
        select org_id, ${sql.lit(prefix)} || ${sql.ref(column)}, count(*) from host_summaries
        where enabled = 1 group by org_id, ${sql.ref(column)}`.execute(db);
    }
    await sql`insert into fleet_counts (org_id, name, n)
      select org_id, 'hosts', count(*) from host_summaries where enabled = 1 group by org_id`
      .execute(db);
  },
  async down(db) {
    for (const lead of SIGNAL_INDEX_LEADS) {
      await db.schema.createIndex(`signals_${lead.join("_")}_ts_idx`).on("signals")
        .columns([...lead, "ts"]).execute();
      await db.schema.dropIndex(`signals_${lead.join("_")}_ts_id_idx`).execute();
    }
    await db.schema.createIndex("breaches_host_id_state_idx").on("breaches")
      .columns(["host_id", "state"]).execute();
    await db.schema.dropIndex("breaches_host_id_state_id_idx").execute();
    await db.schema.dropIndex("breaches_org_id_state_id_idx").execute();
    await db.schema.dropTable("fleet_counts").execute();
    await db.schema.dropTable("host_summaries").execute();
  },
};
