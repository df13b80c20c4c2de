/**
 * Running ledger migrations with Kysely's `Migrator` (from `kysely/migration` since 0.29) over
 * the static list in `migrations/index.ts`.
 *
 * @module
 */

import { type DatabaseIntrospector, type Kysely, sql, type TableMetadata } from "kysely";
import {
  type Migration,
  type MigrationProvider,
  type MigrationResult,
  Migrator,
} from "kysely/migration";
import type { LedgerDialect } from "./database_url.ts";
import type { LedgerMigration } from "./migration_kit.ts";
import { ledgerMigrations } from "./migrations/index.ts";
import type { Ledger } from "./mod.ts";
import type { LedgerSchema } from "./schema.ts";

/** What {@link migrationStatus} reports. */
export interface MigrationStatus {
  /** True when every known migration has run. */
  current: boolean;
  /** Names of migrations not yet run, in the order they will run. */
  pending: string[];
}

/** A migration failed; `results` says which ran, which failed and which were not executed. */
export class LedgerMigrationError extends Error {
  readonly results: readonly MigrationResult[];
  constructor(message: string, results: readonly MigrationResult[], cause: unknown) {
    super(message, { cause });
    this.name = "LedgerMigrationError";
    this.results = results;
  }
}

/**
 * Runs every pending migration, in name order. Returns one result per migration it ran (empty
 * when already current); throws {@link LedgerMigrationError} naming the failed migration.
 *
 * @param migrations the list to run; tests may pass their own
 *
 * @example
 * ```ts
 * for (const r of await migrateToLatest(ledger)) console.log(r.migrationName, r.status);
 * // 2026_11_25_0001_foundation Success
 * ```
 */
export async function migrateToLatest(
  ledger: Ledger,
  migrations: Record<string, LedgerMigration> = ledgerMigrations,
): Promise<MigrationResult[]> {
  let outcome: { error?: unknown; results?: MigrationResult[] };
  try {
    outcome = await (await createMigrator(ledger, migrations)).migrateToLatest();
  } catch (error) {
    outcome = { error };
  }
  const { error, results = [] } = outcome;
  if (error === undefined) return results;
  const failed = results.find((r) => r.status === "Error")?.migrationName;
  const reason = error instanceof Error ? error.message : String(error);
  throw new LedgerMigrationError(
    failed === undefined
      ? `Ledger migration could not start (${ledger.dialect}): ${reason}. ` +
        `Check DATABASE_URL and that the database is reachable, then run "deno task db:migrate".`
      : `Ledger migration "${failed}" failed (${ledger.dialect}): ${reason}. Migrations before it ` +
        `were applied; fix the migration or the database, then run "deno task db:migrate" again.`,
    results,
    error,
  );
}

/**
 * Says whether the ledger is current and which migrations are pending (for `/readyz`).
 *
 * @example
 * ```ts
 * const { current, pending } = await migrationStatus(ledger);
 * if (!current) console.log(`pending: ${pending.join(", ")}`);
 * ```
 */
export async function migrationStatus(
  ledger: Ledger,
  migrations: Record<string, LedgerMigration> = ledgerMigrations,
): Promise<MigrationStatus> {
  const migrator = await createMigrator(ledger, migrations);
  const pending = (await migrator.getMigrations())
    .filter((m) => m.executedAt === undefined)
    .map((m) => m.name);
  return { current: pending.length === 0, pending };
}

async function createMigrator(
  ledger: Ledger,
  migrations: Record<string, LedgerMigration>,
): Promise<Migrator> {
  if (ledger.dialect !== "postgres") {
    return new Migrator({ db: ledger.db, provider: staticProvider(migrations, ledger.dialect) });
  }
  // Kysely looks for its bookkeeping tables in every schema unless told which one, so a
  // Postgres database holding several ledgers (one schema each) needs the schema named.
  const schema = ledger.schema ?? await currentSchema(ledger.db);
  return new Migrator({
    db: withSchemaIntrospection(ledger.db, schema),
    provider: staticProvider(migrations, ledger.dialect),
    migrationTableSchema: schema,
  });
}

/**
 * `db`, but introspecting only `schema`. Kysely's Postgres introspector lists the tables of
 * every schema through name-based catalog functions (`has_schema_privilege(nspname, …)`,
 * `pg_get_serial_sequence('schema.table', …)`), which fail with "schema … does not exist" when
 * another schema of the database is dropped at that moment (parallel test runs, another app's
 * migrations). The migrator only asks whether its own schema and tables exist, so those
 * questions are answered from `pg_namespace`/`pg_class` for this schema alone.
 */
function withSchemaIntrospection(db: Kysely<LedgerSchema>, schema: string): Kysely<LedgerSchema> {
  const introspection: DatabaseIntrospector = {
    async getSchemas() {
      const { rows } = await sql<{ name: string }>`
        select nspname as name from pg_catalog.pg_namespace where nspname = ${schema}`.execute(db);
      return rows;
    },
    async getTables(): Promise<TableMetadata[]> {
      const { rows } = await sql<{ name: string; kind: string }>`
        select c.relname as name, c.relkind as kind
          from pg_catalog.pg_class c
          join pg_catalog.pg_namespace n on n.oid = c.relnamespace
         where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v', 'f')`.execute(db);
      return rows.map((row) => ({
        name: row.name,
        schema,
        isView: row.kind === "v",
        isForeign: row.kind === "f",
        columns: [],
      }));
    },
  };
  // Everything else is the real instance (methods bound to it: Kysely uses private fields).
  return new Proxy(db, {
    get(target, property) {
      if (property === "introspection") return introspection;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function staticProvider(
  migrations: Record<string, LedgerMigration>,
  dialect: LedgerDialect,
): MigrationProvider {
  const bound: Record<string, Migration> = {};
  for (const [name, migration] of Object.entries(migrations)) {
    const { down } = migration;
    bound[name] = {
      up: (db) => migration.up(db, dialect),
      ...(down === undefined ? {} : { down: (db) => down.call(migration, db, dialect) }),
    };
  }
  return { getMigrations: () => Promise.resolve(bound) };
}

async function currentSchema(db: Kysely<LedgerSchema>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) {
    throw new Error(
      "Postgres has no current schema (search_path names no existing schema): " +
        "create one or add ?schema=<name> to DATABASE_URL",
    );
  }
  return schema;
}
