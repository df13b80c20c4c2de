/**
 * Runs one test on every ledger dialect: embedded SQLite (a WAL file in a temp directory, so a
 * script under test can open it too) and Postgres from `TEST_DATABASE_URL` (a fresh schema per
 * test, dropped afterwards). Without `TEST_DATABASE_URL` the Postgres variant shows as ignored
 * with a note, except in CI, where it fails.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { sql } from "kysely";
import { type Ledger, migrateToLatest, openLedger } from "@/lib/db/ledger/mod.ts";

/** `TEST_DATABASE_URL`, when set. */
export const postgresTestUrl = Deno.env.get("TEST_DATABASE_URL") || undefined;
const inCi = Deno.env.get("CI") !== undefined && Deno.env.get("CI") !== "";

/** What a dual-dialect test gets besides the ledger. */
export interface LedgerTestContext {
  t: Deno.TestContext;
  /** A `DATABASE_URL` that opens this same ledger (for scripts under test). */
  url: string;
}

/** Options of {@link forEachLedger}. */
export interface ForEachLedgerOptions {
  /** Migrate before the test (default true). */
  migrate?: boolean;
}

/**
 * Registers `name (sqlite)` and `name (postgres)`, each running `fn` on a fresh, migrated
 * ledger that is closed (and dropped) afterwards.
 *
 * @example
 * ```ts
 * forEachLedger("[orgs] createOrg rejects a taken slug", async (ledger) => {
 *   await createOrg(ledger, { name: "A", slug: "acme" });
 * });
 * ```
 */
export function forEachLedger(
  name: string,
  fn: (ledger: Ledger, context: LedgerTestContext) => Promise<void>,
  options: ForEachLedgerOptions = {},
): void {
  const { migrate = true } = options;

  Deno.test(`${name} (sqlite)`, async (t) => {
    const dir = await Deno.makeTempDir({ prefix: "ledger_each_" });
    const url = `file:${join(dir, "ledger.db")}`;
    const ledger = await openLedger(url);
    try {
      if (migrate) await migrateToLatest(ledger);
      await fn(ledger, { t, url });
    } finally {
      await ledger.close();
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test({
    name: postgresTestUrl || inCi
      ? `${name} (postgres)`
      : `${name} (postgres: set TEST_DATABASE_URL to run)`,
    ignore: !postgresTestUrl && !inCi,
    async fn(t) {
      if (!postgresTestUrl) {
        assert.fail(
          "CI is set but TEST_DATABASE_URL is not: Postgres tests must run in CI. " +
            "Set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test",
        );
      }
      const schema = `test_each_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
      const url = new URL(postgresTestUrl);
      url.searchParams.set("schema", schema);
      // Enough connections for the concurrency tests to actually overlap.
      const ledger = await openLedger(url.href, { maxConnections: 8 });
      try {
        if (migrate) await migrateToLatest(ledger);
        await fn(ledger, { t, url: url.href });
      } finally {
        await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(ledger.db);
        await ledger.close();
      }
    },
  });
}
