/**
 * Every ledger migration, by name. Names sort in the order they run
 * (`YYYY_MM_DD_NNNN_what`); add new ones at the end. A static list (no file-system provider), so
 * `deno check` sees every migration and bundles carry them.
 *
 * @module
 */

import type { LedgerMigration } from "../migration_kit.ts";
import { migration as foundation } from "./2026_11_25_0001_foundation.ts";
import { migration as operators } from "./2026_11_25_0002_operators.ts";
import { migration as hosts } from "./2026_11_25_0003_hosts.ts";
import { migration as breaches } from "./2026_11_25_0004_breaches.ts";
import { migration as signedIngest } from "./2026_11_25_0005_signed_ingest.ts";
import { migration as signalIndexes } from "./2026_11_25_0006_signal_indexes.ts";

/** Migrations in the order they run. */
export const ledgerMigrations: Record<string, LedgerMigration> = {
  "2026_11_25_0001_foundation": foundation,
  "2026_11_25_0002_operators": operators,
  "2026_11_25_0003_hosts": hosts,
  "2026_11_25_0004_breaches": breaches,
  "2026_11_25_0005_signed_ingest": signedIngest,
  "2026_11_25_0006_signal_indexes": signalIndexes,
};
