/**
 * Table types of the ledger, shared by both dialects. A column whose stored form differs by
 * dialect (a `timestamptz` on Postgres comes back as a `Date`, the same column on SQLite as ISO
 * text) is typed with both; repository functions convert rows to one domain shape.
 *
 * @module
 */

import type { ColumnType } from "kysely";

/** A point in time: written as a `Date`, read as a `Date` (Postgres) or ISO text (SQLite). */
export type Timestamp = ColumnType<Date | string, Date, Date>;

/** A point in time that may be unset. */
export type NullableTimestamp = ColumnType<Date | string | null, Date | null, Date | null>;

/**
 * A nullable `bigint` column: postgres.js returns `bigint` as a string, SQLite a number;
 * repository functions convert with `Number()`.
 */
export type NullableIntegerColumn = ColumnType<
  number | string | bigint | null,
  number | null,
  number | null
>;

/** `cron_runs`: one row per finished run of a scheduled job. */
export interface CronRunsTable {
  id: string;
  name: string;
  started_at: Timestamp;
  finished_at: Timestamp;
  status: "ok" | "failed";
  detail: string | null;
}

/** `orgs`: an organization owns hosts and everything derived from them. */
export interface OrgsTable {
  id: string;
  slug: string;
  name: string;
  /** Null: the configured default (`AUDIT_RETENTION_DAYS`). */
  audit_retention_days: number | null;
  created_at: Timestamp;
}

/** `users`: an operator account; `email` is stored trimmed and lower-cased. */
export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  totp_secret_sealed: string | null;
  totp_enabled_at: NullableTimestamp;
  /** JSON array of the hashes of unused recovery codes. */
  recovery_codes: string | null;
  /** The last TOTP time step accepted (replay protection). */
  last_totp_step: NullableIntegerColumn;
  created_at: Timestamp;
  disabled_at: NullableTimestamp;
}

/** `memberships`: one role per user per organization. */
export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: "viewer" | "ops" | "admin" | "owner";
  created_at: Timestamp;
}

/** `invitations`: only the SHA-256 of the token is stored. */
export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: "viewer" | "ops" | "admin" | "owner";
  token_hash: string;
  invited_by: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
  accepted_by: string | null;
  revoked_at: NullableTimestamp;
}

/** `audit_entries`: the hash chain, one per organization (`chain` = org id, or `_global`). */
export interface AuditEntriesTable {
  chain: string;
  seq: number;
  id: string;
  ts: Timestamp;
  actor_type: string;
  actor_id: string;
  actor_label: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  ip: string | null;
  user_agent: string | null;
  summary: string;
  /** Canonical JSON text, hashed as stored. */
  details: string | null;
  prev_hash: string;
  hash: string;
}

/** `audit_heads`: the last entry of each chain; locking it serializes appends. */
export interface AuditHeadsTable {
  chain: string;
  seq: number;
  hash: string;
  updated_at: Timestamp;
}

/** `audit_prunes`: where retention cut a chain, so verification can start there. */
export interface AuditPrunesTable {
  chain: string;
  up_to_seq: number;
  hash_at_prune: string;
  pruned_at: Timestamp;
  count: number;
}

/** Every ledger table, by name. */
export interface LedgerSchema {
  cron_runs: CronRunsTable;
  orgs: OrgsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  audit_entries: AuditEntriesTable;
  audit_heads: AuditHeadsTable;
  audit_prunes: AuditPrunesTable;
}
