/**
 * Remediation runs (product §1.2, issue 5): one row per dry-run or execute request with its
 * frozen plan, its lifecycle state, approval, retries and verification; the per-org remediation
 * policy (profile, kill switch, maintenance windows, approval threshold) with per-host
 * overrides; and the `block-ip` ban history behind the repeat-offender ladder.
 *
 * @module
 */

import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** Creates `remediation_runs`, `remediation_policies`, `remediation_host_policies`, `ip_bans`. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);
    await db.schema
      .createTable("remediation_runs")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
      .addColumn("host_id", "text", (c) => c.notNull().references("hosts.id").onDelete("cascade"))
      .addColumn("action_id", "text", (c) => c.notNull())
      .addColumn("action_version", "integer", (c) => c.notNull())
      .addColumn("mode", "text", (c) => c.notNull())
      .addColumn("plan_hash", "text", (c) => c.notNull())
      .addColumn("risk_tier", "text", (c) => c.notNull())
      // JSON: params and the plan as built at request time (steps, dry-run and rollback steps).
      .addColumn("params", "text", (c) => c.notNull())
      .addColumn("plan", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("breach_id", "text")
      .addColumn("requested_by", "text", (c) => c.notNull())
      .addColumn("requested_ip", "text")
      .addColumn("needs_approval", "integer", (c) => c.notNull())
      .addColumn("decided_by", "text")
      .addColumn("decided_at", t.timestamp)
      .addColumn("decision_reason", "text")
      .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("last_error", "text")
      .addColumn("dead_letter_reason", "text")
      .addColumn("job_jti", "text")
      .addColumn("rollback_jti", "text")
      .addColumn("result", "text")
      .addColumn("confirm_state", "text")
      .addColumn("confirm_deadline", t.timestamp)
      .addColumn("verification", "text")
      .addColumn("verification_detail", "text")
      // JSON array: critical signal codes of the host's last snapshot before the job started.
      .addColumn("health_baseline", "text")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addColumn("expires_at", t.timestamp, (c) => c.notNull())
      .addColumn("dispatched_at", t.timestamp)
      .addColumn("finished_at", t.timestamp)
      .execute();
    for (
      const [name, columns] of [
        ["remediation_runs_org_id_created_at_idx", ["org_id", "created_at"]],
        ["remediation_runs_host_id_created_at_idx", ["host_id", "created_at"]],
        ["remediation_runs_state_idx", ["state", "created_at"]],
        ["remediation_runs_job_jti_idx", ["job_jti"]],
      ] as const
    ) {
      await db.schema.createIndex(name).on("remediation_runs").columns([...columns]).execute();
    }

    await db.schema
      .createTable("remediation_policies")
      .addColumn("org_id", "text", (c) => c.primaryKey().references("orgs.id").onDelete("cascade"))
      .addColumn("profile", "text", (c) => c.notNull())
      .addColumn("frozen", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("frozen_reason", "text")
      .addColumn("approval_threshold", "text", (c) => c.notNull())
      // JSON array of {start, end, reason} (ISO 8601).
      .addColumn("maintenance_windows", "text", (c) => c.notNull().defaultTo("[]"))
      .addColumn("updated_by", "text")
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("remediation_host_policies")
      .addColumn(
        "host_id",
        "text",
        (c) => c.primaryKey().references("hosts.id").onDelete("cascade"),
      )
      .addColumn("org_id", "text", (c) => c.notNull())
      // JSON: a partial set of guard knobs.
      .addColumn("overrides", "text", (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable("ip_bans")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
      .addColumn("ip", "text", (c) => c.notNull())
      .addColumn("run_id", "text", (c) => c.notNull())
      .addColumn("banned_at", t.timestamp, (c) => c.notNull())
      .addColumn("duration_s", "integer", (c) => c.notNull())
      .execute();
    await db.schema.createIndex("ip_bans_org_id_ip_idx").on("ip_bans")
      .columns(["org_id", "ip", "banned_at"]).execute();
    await db.schema.createIndex("ip_bans_run_id_idx").on("ip_bans").column("run_id").unique()
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("ip_bans").execute();
    await db.schema.dropTable("remediation_host_policies").execute();
    await db.schema.dropTable("remediation_policies").execute();
    await db.schema.dropTable("remediation_runs").execute();
  },
};
