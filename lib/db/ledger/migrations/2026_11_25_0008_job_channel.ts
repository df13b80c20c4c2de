/**
 * The host job channel (agent-protocol Part 3): the control plane's Ed25519 job-signing keys
 * (private halves sealed with the app secret; one active key, older ones kept for verification
 * until `not_after`, §3.8) and the signed jobs themselves with their delivery state and the
 * runner's result (§3.1, §3.6, §3.7).
 *
 * "At most one active key" is a unique index on `active`, which is 1 for the active key and null
 * for retiring ones (both dialects treat nulls as distinct), so two instances generating the
 * first key concurrently cannot both win.
 *
 * @module
 */

import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** Creates `job_signing_keys` and `remediation_jobs`. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);
    await db.schema
      .createTable("job_signing_keys")
      .addColumn("kid", "text", (c) => c.primaryKey())
      .addColumn("public_x", "text", (c) => c.notNull())
      // sealString(appSecret, "job-signing-key", JSON {kid, x, d}).
      .addColumn("private_sealed", "text", (c) => c.notNull())
      // 1 for the active key, null once rotated out.
      .addColumn("active", "integer")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      // Null while active; the end of the verification overlap once rotated out.
      .addColumn("not_after", t.timestamp)
      .execute();
    await db.schema.createIndex("job_signing_keys_active_idx").on("job_signing_keys")
      .column("active").unique().execute();

    await db.schema
      .createTable("remediation_jobs")
      .addColumn("jti", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
      .addColumn("host_id", "text", (c) => c.notNull().references("hosts.id").onDelete("cascade"))
      .addColumn("run_id", "text", (c) => c.notNull())
      .addColumn("mode", "text", (c) => c.notNull())
      .addColumn("action_id", "text", (c) => c.notNull())
      .addColumn("action_version", "integer", (c) => c.notNull())
      .addColumn("plan_hash", "text", (c) => c.notNull())
      // JSON: the signed claims, exactly as in the JWS payload.
      .addColumn("claims", "text", (c) => c.notNull())
      .addColumn("jws", "text", (c) => c.notNull())
      .addColumn("kid", "text", (c) => c.notNull())
      .addColumn("iat", t.timestamp, (c) => c.notNull())
      .addColumn("exp", t.timestamp, (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("delivered_at", t.timestamp)
      // JSON: the validated result body (§3.6).
      .addColumn("result", "text")
      // Lowercase hex SHA-256 of the result body bytes as received (idempotency).
      .addColumn("result_hash", "text")
      .addColumn("result_at", t.timestamp)
      .addColumn("rollback_of", "text")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    for (
      const [name, columns] of [
        ["remediation_jobs_host_id_state_iat_idx", ["host_id", "state", "iat"]],
        ["remediation_jobs_state_exp_idx", ["state", "exp"]],
        ["remediation_jobs_rollback_of_idx", ["rollback_of"]],
        ["remediation_jobs_run_id_idx", ["run_id"]],
      ] as const
    ) {
      await db.schema.createIndex(name).on("remediation_jobs").columns([...columns]).execute();
    }
  },
  async down(db) {
    await db.schema.dropTable("remediation_jobs").execute();
    await db.schema.dropTable("job_signing_keys").execute();
  },
};
