/**
 * The fleet summaries migration on a ledger that already has hosts: every host gets a due
 * placeholder row, the counters are counted from them, and the first refresh fills in the real
 * posture from the KV latest state (both dialects). Its down() drops what it added.
 */
import assert from "node:assert/strict";
import type { Kysely } from "kysely";
import { migrateToLatest, migrationStatus } from "@/lib/db/ledger/mod.ts";
import { ledgerMigrations } from "@/lib/db/ledger/migrations/index.ts";
import { hostStateKey } from "@/lib/db/kv.ts";
import { hostStateOf } from "@/lib/ingest/latest_state.ts";
import { fleetCounters, recountFleet } from "@/lib/hosts/fleet_counts.ts";
import { refreshDueSummaries } from "@/lib/hosts/summary.ts";
import { DEFAULT_HEARTBEAT } from "@/lib/signals/heartbeat.ts";
import { forEachLedger } from "../../../support/ledgers.ts";
import { parsedSnapshot, signal } from "../../../support/hosts.ts";

const NOW = new Date("2026-11-25T10:00:00.000Z");
const NAME = "2026_11_25_0013_fleet_summaries";
const before = Object.fromEntries(
  Object.entries(ledgerMigrations).filter(([name]) => name < NAME),
);

const host = (id: string, slug: string, extra: Record<string, unknown> = {}) => ({
  id,
  org_id: "o1",
  name: slug.toUpperCase(),
  slug,
  tags: '["prod"]',
  scopes: "[]",
  created_at: NOW,
  ...extra,
});

forEachLedger(
  "[db] fleet summaries migration: backfill, counters, first refresh",
  async (ledger) => {
    await migrateToLatest(ledger, before);
    await ledger.db.insertInto("orgs").values({
      id: "o1",
      slug: "acme",
      name: "acme",
      created_at: NOW,
    })
      .execute();
    await ledger.db.insertInto("hosts").values([
      host("h1", "web-1", { last_seen_at: NOW, last_snapshot_at: NOW }),
      host("h2", "db-1", { group_name: "data" }),
      host("h3", "old-1", { disabled_at: NOW }),
    ]).execute();
    await migrateToLatest(ledger);
    assert.equal((await migrationStatus(ledger)).current, true);

    const rows = await ledger.db.selectFrom("host_summaries").selectAll().orderBy("host_id")
      .execute();
    assert.deepEqual(
      rows.map((r) => [r.host_id, r.slug, r.search, r.group_name, Number(r.enabled), r.items]),
      [
        ["h1", "web-1", "web-1\nweb-1", null, 1, null],
        ["h2", "db-1", "db-1\ndb-1", "data", 1, null],
        ["h3", "old-1", "old-1\nold-1", null, 0, null],
      ],
    );
    const counts = await fleetCounters(ledger, "o1");
    assert.equal(counts.get("hosts"), 2, "disabled hosts are not counted");
    assert.deepEqual(
      [...counts].filter(([, n]) => n).sort(),
      [...await recountFleet(ledger, "o1")].filter(([, n]) => n).sort(),
    );

    const kv = await Deno.openKv(":memory:");
    const ts = NOW.toISOString();
    const signals = [
      signal({ ts, severity: "critical", code: "suspicious_process_ioc", fingerprint: "ioc" }),
      signal({ ts, severity: "high", code: "unexpected_public_port", fingerprint: "p" }),
    ];
    await kv.set(
      hostStateKey("o1", "h1"),
      hostStateOf("h1", "s1", parsedSnapshot({ ts }), signals),
    );
    const refreshed = await refreshDueSummaries(
      { ledger, kv, config: { heartbeat: DEFAULT_HEARTBEAT } },
      new Date(NOW.getTime() + 60_000),
    ).finally(() => kv.close());
    assert.equal(refreshed, 3);
    const after = await fleetCounters(ledger, "o1");
    assert.deepEqual(
      [...after].filter(([, n]) => n).sort(),
      [
        ["band:critical", 1],
        ["band:guarded", 1],
        ["heartbeat:fresh", 1],
        ["heartbeat:missing", 1],
        ["hosts", 2],
        ["signals:critical", 1],
        ["signals:high", 1],
      ],
    );
    const web = await ledger.db.selectFrom("host_summaries").selectAll().where("host_id", "=", "h1")
      .executeTakeFirstOrThrow();
    assert.equal(web.search, "web-1\nweb-1");
    assert.equal(web.snapshot_id, "s1");
    assert.ok(web.refresh_at !== null, "due again when the heartbeat turns delayed");

    await migrateToLatest(ledger); // nothing pending: a no-op
    await ledgerMigrations[NAME].down!(ledger.db as unknown as Kysely<unknown>, ledger.dialect);
    await assert.rejects(ledger.db.selectFrom("host_summaries").selectAll().execute());
    await assert.rejects(ledger.db.selectFrom("fleet_counts").selectAll().execute());
  },
  { migrate: false },
);
