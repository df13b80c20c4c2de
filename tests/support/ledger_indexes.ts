/** What index migrations are checked against: the indexes a table has, on either dialect. */
import { sql } from "kysely";
import type { Ledger } from "@/lib/db/ledger/mod.ts";

/**
 * The names of `table`'s indexes (Postgres: in the ledger's schema), sorted.
 *
 * @example
 * ```ts
 * assert.ok((await tableIndexes(ledger, "incidents")).includes("incidents_org_id_id_idx"));
 * ```
 */
export async function tableIndexes(ledger: Ledger, table: string): Promise<string[]> {
  const rows = ledger.dialect === "postgres"
    ? await sql<{ name: string }>`select indexname as name from pg_indexes
        where tablename = ${table} and schemaname = current_schema()`.execute(ledger.db)
    : await sql<{ name: string }>`select name from sqlite_master
        where type = 'index' and tbl_name = ${table}`.execute(ledger.db);
  return rows.rows.map((r) => r.name).sort();
}
