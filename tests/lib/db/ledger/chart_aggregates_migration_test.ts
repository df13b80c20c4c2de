/**
 * The chart aggregates migration on a ledger that already has snapshots and signals: the hourly
 * counters are filled from the last days only (same keys as ingest writes, both dialects), old
 * snapshots get null summary columns, and its down() drops what it added.
 */
import assert from "node:assert/strict";
import type { Kysely } from "kysely";
import { migrateToLatest } from "@/lib/db/ledger/mod.ts";
import { ledgerMigrations } from "@/lib/db/ledger/migrations/index.ts";
import { toDate } from "@/lib/db/ledger/values.ts";
import { hourStart, noteHourly } from "@/lib/charts/fleet_hourly.ts";
import { forEachLedger } from "../../../support/ledgers.ts";

const NAME = "2026_11_25_0014_chart_aggregates";
const before = Object.fromEntries(
  Object.entries(ledgerMigrations).filter(([name]) => name < NAME),
);

forEachLedger(
  "[db] chart aggregates migration: bounded backfill, null summaries, down()",
  async (ledger) => {
    await migrateToLatest(ledger, before);
    // The backfill window is relative to the real clock: rows an hour old and a month old.
    const recent = new Date(Date.now() - 3_600_000);
    const old = new Date(Date.now() - 30 * 86_400_000);
    await ledger.db.insertInto("orgs").values({
      id: "o1",
      slug: "acme",
      name: "A",
      created_at: old,
    })
      .execute();
    await ledger.db.insertInto("hosts").values({
      id: "h1",
      org_id: "o1",
      name: "web-1",
      slug: "web-1",
      created_at: old,
    }).execute();
    const snapshot = (id: string, at: Date) => ({
      id,
      org_id: "o1",
      host_id: "h1",
      ts: at,
      received_at: at,
      payload_hash: id,
      payload_bytes: 2,
      ok: 1,
      base: "{}",
      alerts_count: 0,
      public_ports_count: 0,
    });
    await ledger.db.insertInto("snapshots").values([
      snapshot("s1", recent),
      snapshot("s2", recent),
      snapshot("s3", old),
    ]).execute();
    const signal = (id: string, at: Date, severity: "high" | "low") => ({
      id,
      org_id: "o1",
      host_id: "h1",
      snapshot_id: "s1",
      code: "c",
      severity,
      title: "t",
      detail: "d",
      ts: at,
      source: "alert",
      fingerprint: id,
      created_at: at,
    });
    await ledger.db.insertInto("signals").values([
      signal("g1", recent, "high"),
      signal("g2", recent, "high"),
      signal("g3", old, "low"),
    ]).execute();

    await migrateToLatest(ledger);
    const rows = await ledger.db.selectFrom("fleet_hourly").selectAll().orderBy("name").execute();
    const hour = hourStart(recent).toISOString();
    assert.deepEqual(
      rows.map((r) => [r.org_id, toDate(r.bucket).toISOString(), r.name, Number(r.n)]),
      [["o1", hour, "signals:high", 2], ["o1", hour, "snapshots", 2]],
    );
    // Ingest after the upgrade adds to the backfilled rows (same key on both dialects).
    await noteHourly(ledger, "o1", { signals: [{ ts: recent, severity: "high" }] });
    const high = await ledger.db.selectFrom("fleet_hourly").select("n")
      .where("name", "=", "signals:high").execute();
    assert.deepEqual(high.map((r) => Number(r.n)), [3]);
    const s1 = await ledger.db.selectFrom("snapshots")
      .select(["cpu_pct", "mem_pct", "disk_pct", "posture_score"]).where("id", "=", "s1")
      .executeTakeFirstOrThrow();
    assert.deepEqual({ ...s1 }, {
      cpu_pct: null,
      mem_pct: null,
      disk_pct: null,
      posture_score: null,
    });

    await ledgerMigrations[NAME].down!(ledger.db as unknown as Kysely<unknown>, ledger.dialect);
    await assert.rejects(ledger.db.selectFrom("fleet_hourly").selectAll().execute());
    await assert.rejects(ledger.db.selectFrom("snapshots").select("cpu_pct").execute());
  },
  { migrate: false },
);
