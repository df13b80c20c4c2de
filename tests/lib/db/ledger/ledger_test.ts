/**
 * One suite, run against every dialect: embedded SQLite (in memory and a WAL file) and Postgres
 * from `TEST_DATABASE_URL` (each run in its own fresh schema, dropped at the end).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sql } from "kysely";
import {
  type CronRun,
  latestCronRuns,
  type NewCronRun,
  recordCronRun,
} from "@/lib/db/ledger/cron_runs.ts";
import { parseDatabaseUrl } from "@/lib/db/ledger/database_url.ts";
import { ledgerMigrations } from "@/lib/db/ledger/migrations/index.ts";
import {
  type Ledger,
  LedgerMigrationError,
  migrateToLatest,
  migrationStatus,
  openLedger,
  pingLedger,
} from "@/lib/db/ledger/mod.ts";

const FOUNDATION = "2026_11_25_0001_foundation";
/** Every migration, in the order they run. */
const ALL_MIGRATIONS = Object.keys(ledgerMigrations);
const T0 = Date.parse("2026-11-25T10:00:00.000Z");
const at = (minutes: number) => new Date(T0 + minutes * 60_000);

function run(
  id: string,
  name: string,
  minute: number,
  extra: Partial<NewCronRun> = {},
): NewCronRun {
  return {
    id,
    name,
    startedAt: at(minute),
    finishedAt: new Date(at(minute).getTime() + 1234),
    status: "ok",
    ...extra,
  };
}

/** The shared suite: every step runs on every dialect, in order, on one ledger. */
async function ledgerSuite(t: Deno.TestContext, ledger: Ledger) {
  await t.step("an unmigrated ledger reports every migration as pending", async () => {
    assert.equal(ALL_MIGRATIONS[0], FOUNDATION);
    assert.deepEqual(await migrationStatus(ledger), { current: false, pending: ALL_MIGRATIONS });
  });

  await t.step("migrate to latest twice is idempotent", async () => {
    const first = await migrateToLatest(ledger);
    assert.deepEqual(
      first.map((r) => ({ ...r })),
      ALL_MIGRATIONS.map((migrationName) => ({
        migrationName,
        direction: "Up",
        status: "Success",
      })),
    );
    assert.deepEqual(await migrateToLatest(ledger), []);
    assert.deepEqual(await migrationStatus(ledger), { current: true, pending: [] });
    await pingLedger(ledger);
  });

  await t.step("a failing migration throws an error naming it; nothing is recorded", async () => {
    const error = await migrateToLatest(ledger, {
      ...ledgerMigrations,
      "9999_12_31_9999_broken": {
        async up(db) {
          await sql`select * from table_that_does_not_exist`.execute(db);
        },
      },
    }).then(() => assert.fail("expected the migration to fail"), (e: unknown) => e);
    assert.ok(error instanceof LedgerMigrationError);
    assert.match(error.message, /Ledger migration "9999_12_31_9999_broken" failed/);
    assert.match(error.message, /deno task db:migrate/);
    assert.deepEqual(error.results.map((r) => [r.migrationName, r.status]), [
      ["9999_12_31_9999_broken", "Error"],
    ]);
    assert.deepEqual(await migrationStatus(ledger), { current: true, pending: [] });
  });

  await t.step("cron_runs rows read back with identical shapes", async () => {
    const input = run("01JDX0000000000000000000A1", "shape", 0, {
      status: "failed",
      detail: "disk full",
    });
    const stored = await recordCronRun(ledger, input);
    const expected: CronRun = {
      id: "01JDX0000000000000000000A1",
      name: "shape",
      startedAt: at(0),
      finishedAt: new Date(T0 + 1234),
      status: "failed",
      detail: "disk full",
    };
    assert.deepEqual(stored, expected);
    assert.deepEqual(await latestCronRuns(ledger, "shape"), [expected]);
    const generated = await recordCronRun(ledger, { ...input, id: undefined, detail: undefined });
    assert.match(generated.id, /^[0-9A-HJKMNP-TV-Z]{26}$/, "a ULID");
    const [latest] = await latestCronRuns(ledger, "shape", 1);
    assert.deepEqual(Object.keys(latest).sort(), Object.keys(expected).sort());
    assert.ok(latest.startedAt instanceof Date && latest.finishedAt instanceof Date);
    // Raw rows (null-prototype objects on SQLite, hence the spread) have the table's columns.
    const raw = await ledger.db.selectFrom("cron_runs").selectAll().where("name", "=", "shape")
      .orderBy("id").executeTakeFirstOrThrow();
    assert.deepEqual(Object.keys({ ...raw }).sort(), [
      "detail",
      "finished_at",
      "id",
      "name",
      "started_at",
      "status",
    ]);
  });

  await t.step("latestCronRuns is newest first, limited, and pages with a cursor", async () => {
    for (const [id, minute] of [["B1", 1], ["B2", 5], ["B3", 3], ["B4", 5], ["B5", 2]] as const) {
      await recordCronRun(ledger, run(id, "order", minute));
    }
    await recordCronRun(ledger, run("C1", "other", 9));
    const ids = (runs: CronRun[]) => runs.map((r) => r.id);
    // Same started_at (B2, B4): the larger id first.
    assert.deepEqual(ids(await latestCronRuns(ledger, "order")), ["B4", "B2", "B3", "B5", "B1"]);
    const page1 = await latestCronRuns(ledger, "order", 2);
    assert.deepEqual(ids(page1), ["B4", "B2"]);
    const page2 = await latestCronRuns(ledger, "order", 2, page1[1]);
    assert.deepEqual(ids(page2), ["B3", "B5"]);
    const page3 = await latestCronRuns(ledger, "order", 2, page2[1]);
    assert.deepEqual(ids(page3), ["B1"]);
    await assert.rejects(latestCronRuns(ledger, "order", 0), /limit must be an integer 1-500/);
  });

  await t.step("a transaction rolls back when its body throws", async () => {
    await assert.rejects(
      ledger.db.transaction().execute(async (trx) => {
        await recordCronRun({ db: trx }, run("D1", "tx", 0));
        assert.equal((await latestCronRuns({ db: trx }, "tx")).length, 1, "visible inside");
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.deepEqual(await latestCronRuns(ledger, "tx"), []);
    await ledger.db.transaction().execute(async (trx) => {
      await recordCronRun({ db: trx }, run("D2", "tx", 0));
    });
    assert.deepEqual((await latestCronRuns(ledger, "tx")).map((r) => r.id), ["D2"]);
  });

  await t.step("onConflict doNothing keeps the first row", async () => {
    await recordCronRun(ledger, run("E1", "conflict", 0, { detail: "first" }));
    await recordCronRun(ledger, run("E1", "conflict", 1, { detail: "second" }));
    const result = await ledger.db.insertInto("cron_runs")
      .values({
        id: "E1",
        name: "conflict",
        started_at: at(2),
        finished_at: at(2),
        status: "ok",
        detail: "third",
      })
      .onConflict((oc) => oc.column("id").doNothing())
      .executeTakeFirst();
    assert.equal(result.numInsertedOrUpdatedRows, 0n);
    const runs = await latestCronRuns(ledger, "conflict");
    assert.deepEqual(runs.map((r) => [r.id, r.detail]), [["E1", "first"]]);
  });

  await t.step("the status check constraint rejects unknown statuses", async () => {
    await assert.rejects(
      sql`insert into cron_runs (id, name, started_at, finished_at, status)
          values ('F1', 'check', ${at(0)}, ${at(0)}, 'running')`.execute(ledger.db),
    );
  });
}

Deno.test("[db] ledger: sqlite in memory (file::memory:)", async (t) => {
  const ledger = await openLedger("file::memory:");
  try {
    assert.equal(ledger.dialect, "sqlite");
    await ledgerSuite(t, ledger);
  } finally {
    await ledger.close();
    await ledger.close(); // closing twice is harmless
  }
});

Deno.test("[db] ledger: sqlite file in WAL mode (parent dir created)", async (t) => {
  const tmp = await Deno.makeTempDir({ prefix: "ledger_test_" });
  const ledger = await openLedger(`file:${join(tmp, "nested", "ledger.db")}`);
  try {
    const { rows } = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(ledger.db);
    assert.equal(rows[0].journal_mode, "wal");
    const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(ledger.db);
    assert.equal(fk.rows[0].foreign_keys, 1);
    await ledgerSuite(t, ledger);
  } finally {
    await ledger.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("[db] ledger: an unmigrated, unused sqlite ledger closes cleanly", async () => {
  const ledger = await openLedger("file::memory:");
  await ledger.close();
});

const postgresUrl = Deno.env.get("TEST_DATABASE_URL");
const inCi = Deno.env.get("CI") !== undefined && Deno.env.get("CI") !== "";

Deno.test({
  name: postgresUrl || inCi
    ? "[db] ledger: postgres (TEST_DATABASE_URL, fresh schema)"
    : "[db] ledger: postgres (set TEST_DATABASE_URL to run)",
  ignore: !postgresUrl && !inCi,
  async fn(t) {
    if (!postgresUrl) {
      assert.fail(
        "CI is set but TEST_DATABASE_URL is not: the Postgres ledger suite must run in CI. " +
          "Set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test",
      );
    }
    const schema = `test_ledger_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const ledger = await openLedger(postgresUrl, { schema });
    try {
      assert.equal(ledger.dialect, "postgres");
      assert.equal(ledger.schema, schema);
      await ledgerSuite(t, ledger);

      await t.step("tables live in the test schema; ?schema= in the URL finds them", async () => {
        const { rows } = await sql<{ table_schema: string }>`
          select table_schema from information_schema.tables where table_name = 'cron_runs'
            and table_schema = ${schema}`.execute(ledger.db);
        assert.equal(rows.length, 1);
        const url = new URL(postgresUrl);
        url.searchParams.set("schema", schema);
        assert.equal(parseDatabaseUrl(url.href).dialect, "postgres");
        const again = await openLedger(url.href);
        try {
          assert.equal(again.schema, schema);
          assert.deepEqual(await migrationStatus(again), { current: true, pending: [] });
          assert.equal((await latestCronRuns(again, "order")).length, 5);
        } finally {
          await again.close();
        }
      });

      await t.step("serializable transactions work", async () => {
        await ledger.db.transaction().setIsolationLevel("serializable").execute(async (trx) => {
          await recordCronRun({ db: trx }, run("G1", "serializable", 0));
        });
        assert.equal((await latestCronRuns(ledger, "serializable")).length, 1);
      });
    } finally {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(ledger.db);
      await ledger.close();
    }
  },
});
