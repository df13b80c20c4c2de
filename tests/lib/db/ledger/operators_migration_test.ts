/** The operators migration: tables, constraints and indexes on both dialects, and its down(). */
import assert from "node:assert/strict";
import { type Kysely, sql } from "kysely";
import { migrateToLatest, migrationStatus } from "@/lib/db/ledger/mod.ts";
import { ledgerMigrations } from "@/lib/db/ledger/migrations/index.ts";
import { forEachLedger } from "../../../support/ledgers.ts";

const NOW = new Date("2026-11-25T10:00:00.000Z");

forEachLedger("[db] operators migration: constraints hold on both dialects", async (ledger) => {
  await ledger.db.insertInto("orgs").values({
    id: "o1",
    slug: "acme",
    name: "Acme",
    created_at: NOW,
  }).execute();
  await ledger.db.insertInto("users").values({
    id: "u1",
    email: "a@example.com",
    name: "A",
    created_at: NOW,
  }).execute();
  await assert.rejects(
    ledger.db.insertInto("orgs").values({ id: "o2", slug: "acme", name: "Dup", created_at: NOW })
      .execute(),
    "orgs.slug is unique",
  );
  await assert.rejects(
    ledger.db.insertInto("users").values({
      id: "u2",
      email: "a@example.com",
      name: "Dup",
      created_at: NOW,
    }).execute(),
    "users.email is unique",
  );
  await assert.rejects(
    sql`insert into memberships (org_id, user_id, role, created_at) values ('o1', 'u1', 'root', ${NOW})`
      .execute(ledger.db),
    "role check",
  );
  await assert.rejects(
    ledger.db.insertInto("memberships").values({
      org_id: "o1",
      user_id: "nobody",
      role: "owner",
      created_at: NOW,
    })
      .execute(),
    "memberships.user_id references users",
  );
  await ledger.db.insertInto("memberships").values({
    org_id: "o1",
    user_id: "u1",
    role: "owner",
    created_at: NOW,
  })
    .execute();
  await assert.rejects(
    ledger.db.insertInto("memberships").values({
      org_id: "o1",
      user_id: "u1",
      role: "ops",
      created_at: NOW,
    }).execute(),
    "one membership per org and user",
  );
  const entry = {
    chain: "o1",
    seq: 1,
    id: "e1",
    ts: NOW,
    actor_type: "system",
    actor_id: "t",
    action: "x.y",
    summary: "s",
    prev_hash: "0",
    hash: "h",
  };
  await ledger.db.insertInto("audit_entries").values(entry).execute();
  await assert.rejects(
    ledger.db.insertInto("audit_entries").values({ ...entry, id: "e2" }).execute(),
    "(chain, seq) key",
  );
  await assert.rejects(
    ledger.db.insertInto("audit_entries").values({ ...entry, seq: 2 }).execute(),
    "id unique",
  );
  // Deleting an org takes its memberships with it; the audit trail stays.
  await ledger.db.deleteFrom("orgs").where("id", "=", "o1").execute();
  assert.equal((await ledger.db.selectFrom("memberships").selectAll().execute()).length, 0);
  assert.equal((await ledger.db.selectFrom("audit_entries").selectAll().execute()).length, 1);
});

forEachLedger(
  "[db] operators migration: down() drops its tables, up() recreates them",
  async (ledger) => {
    const name = "2026_11_25_0002_operators";
    const migration = ledgerMigrations[name];
    assert.ok(migration.down);
    // Migrations see an untyped database (the schema as it was when they were written).
    const untyped = ledger.db as unknown as Kysely<unknown>;
    // Later migrations build on these tables (foreign keys): roll them back first, newest first.
    const later = Object.keys(ledgerMigrations).filter((n) => n > name);
    for (const n of later.toReversed()) await ledgerMigrations[n].down?.(untyped, ledger.dialect);
    await migration.down(untyped, ledger.dialect);
    await assert.rejects(sql`select 1 from audit_entries`.execute(ledger.db));
    await migration.up(untyped, ledger.dialect);
    for (const n of later) await ledgerMigrations[n].up(untyped, ledger.dialect);
    await sql`select 1 from audit_entries`.execute(ledger.db);
    assert.deepEqual(await migrationStatus(ledger), { current: true, pending: [] });
    assert.deepEqual(await migrateToLatest(ledger), []);
  },
);
