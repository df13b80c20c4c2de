/**
 * What a ledger migration is: Kysely's `up`/`down`, plus the dialect, so one migration can pick
 * the right column types for SQLite and Postgres ({@link ledgerColumnTypes}).
 *
 * @module
 */

import type { Kysely } from "kysely";
import type { LedgerDialect } from "./database_url.ts";

/**
 * One migration. `db` is untyped on purpose: a migration sees the schema as it was when it
 * was written, not today's `LedgerSchema`.
 */
export interface LedgerMigration {
  up(db: Kysely<unknown>, dialect: LedgerDialect): Promise<void>;
  down?(db: Kysely<unknown>, dialect: LedgerDialect): Promise<void>;
}

/** Column types that differ between the dialects. */
export interface LedgerColumnTypes {
  /** `timestamptz` on Postgres; ISO-8601 `text` on SQLite (sorts chronologically). */
  timestamp: "timestamptz" | "text";
  /** `jsonb` on Postgres; `text` holding JSON on SQLite. */
  json: "jsonb" | "text";
}

/**
 * The column types to use on `dialect`.
 *
 * @example
 * ```ts
 * const t = ledgerColumnTypes(dialect);
 * await db.schema.createTable("events")
 *   .addColumn("at", t.timestamp, (c) => c.notNull())
 *   .execute();
 * ```
 */
export function ledgerColumnTypes(dialect: LedgerDialect): LedgerColumnTypes {
  return dialect === "postgres"
    ? { timestamp: "timestamptz", json: "jsonb" }
    : { timestamp: "text", json: "text" };
}
