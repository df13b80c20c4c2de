/**
 * Postgres through `postgres` (postgres.js) and `kysely-postgres-js`.
 *
 * @module
 */

import { Kysely } from "kysely";
import { PostgresJSDialect } from "kysely-postgres-js";
import postgres from "postgres";
import { SCHEMA_NAME } from "./database_url.ts";
import type { LedgerSchema } from "./schema.ts";

/** Options of {@link openPostgresKysely}. */
export interface PostgresOptions {
  /** Schema to use (created if missing); every connection gets `search_path` set to it. */
  schema?: string;
  /** Pool size; defaults to 5. */
  maxConnections?: number;
}

/**
 * Opens a pooled Kysely instance on Postgres. With `schema`, the schema is created if missing and
 * every connection's `search_path` is set to it, so unqualified table names resolve there (how
 * tests isolate into a fresh schema).
 *
 * @example
 * ```ts
 * const db = await openPostgresKysely("postgres://app@127.0.0.1:5432/sentry", { schema: "t_1" });
 * await db.destroy(); // ends the pool
 * ```
 */
export async function openPostgresKysely(
  url: string,
  options: PostgresOptions = {},
): Promise<Kysely<LedgerSchema>> {
  const { schema, maxConnections = 5 } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(
      `Postgres schema name must be a lower-case identifier ([a-z_][a-z0-9_]*), got "${schema}"`,
    );
  }
  const client = postgres(url, {
    max: maxConnections,
    // postgres.js prints NOTICEs (e.g. "schema … already exists, skipping") to the console.
    onnotice: () => {},
    ...(schema === undefined ? {} : { connection: { search_path: schema } }),
  });
  const db = new Kysely<LedgerSchema>({ dialect: new PostgresJSDialect({ postgres: client }) });
  if (schema !== undefined) {
    try {
      await db.schema.createSchema(schema).ifNotExists().execute();
    } catch (error) {
      await db.destroy();
      throw error;
    }
  }
  return db;
}
