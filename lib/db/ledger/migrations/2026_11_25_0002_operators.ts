/**
 * Operators: organizations, users, memberships, invitations, and the hash-chained audit trail
 * (`audit_entries`, its per-chain head `audit_heads`, and pruning points `audit_prunes`).
 *
 * @module
 */

import { sql } from "kysely";
import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** Roles as they were when this migration was written (not today's `ROLES`). */
const ROLE_CHECK = sql`role in ('viewer', 'ops', 'admin', 'owner')`;

/** Creates the operator and audit tables with their indexes. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);

    await db.schema
      .createTable("orgs")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("slug", "text", (c) => c.notNull().unique())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("audit_retention_days", "integer")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("users")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("email", "text", (c) => c.notNull().unique())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("password_hash", "text")
      .addColumn("totp_secret_sealed", "text")
      .addColumn("totp_enabled_at", t.timestamp)
      .addColumn("recovery_codes", "text")
      .addColumn("last_totp_step", "bigint")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("disabled_at", t.timestamp)
      .execute();

    await db.schema
      .createTable("memberships")
      .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
      .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("memberships_pk", ["org_id", "user_id"])
      .addCheckConstraint("memberships_role_check", ROLE_CHECK)
      .execute();
    await db.schema.createIndex("memberships_user_id_idx").on("memberships").column("user_id")
      .execute();

    await db.schema
      .createTable("invitations")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
      .addColumn("email", "text", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("token_hash", "text", (c) => c.notNull().unique())
      .addColumn("invited_by", "text", (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("expires_at", t.timestamp, (c) => c.notNull())
      .addColumn("accepted_at", t.timestamp)
      .addColumn("accepted_by", "text")
      .addColumn("revoked_at", t.timestamp)
      .addCheckConstraint("invitations_role_check", ROLE_CHECK)
      .execute();
    await db.schema.createIndex("invitations_org_id_idx").on("invitations").column("org_id")
      .execute();

    // No foreign keys on the audit tables: the trail must outlive what it talks about.
    await db.schema
      .createTable("audit_entries")
      .addColumn("chain", "text", (c) => c.notNull())
      .addColumn("seq", "integer", (c) => c.notNull())
      .addColumn("id", "text", (c) => c.notNull().unique())
      .addColumn("ts", t.timestamp, (c) => c.notNull())
      .addColumn("actor_type", "text", (c) => c.notNull())
      .addColumn("actor_id", "text", (c) => c.notNull())
      .addColumn("actor_label", "text")
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("target_type", "text")
      .addColumn("target_id", "text")
      .addColumn("request_id", "text")
      .addColumn("ip", "text")
      .addColumn("user_agent", "text")
      .addColumn("summary", "text", (c) => c.notNull())
      // Text, not jsonb: the hash covers these exact bytes (jsonb would reorder keys).
      .addColumn("details", "text")
      .addColumn("prev_hash", "text", (c) => c.notNull())
      .addColumn("hash", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("audit_entries_pk", ["chain", "seq"])
      .execute();
    for (
      const [name, columns] of [
        ["audit_entries_chain_ts_idx", ["chain", "ts"]],
        ["audit_entries_chain_action_idx", ["chain", "action"]],
        ["audit_entries_chain_actor_idx", ["chain", "actor_id"]],
        ["audit_entries_chain_target_idx", ["chain", "target_type", "target_id"]],
      ] as const
    ) {
      await db.schema.createIndex(name).on("audit_entries").columns([...columns]).execute();
    }

    await db.schema
      .createTable("audit_heads")
      .addColumn("chain", "text", (c) => c.primaryKey())
      .addColumn("seq", "integer", (c) => c.notNull())
      .addColumn("hash", "text", (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("audit_prunes")
      .addColumn("chain", "text", (c) => c.notNull())
      .addColumn("up_to_seq", "integer", (c) => c.notNull())
      .addColumn("hash_at_prune", "text", (c) => c.notNull())
      .addColumn("pruned_at", t.timestamp, (c) => c.notNull())
      .addColumn("count", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("audit_prunes_pk", ["chain", "up_to_seq"])
      .execute();
  },
  async down(db) {
    for (
      const table of [
        "audit_prunes",
        "audit_heads",
        "audit_entries",
        "invitations",
        "memberships",
        "users",
        "orgs",
      ]
    ) {
      await db.schema.dropTable(table).execute();
    }
  },
};
