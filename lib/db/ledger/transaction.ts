/**
 * Write transactions that behave the same on both dialects, and recognizing unique-constraint
 * violations (how repositories turn a race into a clean 409).
 *
 * SQLite: Kysely's `transaction()` sends a plain `begin`, which is DEFERRED: the write lock is
 * taken at the first write, and if another process (say `deno task user:create` next to the
 * server) wrote in between, the upgrade fails at once with SQLITE_BUSY — the busy timeout does
 * not apply to that case. {@link writeTransaction} instead takes Kysely's single connection and
 * runs `begin immediate`, so the write lock is taken up front (waiting up to the busy timeout).
 * Inside one process Kysely's connection mutex already serializes transactions.
 *
 * Postgres: a normal READ COMMITTED transaction; callers lock what they read-then-write
 * (`select … for update`).
 *
 * @module
 */

import { type Kysely, sql } from "kysely";
import type { Ledger } from "./mod.ts";
import type { LedgerSchema } from "./schema.ts";

/** What repositories that open transactions need: the query builder and the dialect. */
export type LedgerTx = Pick<Ledger, "db" | "dialect">;

/** Query builders handed out by {@link writeTransaction} on SQLite (they are not `Transaction`s). */
const openSqliteTransactions = new WeakSet<Kysely<LedgerSchema>>();

/**
 * True when `ledger.db` is already inside a transaction (a Kysely `Transaction`, or a
 * {@link writeTransaction} on SQLite).
 *
 * @example
 * ```ts
 * await writeTransaction(ledger, (tx) => Promise.resolve(inTransaction(tx))); // true
 * ```
 */
export function inTransaction(ledger: Pick<Ledger, "db">): boolean {
  return ledger.db.isTransaction || openSqliteTransactions.has(ledger.db);
}

/**
 * Runs `fn` in a write transaction: committed when it resolves, rolled back when it throws.
 * Called with a ledger that is already in a transaction, `fn` joins it (so repository
 * functions compose into a caller's transaction).
 *
 * Inside `fn`, use only `tx.db`: on SQLite the outer `ledger.db` waits for the connection `fn`
 * holds, so using it there would deadlock.
 *
 * @example
 * ```ts
 * const role = await writeTransaction(ledger, async (tx) => {
 *   const row = await tx.db.selectFrom("memberships").select("role")
 *     .where("org_id", "=", orgId).where("user_id", "=", userId).executeTakeFirst();
 *   await tx.db.deleteFrom("memberships")
 *     .where("org_id", "=", orgId).where("user_id", "=", userId).execute();
 *   return row?.role;
 * });
 * ```
 */
export async function writeTransaction<T>(
  ledger: LedgerTx,
  fn: (tx: LedgerTx) => Promise<T>,
): Promise<T> {
  if (inTransaction(ledger)) return await fn(ledger);
  if (ledger.dialect === "postgres") {
    return await ledger.db.transaction().execute((trx) => fn({ db: trx, dialect: "postgres" }));
  }
  return await ledger.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    openSqliteTransactions.add(conn);
    try {
      const result = await fn({ db: conn, dialect: "sqlite" });
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      try {
        await sql`rollback`.execute(conn);
      } catch {
        // SQLite already rolled back (some errors end the transaction themselves).
      }
      throw error;
    } finally {
      openSqliteTransactions.delete(conn);
    }
  });
}

/**
 * True when `error` is a unique (or primary key) constraint violation, on either dialect.
 * With `constraintHint`, the constraint or column named in the error must contain it
 * (e.g. `"slug"` matches Postgres `orgs_slug_key` and SQLite `orgs.slug`).
 *
 * @example
 * ```ts
 * try {
 *   await ledger.db.insertInto("orgs").values(row).execute();
 * } catch (error) {
 *   if (isUniqueViolation(error, "slug")) throw new HttpError(409, "slug taken");
 *   throw error;
 * }
 * ```
 */
export function isUniqueViolation(error: unknown, constraintHint?: string): boolean {
  if (!(error instanceof Error)) return false;
  const fields = error as Error & { code?: unknown; errcode?: unknown; constraint_name?: unknown };
  // Postgres (postgres.js PostgresError): SQLSTATE 23505.
  if (fields.code === "23505") {
    return constraintHint === undefined ||
      String(fields.constraint_name ?? error.message).includes(constraintHint);
  }
  // node:sqlite: SQLITE_CONSTRAINT_UNIQUE (2067) or _PRIMARYKEY (1555); the message names columns.
  if (
    fields.errcode === 2067 || fields.errcode === 1555 ||
    /UNIQUE constraint failed/.test(error.message)
  ) {
    return constraintHint === undefined || error.message.includes(constraintHint);
  }
  return false;
}
