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
import { Worker } from "node:worker_threads";
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

/** Whether `node:sqlite` takes the value as it is (strings, numbers, bigints, null, bytes). */
function bindsAsIs(value: unknown): boolean {
  const type = typeof value;
  return type === "string" || type === "number" || type === "bigint" || value === null ||
    value instanceof Uint8Array;
}

/**
 * The parameters as `node:sqlite` binds them. The ingest path binds ~200 values per push, most
 * of them strings and numbers: the array is only copied when some value needs converting.
 */
function sqliteArgs(parameters: ReadonlyArray<unknown>): SQLInputValue[] {
  for (let i = 0; i < parameters.length; i++) {
    if (!bindsAsIs(parameters[i])) return parameters.map(toSqliteValue);
  }
  return parameters as SQLInputValue[];
}

/**
 * An opened `node:sqlite` database in the shape Kysely's `SqliteDialect` expects. A file
 * database runs in WAL mode with foreign keys on and a busy timeout.
 */
function adapt(raw: DatabaseSync, path: string): SqliteDatabase {
  raw.exec("PRAGMA foreign_keys = ON");
  // Statement journals (and sorts) in memory: inside a group-commit transaction, a statement
  // journal grew past SQLite's 64 KiB spill size and went to a new /var/tmp file each time,
  // ~11 file writes per ingest push (strace).
  raw.exec("PRAGMA temp_store = MEMORY");
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
        cached = {
          // Statements returning rows (SELECT, … RETURNING) have result columns.
          reader: statement.columns().length > 0,
          all: (parameters) => statement.all(...sqliteArgs(parameters)),
          run: (parameters) => statement.run(...sqliteArgs(parameters)),
          iterate: (parameters) => statement.iterate(...sqliteArgs(parameters)),
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

/** How often the background checkpointer copies the WAL into the database file. */
const CHECKPOINT_INTERVAL_MS = 50;
/**
 * WAL pages (4 KiB) after which the writer checkpoints itself even with a background
 * checkpointer: the bound on the WAL if the worker falls behind or dies.
 */
const BACKSTOP_CHECKPOINT_PAGES = 8000;
/** After a checkpoint resets the WAL, its file is truncated to this (the backstop's size). */
const WAL_SIZE_LIMIT_BYTES = BACKSTOP_CHECKPOINT_PAGES * 4096;

/**
 * Moves WAL checkpoints off the writer: a worker (`checkpoint_worker.ts`) runs a PASSIVE
 * checkpoint every {@link CHECKPOINT_INTERVAL_MS} on its own connection, which neither blocks
 * nor waits for the writer. Without it, SQLite checkpoints inside the commit that crosses 1,000
 * WAL pages: on the ingest path that commit took 10-40 ms (page copies and two fsyncs) every
 * ~25 commits, about 60 % of all commit time, with every request waiting behind it. The writer
 * keeps an autocheckpoint at {@link BACKSTOP_CHECKPOINT_PAGES} so the WAL stays bounded even if
 * the worker falls behind. Resolves the returned `stop` once the worker closed its connection.
 */
function startBackgroundCheckpoints(raw: DatabaseSync, path: string): () => Promise<void> {
  raw.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  raw.exec(`PRAGMA journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
  const worker = new Worker(new URL("./checkpoint_worker.ts", import.meta.url), {
    workerData: { path, intervalMs: CHECKPOINT_INTERVAL_MS },
  });
  // A process that forgets to close the ledger still exits (the worker only keeps up the WAL).
  worker.unref();
  const closed = Promise.withResolvers<void>();
  worker.on("message", (message: unknown) => {
    if (message === "closed") closed.resolve();
  });
  worker.on("error", () => closed.resolve());
  worker.on("exit", () => closed.resolve());
  return async () => {
    worker.postMessage("close");
    const timeout = setTimeout(() => closed.resolve(), 2000);
    await closed.promise;
    clearTimeout(timeout);
    await worker.terminate();
  };
}

/** Options of {@link openSqliteKysely}. */
export interface SqliteOptions {
  /**
   * Checkpoint the WAL from a worker thread instead of inside commits (a file database only).
   * For a long-running server; short scripts do not need the extra thread.
   */
  backgroundCheckpoints?: boolean;
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
  options: SqliteOptions = {},
): Promise<{ db: Kysely<LedgerSchema>; close: () => Promise<void> }> {
  if (path !== SQLITE_MEMORY) await mkdir(dirname(path), { recursive: true });
  const raw = new DatabaseSync(path);
  const database = adapt(raw, path);
  const stopCheckpoints = path !== SQLITE_MEMORY && options.backgroundCheckpoints
    ? startBackgroundCheckpoints(raw, path)
    : undefined;
  const db = new Kysely<LedgerSchema>({ dialect: new SqliteDialect({ database }) });
  return {
    db,
    close: async () => {
      await stopCheckpoints?.();
      await db.destroy();
      database.close();
    },
  };
}
