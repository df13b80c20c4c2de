/**
 * Webhook secret rotation with an overlap (`lib/notify/endpoint_admin.ts`): rotating keeps the
 * previous secret, sealed like the current one, until `previous_secret_until`; until then every
 * delivery carries a signature with each secret, so receivers can switch at their own pace.
 * Both columns are null when there is no previous secret (never rotated, rotated without an
 * overlap, or the overlap ended and the secret was cleared).
 *
 * @module
 */

import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** Adds the previous secret and the end of its overlap to `notify_endpoints`. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);
    // sealString(appSecret, "notify-webhook-secret", "whsec_…"), as `secret_sealed`.
    await db.schema.alterTable("notify_endpoints").addColumn("previous_secret_sealed", "text")
      .execute();
    await db.schema.alterTable("notify_endpoints")
      .addColumn("previous_secret_until", t.timestamp).execute();
  },
  async down(db) {
    await db.schema.alterTable("notify_endpoints").dropColumn("previous_secret_until").execute();
    await db.schema.alterTable("notify_endpoints").dropColumn("previous_secret_sealed").execute();
  },
};
