/** The hosts migration: constraints and cascades on both dialects, and its down(). */
import assert from "node:assert/strict";
import { type Kysely, sql } from "kysely";
import { migrateToLatest, migrationStatus } from "@/lib/db/ledger/mod.ts";
import { ledgerMigrations } from "@/lib/db/ledger/migrations/index.ts";
import { forEachLedger } from "../../../support/ledgers.ts";

const NOW = new Date("2026-11-25T10:00:00.000Z");

const host = (id: string, org: string, slug: string) => ({
  id,
  org_id: org,
  name: slug,
  slug,
  tags: "[]",
  scopes: "[]",
  created_at: NOW,
});

const key = (id: string, hash: string | null) => ({
  id,
  org_id: "o1",
  host_id: "h1",
  kind: "api" as const,
  prefix: "vs1_abcdefghij...",
  token_hash: hash,
  version: 1,
  scopes: "[]",
  created_at: NOW,
});

forEachLedger(
  "[db] hosts migration: constraints and cascades hold on both dialects",
  async (ledger) => {
    for (const [id, slug] of [["o1", "acme"], ["o2", "other"]]) {
      await ledger.db.insertInto("orgs").values({ id, slug, name: slug, created_at: NOW })
        .execute();
    }
    await ledger.db.insertInto("hosts").values(host("h1", "o1", "web-1")).execute();
    await ledger.db.insertInto("hosts").values(host("h2", "o2", "web-1")).execute(); // per org
    const defaults = await ledger.db.selectFrom("hosts").selectAll().where("id", "=", "h1")
      .executeTakeFirstOrThrow();
    assert.deepEqual(
      [defaults.rollout_priority, defaults.paused, defaults.ingest_mode, defaults.disabled_at],
      [0, 0, "bearer", null],
    );
    await assert.rejects(
      ledger.db.insertInto("hosts").values(host("h3", "o1", "web-1")).execute(),
      "slug unique per org",
    );
    await assert.rejects(
      ledger.db.insertInto("hosts").values({ ...host("h4", "o1", "x"), rollout_priority: 101 })
        .execute(),
      "rollout priority range",
    );
    await assert.rejects(
      sql`update hosts set ingest_mode = 'open' where id = 'h1'`.execute(ledger.db),
      "ingest mode check",
    );
    await assert.rejects(
      ledger.db.insertInto("hosts").values(host("h5", "nope", "x")).execute(),
      "org must exist",
    );

    await ledger.db.insertInto("host_keys").values(key("k1", "a".repeat(64))).execute();
    await ledger.db.insertInto("host_keys").values(key("k2", null)).execute();
    await ledger.db.insertInto("host_keys").values(key("k3", null)).execute(); // nulls repeat
    await assert.rejects(
      ledger.db.insertInto("host_keys").values(key("k4", "a".repeat(64))).execute(),
      "token hash unique",
    );
    await assert.rejects(
      sql`update host_keys set kind = 'root' where id = 'k1'`.execute(ledger.db),
      "kind check",
    );

    await ledger.db.insertInto("snapshots").values({
      id: "s1",
      org_id: "o1",
      host_id: "h1",
      ts: NOW,
      received_at: NOW,
      payload_hash: "f".repeat(64),
      payload_bytes: 2,
      ok: 1,
      warnings: "[]",
      base: "{}",
      alerts_count: 0,
      public_ports_count: 0,
    }).execute();
    const signal = {
      id: "g1",
      org_id: "o1",
      host_id: "h1",
      snapshot_id: "s1",
      code: "c",
      severity: "high" as const,
      title: "t",
      detail: "d",
      ts: NOW,
      source: "alert",
      fingerprint: "c|x",
      created_at: NOW,
    };
    await ledger.db.insertInto("signals").values(signal).execute();
    await assert.rejects(
      sql`insert into signals (id, org_id, host_id, code, severity, title, detail, ts, source, fingerprint, created_at)
        values ('g2', 'o1', 'h1', 'c', 'severe', 't', 'd', ${NOW}, 'alert', 'f', ${NOW})`
        .execute(ledger.db),
      "severity check",
    );
    // Retention deletes snapshots and keeps signals: no foreign key between them.
    await ledger.db.deleteFrom("snapshots").execute();
    assert.equal((await ledger.db.selectFrom("signals").select("id").execute()).length, 1);

    // Deleting an organization takes its hosts and everything under them.
    await ledger.db.deleteFrom("orgs").where("id", "=", "o1").execute();
    for (const table of ["host_keys", "signals"] as const) {
      assert.equal((await ledger.db.selectFrom(table).select("id").execute()).length, 0, table);
    }
    assert.deepEqual(
      (await ledger.db.selectFrom("hosts").select("id").execute()).map((r) => r.id),
      ["h2"],
    );
  },
);

forEachLedger(
  "[db] hosts migration: down() drops its tables, up() recreates them",
  async (ledger) => {
    const migration = ledgerMigrations["2026_11_25_0003_hosts"];
    assert.ok(migration.down);
    const untyped = ledger.db as unknown as Kysely<unknown>;
    // Later migrations reference these tables: take them down first, bring them back after.
    const later = Object.keys(ledgerMigrations).filter((n) => n > "2026_11_25_0003_hosts");
    for (const name of [...later].reverse()) {
      await ledgerMigrations[name].down?.(untyped, ledger.dialect);
    }
    await migration.down(untyped, ledger.dialect);
    await assert.rejects(sql`select 1 from hosts`.execute(ledger.db));
    await assert.rejects(sql`select snapshot_retention_days from orgs`.execute(ledger.db));
    await migration.up(untyped, ledger.dialect);
    for (const name of later) await ledgerMigrations[name].up(untyped, ledger.dialect);
    await sql`select 1 from signals`.execute(ledger.db);
    assert.deepEqual(await migrationStatus(ledger), { current: true, pending: [] });
    assert.deepEqual(await migrateToLatest(ledger), []);
  },
);
