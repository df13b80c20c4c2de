/**
 * Incidents (product §1.4, issue 6): `incidents` (one row per incident with its state, severity,
 * escalation position and the times reports read: `opened_at`, `acknowledged_at`,
 * `resolved_at`, `closed_at`), `incident_events` (the timeline: every change with actor and
 * time), `incident_links` (hosts, signals, breaches and remediation runs linked to an incident),
 * `incident_workflow_steps` (results of workflow steps), `postmortems` and the per-organization
 * `escalation_policies`.
 *
 * JSON members are `text` on both dialects, written and read whole.
 *
 * @module
 */

import { sql } from "kysely";
import { ledgerColumnTypes, type LedgerMigration } from "../migration_kit.ts";

/** Creates the incident tables and their indexes. */
export const migration: LedgerMigration = {
  async up(db, dialect) {
    const t = ledgerColumnTypes(dialect);
    await db.schema
      .createTable("incidents")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull().references("orgs.id").onDelete("cascade"))
      .addColumn("title", "text", (c) => c.notNull())
      .addColumn("summary", "text", (c) => c.notNull())
      .addColumn("severity", "text", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      // The primary host (more hosts are links); null for an incident about no host.
      .addColumn("host_id", "text", (c) => c.references("hosts.id").onDelete("set null"))
      // Automatic opening: one incident per host and group (`ioc`, a signal code, …).
      .addColumn("group_key", "text")
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("assignee_id", "text")
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("opened_at", t.timestamp, (c) => c.notNull())
      .addColumn("acknowledged_at", t.timestamp)
      .addColumn("resolved_at", t.timestamp)
      .addColumn("closed_at", t.timestamp)
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addColumn("last_signal_at", t.timestamp)
      .addColumn("signal_count", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("ack_due_at", t.timestamp)
      // 1-based level of the escalation policy paged last (0: none).
      .addColumn("escalation_level", "integer", (c) => c.notNull().defaultTo(0))
      // Counter of escalation timers: a timer acts only when its step is still current.
      .addColumn("escalation_step", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("reminders_sent", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("next_escalation_at", t.timestamp)
      .addColumn("suggest_resolve", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("reopen_count", "integer", (c) => c.notNull().defaultTo(0))
      .addCheckConstraint(
        "incidents_state_check",
        sql`state in ('open', 'acknowledged', 'resolved', 'closed')`,
      )
      .addCheckConstraint(
        "incidents_severity_check",
        sql`severity in ('critical', 'high', 'medium')`,
      )
      .execute();
    for (
      const [name, columns] of [
        ["incidents_org_id_id_idx", ["org_id", "id"]],
        ["incidents_org_id_state_idx", ["org_id", "state", "severity"]],
        ["incidents_org_id_opened_at_idx", ["org_id", "opened_at"]],
        ["incidents_host_id_group_key_idx", ["host_id", "group_key", "state"]],
      ] as const
    ) {
      await db.schema.createIndex(name).on("incidents").columns([...columns]).execute();
    }

    await db.schema
      .createTable("incident_events")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn(
        "incident_id",
        "text",
        (c) => c.notNull().references("incidents.id").onDelete("cascade"),
      )
      .addColumn("ts", t.timestamp, (c) => c.notNull())
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("actor_type", "text", (c) => c.notNull())
      .addColumn("actor_id", "text", (c) => c.notNull())
      .addColumn("from_state", "text")
      .addColumn("to_state", "text")
      .addColumn("message", "text", (c) => c.notNull())
      .addColumn("data", "text")
      .execute();
    await db.schema.createIndex("incident_events_incident_id_idx").on("incident_events")
      .columns(["incident_id", "ts", "id"]).execute();

    await db.schema
      .createTable("incident_links")
      .addColumn(
        "incident_id",
        "text",
        (c) => c.notNull().references("incidents.id").onDelete("cascade"),
      )
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("ref_id", "text", (c) => c.notNull())
      .addColumn("linked_at", t.timestamp, (c) => c.notNull())
      .addColumn("linked_by", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("incident_links_pkey", ["incident_id", "kind", "ref_id"])
      .addCheckConstraint(
        "incident_links_kind_check",
        sql`kind in ('host', 'signal', 'breach', 'run')`,
      )
      .execute();
    await db.schema.createIndex("incident_links_ref_idx").on("incident_links")
      .columns(["kind", "ref_id"]).execute();

    await db.schema
      .createTable("incident_workflow_steps")
      .addColumn(
        "incident_id",
        "text",
        (c) => c.notNull().references("incidents.id").onDelete("cascade"),
      )
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn("workflow_id", "text", (c) => c.notNull())
      .addColumn("step_id", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("result", "text")
      .addColumn("actor_id", "text", (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("incident_workflow_steps_pkey", [
        "incident_id",
        "workflow_id",
        "step_id",
      ])
      .execute();

    await db.schema
      .createTable("postmortems")
      .addColumn(
        "incident_id",
        "text",
        (c) => c.primaryKey().references("incidents.id").onDelete("cascade"),
      )
      .addColumn("org_id", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("summary", "text", (c) => c.notNull())
      .addColumn("impact", "text", (c) => c.notNull())
      .addColumn("root_cause", "text", (c) => c.notNull())
      // JSON array of {id, title, ownerId, dueDate, status}.
      .addColumn("action_items", "text", (c) => c.notNull())
      // JSON: the timeline, signals and runs as they were at resolve.
      .addColumn("prefill", "text", (c) => c.notNull())
      .addColumn("waive_reason", "text")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_by", "text", (c) => c.notNull())
      .addColumn("published_at", t.timestamp)
      .addColumn("published_by", "text")
      .addCheckConstraint(
        "postmortems_status_check",
        sql`status in ('draft', 'published', 'waived')`,
      )
      .execute();
    await db.schema.createIndex("postmortems_org_id_idx").on("postmortems")
      .columns(["org_id", "status"]).execute();

    await db.schema
      .createTable("escalation_policies")
      .addColumn("org_id", "text", (c) => c.primaryKey().references("orgs.id").onDelete("cascade"))
      // JSON array of {userIds: string[], endpointIds: string[]}, level 1 first.
      .addColumn("levels", "text", (c) => c.notNull())
      // JSON {critical, high, medium}: minutes.
      .addColumn("ack_minutes", "text", (c) => c.notNull())
      .addColumn("repeat_minutes", "text", (c) => c.notNull())
      .addColumn("repeat_count", "integer")
      .addColumn("updated_by", "text", (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
  },
  async down(db) {
    await db.schema.dropTable("escalation_policies").execute();
    await db.schema.dropTable("postmortems").execute();
    await db.schema.dropTable("incident_workflow_steps").execute();
    await db.schema.dropTable("incident_links").execute();
    await db.schema.dropTable("incident_events").execute();
    await db.schema.dropTable("incidents").execute();
  },
};
