/**
 * Embedded SQLite through `node:sqlite`, adapted to the better-sqlite3 shape Kysely's
 * `SqliteDialect` expects.
 *
 * `node:sqlite` differs from better-sqlite3: statements take parameters variadically (Kysely
 * passes one array), have no `reader` flag, refuse booleans ("cannot be bound") and silently
 * store a `Date` as NULL. The adapter spreads the parameters, derives `reader` from the result
 * columns, and binds booleans as 0/1 and dates as ISO-8601 text. Rows are null-prototype
 * objects: spread them before comparing with `deepStrictEqual`.
 *
 * @module
 */

import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { Kysely, type SqliteDatabase, SqliteDialect, type SqliteStatement } from "kysely";
import { SQLITE_MEMORY } from "./database_url.ts";
import type { LedgerSchema } from "./schema.ts";

/** How long a writer waits for another connection's lock before "database is locked". */
const BUSY_TIMEOUT_MS = 5000;
/** Prepared statements kept per connection (least recently used dropped first). */
const STATEMENT_CACHE_SIZE = 500;

function toSqliteValue(value: unknown): SQLInputValue {
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.toISOString();
  if (value === undefined) {
    throw new TypeError("undefined cannot be stored in SQLite: pass null for a missing value");
  }
  return value as SQLInputValue;
}

/**
 * Opens `path` (or `:memory:`) with `node:sqlite` and returns it in the shape Kysely's
 * `SqliteDialect` expects. A file database runs in WAL mode with foreign keys on and a busy
 * timeout; its directory must exist.
 *
 * @example
 * ```ts
 * const db = new Kysely<LedgerSchema>({
 *   dialect: new SqliteDialect({ database: nodeSqliteDatabase(":memory:") }),
 * });
 * ```
 */
export function nodeSqliteDatabase(path: string): SqliteDatabase {
  const raw = new DatabaseSync(path);
  raw.exec("PRAGMA foreign_keys = ON");
  if (path !== SQLITE_MEMORY) {
    raw.exec("PRAGMA journal_mode = WAL");
    raw.exec("PRAGMA synchronous = NORMAL"); // safe with WAL, much faster than FULL
    raw.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
  const statements = new Map<string, SqliteStatement>();
  return {
    // Idempotent: Kysely closes it on destroy() only if a query ran, the ledger closes it always.
    close: () => {
      if (raw.isOpen) raw.close();
    },
    prepare(sqlText: string): SqliteStatement {
      // Kysely prepares every query anew; compiling SQL was ~9 % of ingest CPU. Statements are
      // reusable, and one connection runs one query at a time, so a cache is safe.
      let cached = statements.get(sqlText);
      if (cached) {
        statements.delete(sqlText); // most recently used last
      } else {
        const statement = raw.prepare(sqlText);
        const args = (parameters: ReadonlyArray<unknown>) => parameters.map(toSqliteValue);
        cached = {
          // Statements returning rows (SELECT, … RETURNING) have result columns.
          reader: statement.columns().length > 0,
          all: (parameters) => statement.all(...args(parameters)),
          run: (parameters) => statement.run(...args(parameters)),
          iterate: (parameters) => statement.iterate(...args(parameters)),
        };
        if (statements.size >= STATEMENT_CACHE_SIZE) {
          statements.delete(statements.keys().next().value!);
        }
      }
      statements.set(sqlText, cached);
      return cached;
    },
  };
}

/**
 * Opens a Kysely instance on an SQLite file (its directory is created) or `:memory:`. The
 * file is opened now, so a bad path fails here; `close()` destroys Kysely and closes the file.
 *
 * @example
 * ```ts
 * const { db, close } = await openSqliteKysely("./data/ledger.db");
 * await close();
 * ```
 */
export async function openSqliteKysely(
  path: string,
): Promise<{ db: Kysely<LedgerSchema>; close: () => Promise<void> }> {
  if (path !== SQLITE_MEMORY) await mkdir(dirname(path), { recursive: true });
  const database = nodeSqliteDatabase(path);
  const db = new Kysely<LedgerSchema>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    close: async () => {
      await db.destroy();
      database.close();
    },
  };
}
