/**
 * The notification pipeline (`lib/notify/`, docs/notifications.md): endpoints per organization
 * (URLs and webhook secrets sealed with the app secret), one delivery row per endpoint and
 * notification with its state machine, one row per send attempt (the delivery log), and the
 * organization's notification settings (dedupe window, quiet hours, digest interval).
 *
 * Attempt ids are `<deliveryId>:<attempt>`, so recording an attempt twice changes nothing.
 *
 * @module
 */

import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** Creates `notify_endpoints`, `notify_deliveries`, `notify_attempts` and `notify_settings`. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);
    await db.schema
      .createTable("notify_endpoints")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
      .addColumn("name", "text", (c) => c.notNull())
      // email | webhook | slack | discord
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("enabled", "integer", (c) => c.notNull().defaultTo(1))
      // sealString(appSecret, "notify-endpoint-url", url): Slack/Discord URLs are credentials.
      .addColumn("url_sealed", "text")
      // Scheme, host and first path segment only, for display.
      .addColumn("url_display", "text")
      // JSON array of addresses (email endpoints).
      .addColumn("emails", "text")
      // sealString(appSecret, "notify-webhook-secret", "whsec_…") (webhook endpoints).
      .addColumn("secret_sealed", "text")
      .addColumn("min_severity", "text", (c) => c.notNull())
      // JSON array of event types; [] = every type.
      .addColumn("event_types", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("created_by", "text")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("notify_endpoints_org_id_name_idx").on("notify_endpoints")
      .columns(["org_id", "name"]).unique().execute();

    await db.schema
      .createTable("notify_deliveries")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
      .addColumn(
        "endpoint_id",
        "text",
        (c) => c.references("notify_endpoints.id").onDelete("cascade"),
      )
      .addColumn("kind", "text", (c) => c.notNull())
      // Explicit e-mail targets (no endpoint): the address.
      .addColumn("recipient", "text")
      .addColumn("event_type", "text", (c) => c.notNull())
      .addColumn("severity", "text", (c) => c.notNull())
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("dedupe_key", "text")
      // JSON: summary, url, data, body, digest items.
      .addColumn("payload", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("reason", "text")
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("next_attempt_at", t.timestamp)
      .addColumn("claimed_at", t.timestamp)
      .addColumn("digest_id", "text")
      .addColumn("last_code", "integer")
      .addColumn("last_error", "text")
      .addColumn("last_latency_ms", "integer")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addColumn("sent_at", t.timestamp)
      .execute();
    for (
      const [name, columns] of [
        ["notify_deliveries_endpoint_id_created_at_idx", ["endpoint_id", "created_at"]],
        ["notify_deliveries_org_id_created_at_idx", ["org_id", "created_at"]],
        ["notify_deliveries_status_next_attempt_at_idx", ["status", "next_attempt_at"]],
        ["notify_deliveries_endpoint_id_status_idx", ["endpoint_id", "status"]],
        ["notify_deliveries_digest_id_idx", ["digest_id"]],
      ] as const
    ) {
      await db.schema.createIndex(name).on("notify_deliveries").columns([...columns]).execute();
    }

    await db.schema
      .createTable("notify_attempts")
      // `<deliveryId>:<attempt>`.
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn(
        "delivery_id",
        "text",
        (c) => c.notNull().references("notify_deliveries.id").onDelete("cascade"),
      )
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn("endpoint_id", "text")
      .addColumn("attempt", "integer", (c) => c.notNull())
      .addColumn("started_at", t.timestamp, (c) => c.notNull())
      // sent | failed
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("response_code", "integer")
      .addColumn("latency_ms", "integer", (c) => c.notNull())
      .addColumn("error", "text")
      .execute();
    await db.schema.createIndex("notify_attempts_delivery_id_idx").on("notify_attempts")
      .columns(["delivery_id", "attempt"]).execute();

    await db.schema
      .createTable("notify_settings")
      .addColumn(
        "org_id",
        "text",
        (c) => c.primaryKey().references("orgs.id").onDelete("cascade"),
      )
      .addColumn("dedupe_window_minutes", "integer", (c) => c.notNull())
      // "HH:MM" local time, both or neither.
      .addColumn("quiet_start", "text")
      .addColumn("quiet_end", "text")
      .addColumn("timezone", "text", (c) => c.notNull())
      .addColumn("digest_interval_minutes", "integer", (c) => c.notNull())
      .addColumn("updated_by", "text")
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("notify_settings").execute();
    await db.schema.dropTable("notify_attempts").execute();
    await db.schema.dropTable("notify_deliveries").execute();
    await db.schema.dropTable("notify_endpoints").execute();
  },
};
