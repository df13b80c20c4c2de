/**
 * The SQL ledger: one interface over embedded SQLite (`file:` URLs, the zero-setup default) and
 * Postgres (`postgres://`), on Kysely. Open it with {@link openLedger}, bring it up to date
 * with `migrateToLatest` (from `scripts/db_migrate.ts` or `openServices`).
 *
 * @module
 */

import { type Kysely, sql } from "kysely";
import { type LedgerDialect, parseDatabaseUrl } from "./database_url.ts";
import { openPostgresKysely } from "./postgres.ts";
import type { LedgerSchema } from "./schema.ts";
import { openSqliteKysely } from "./sqlite.ts";

export type { LedgerDialect } from "./database_url.ts";
export type { LedgerSchema } from "./schema.ts";
export { LedgerMigrationError, migrateToLatest, migrationStatus } from "./migrate.ts";
export type { MigrationStatus } from "./migrate.ts";

/** An open ledger. */
export interface Ledger {
  /** The typed query builder; `db.transaction().execute(async (trx) => …)` for transactions. */
  readonly db: Kysely<LedgerSchema>;
  readonly dialect: LedgerDialect;
  /** The Postgres schema the ledger lives in, when one was chosen (`?schema=` or option). */
  readonly schema?: string;
  /** Closes the database or pool; calling it again does nothing. */
  close(): Promise<void>;
}

/** Options of {@link openLedger}. */
export interface OpenLedgerOptions {
  /** Postgres only: schema to use, created if missing (overrides `?schema=` in the URL). */
  schema?: string;
  /** Postgres only: pool size (default 5). */
  maxConnections?: number;
  /**
   * SQLite file only: checkpoint the WAL from a worker thread, off the commit path (see
   * `sqlite.ts`). The server turns it on; scripts and tests need not.
   */
  backgroundCheckpoints?: boolean;
}

/**
 * Opens the ledger named by a `DATABASE_URL`: `file:<path>` or `file::memory:` for SQLite,
 * `postgres://…` for Postgres.
 *
 * @example
 * ```ts
 * const ledger = await openLedger(config.databaseUrl);
 * try {
 *   await migrateToLatest(ledger);
 *   await pingLedger(ledger);
 * } finally {
 *   await ledger.close();
 * }
 * ```
 */
export async function openLedger(
  databaseUrl: string,
  options: OpenLedgerOptions = {},
): Promise<Ledger> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.dialect === "sqlite") {
    const { db, close } = await openSqliteKysely(target.path, {
      backgroundCheckpoints: options.backgroundCheckpoints,
    });
    return ledgerOf(db, "sqlite", close);
  }
  const schema = options.schema ?? target.schema;
  const db = await openPostgresKysely(target.url, {
    schema,
    maxConnections: options.maxConnections,
  });
  return ledgerOf(db, "postgres", () => db.destroy(), schema);
}

/**
 * Runs `select 1`; throws when the database cannot be reached.
 *
 * @example
 * ```ts
 * await pingLedger(ledger); // readiness probe
 * ```
 */
export async function pingLedger(ledger: Pick<Ledger, "db">): Promise<void> {
  await sql`select 1`.execute(ledger.db);
}

function ledgerOf(
  db: Kysely<LedgerSchema>,
  dialect: LedgerDialect,
  close: () => Promise<void>,
  schema?: string,
): Ledger {
  let closing: Promise<void> | undefined;
  return {
    db,
    dialect,
    ...(schema === undefined ? {} : { schema }),
    close: () => closing ??= close(),
  };
}
