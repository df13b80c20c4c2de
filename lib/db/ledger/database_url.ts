/**
 * Parses `DATABASE_URL` into a ledger target. Used by `lib/config.ts` (to reject a bad value at
 * startup) and by `openLedger` (to pick the dialect), so both agree on what is accepted.
 *
 * Accepted forms:
 * - `file:<path>` (`file:./data/ledger.db`, `file:/var/lib/app/ledger.db`), `file://<abs path>`,
 *   and `file::memory:` for a throw-away in-memory database: embedded SQLite;
 * - `postgres://…` or `postgresql://…`: Postgres. An optional `?schema=<name>` query parameter
 *   selects (and creates) a schema; it is removed before the URL reaches the driver.
 *
 * @module
 */

import { fileURLToPath } from "node:url";

/** SQL dialects the ledger runs on. */
export type LedgerDialect = "sqlite" | "postgres";

/** Where the ledger lives, as parsed from `DATABASE_URL`. */
export type LedgerTarget =
  | { dialect: "sqlite"; path: string }
  | { dialect: "postgres"; url: string; schema?: string };

/** Thrown for a `DATABASE_URL` no dialect accepts; the message says what would be accepted. */
export class DatabaseUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseUrlError";
  }
}

/** Postgres identifiers we accept as a schema name (no quoting surprises). */
export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** In-memory SQLite path as `node:sqlite` spells it. */
export const SQLITE_MEMORY = ":memory:";

/**
 * Parses a database URL, throwing {@link DatabaseUrlError} when it is not usable.
 *
 * @example
 * ```ts
 * parseDatabaseUrl("file:./data/ledger.db"); // { dialect: "sqlite", path: "./data/ledger.db" }
 * parseDatabaseUrl("file::memory:");         // { dialect: "sqlite", path: ":memory:" }
 * parseDatabaseUrl("postgres://app@db:5432/sentry?schema=t1");
 * // { dialect: "postgres", url: "postgres://app@db:5432/sentry", schema: "t1" }
 * ```
 */
export function parseDatabaseUrl(databaseUrl: string): LedgerTarget {
  const value = databaseUrl.trim();
  if (/^postgres(ql)?:\/\//i.test(value)) return parsePostgresUrl(value);
  if (/^file:/i.test(value)) return { dialect: "sqlite", path: parseFilePath(value) };
  throw new DatabaseUrlError(
    `expected "file:<path>" (embedded SQLite), "file::memory:" or "postgres://user@host:5432/db", ` +
      `got ${describeUrl(value)}`,
  );
}

/**
 * Shows a URL with its password (and password-like query parameters) replaced by `***`.
 *
 * @example
 * ```ts
 * redactUrl("postgres://app:hunter2@db/sentry"); // "postgres://app:***@db/sentry"
 * ```
 */
export function redactUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  let changed = false;
  if (url.password) {
    url.password = "***";
    changed = true;
  }
  for (const key of [...url.searchParams.keys()]) {
    if (/secret|token|password/i.test(key)) {
      url.searchParams.set(key, "***");
      changed = true;
    }
  }
  // Only re-serialize when needed: URL normalizes (adds a trailing slash, …).
  return changed ? url.href.replaceAll("%2A%2A%2A", "***") : value;
}

function parsePostgresUrl(value: string): LedgerTarget {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DatabaseUrlError(
      `expected a valid URL such as "postgres://user@host:5432/db", got ${describeUrl(value)}`,
    );
  }
  if (!url.hostname && !url.searchParams.has("host")) {
    throw new DatabaseUrlError(
      `expected a host in the Postgres URL (postgres://user@host:5432/db), got ${
        describeUrl(value)
      }`,
    );
  }
  const schema = url.searchParams.get("schema") ?? undefined;
  if (schema === undefined) return { dialect: "postgres", url: value };
  if (!SCHEMA_NAME.test(schema)) {
    throw new DatabaseUrlError(
      `expected ?schema= to be a lower-case identifier ([a-z_][a-z0-9_]*), got "${schema}"`,
    );
  }
  url.searchParams.delete("schema");
  return { dialect: "postgres", url: url.href, schema };
}

function parseFilePath(value: string): string {
  let path: string;
  if (/^file:\/\//i.test(value)) {
    try {
      path = fileURLToPath(value);
    } catch {
      throw new DatabaseUrlError(
        `expected "file:///absolute/path.db" or "file:relative/path.db", got "${value}"`,
      );
    }
  } else {
    path = value.slice("file:".length);
  }
  if (path === "") {
    throw new DatabaseUrlError(
      `expected a path after "file:" (e.g. "file:./data/ledger.db" or "file::memory:"), got "${value}"`,
    );
  }
  return path;
}

function describeUrl(value: string): string {
  return JSON.stringify(redactUrl(value));
}
