/**
 * `deno task db:migrate`: brings the ledger named by `DATABASE_URL` up to date and prints each
 * migration it ran. Exits 1 if a migration fails, 2 if the configuration is invalid.
 *
 * @module
 */

import { type AppConfig, ConfigError, loadConfig } from "../lib/config.ts";
import { redactUrl } from "../lib/db/ledger/database_url.ts";
import { LedgerMigrationError, migrateToLatest, openLedger } from "../lib/db/ledger/mod.ts";

/**
 * Runs the migrations; returns the process exit code.
 *
 * @example
 * ```ts
 * Deno.exit(await main(Deno.env.toObject()));
 * ```
 */
export async function main(env: Record<string, string | undefined>): Promise<number> {
  let config: AppConfig;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    return 2;
  }
  console.log(`Migrating ${config.ledgerDialect} ledger at ${redactUrl(config.databaseUrl)}`);
  const ledger = await openLedger(config.databaseUrl);
  try {
    const results = await migrateToLatest(ledger);
    for (const r of results) console.log(`  ${r.migrationName}: ${r.status}`);
    console.log(results.length === 0 ? "Already up to date." : `Applied ${results.length}.`);
    return 0;
  } catch (error) {
    if (error instanceof LedgerMigrationError) {
      for (const r of error.results) console.error(`  ${r.migrationName}: ${r.status}`);
    }
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    await ledger.close();
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.env.toObject()));
}
