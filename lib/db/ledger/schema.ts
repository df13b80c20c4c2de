/**
 * Table types of the ledger, shared by both dialects. A column whose stored form differs by
 * dialect (a `timestamptz` on Postgres comes back as a `Date`, the same column on SQLite as ISO
 * text) is typed with both; repository functions convert rows to one domain shape.
 *
 * @module
 */

import type { ColumnType, Generated } from "kysely";

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
  /** Days raw snapshots are kept; null: the default (30). Added by the hosts migration. */
  snapshot_retention_days: ColumnType<number | null, number | null | undefined, number | null>;
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

/** `hosts`: one monitored server of an organization; `slug` is unique per organization. */
export interface HostsTable {
  /** Opaque, `[A-Za-z0-9_-]{1,64}` (agent-protocol §0); not the hostname. */
  id: string;
  org_id: string;
  name: string;
  slug: string;
  group_name: string | null;
  /** JSON array of tag strings. */
  tags: Generated<string>;
  /** JSON array of free-form fleet-targeting labels (not key scopes). */
  scopes: Generated<string>;
  /** −100..100; higher rolls out first. */
  rollout_priority: Generated<number>;
  /** 0/1. */
  paused: Generated<number>;
  disabled_at: NullableTimestamp;
  ingest_mode: Generated<"bearer" | "signed">;
  agent_version: string | null;
  /** Receive time of the newest accepted status POST (heartbeat). */
  last_seen_at: NullableTimestamp;
  /** Collection time (`ts`) of the newest stored snapshot. */
  last_snapshot_at: NullableTimestamp;
  /** Highest accepted signed-ingest `seq` (agent-protocol §2.6); null before the first. */
  last_seq: ColumnType<number | string | bigint | null, number | null | undefined, number | null>;
  created_at: Timestamp;
}

/** `host_keys`: host API keys, enrollment tokens and runner keys; only token hashes stored. */
export interface HostKeysTable {
  id: string;
  org_id: string;
  host_id: string;
  kind: "api" | "enroll" | "runner";
  /** First 14 characters of the token plus `...`. */
  prefix: string;
  /** Lowercase hex SHA-256 of the token; null for runner keys. */
  token_hash: string | null;
  version: number;
  label: string | null;
  /** JSON array of key scopes; empty or unparseable means none. */
  scopes: Generated<string>;
  created_at: Timestamp;
  expires_at: NullableTimestamp;
  grace_until: NullableTimestamp;
  revoked_at: NullableTimestamp;
  revoked_reason: string | null;
  rotated_from_key_id: string | null;
  last_used_at: NullableTimestamp;
  last_used_ip: string | null;
  /** Runner keys: RFC 7638 thumbprint of the public key (unique); null for token keys. */
  key_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Runner keys: the public JWK `{"kty":"OKP","crv":"Ed25519","x":…}` as JSON text. */
  public_jwk: ColumnType<string | null, string | null | undefined, string | null>;
  /** Runner keys: what the runner reported at enrollment. */
  runner_version: ColumnType<string | null, string | null | undefined, string | null>;
  runner_hostname: ColumnType<string | null, string | null | undefined, string | null>;
}

/** `snapshots`: raw status pushes (history); pruned by retention. */
export interface SnapshotsTable {
  id: string;
  org_id: string;
  host_id: string;
  /** Collection time reported by the agent (or the receive time when missing). */
  ts: Timestamp;
  received_at: Timestamp;
  /** sha256 hex of the raw request bytes. */
  payload_hash: string;
  payload_bytes: number;
  /** 0/1. */
  ok: number;
  /** JSON array of ingest warnings. */
  warnings: Generated<string>;
  /** JSON object: the status.json as received (minus `_` members). */
  base: string;
  last: string | null;
  diff: string | null;
  alerts_count: number;
  public_ports_count: number;
  /** Signed ingest: the runner's sequence number, unique per host; null for bearer pushes. */
  seq: ColumnType<number | string | bigint | null, number | null | undefined, number | null>;
}

/** `signals`: normalized findings; kept after their snapshot is pruned. */
export interface SignalsTable {
  id: string;
  org_id: string;
  host_id: string;
  /** Null for signals not carried by a snapshot (heartbeat sweeps). */
  snapshot_id: string | null;
  code: string;
  severity: "info" | "low" | "medium" | "high" | "critical";
  title: string;
  detail: string;
  ts: Timestamp;
  source: string;
  fingerprint: string;
  /** JSON object or null. */
  evidence: string | null;
  /** JSON array of MITRE ATT&CK technique ids or null. */
  mitre: string | null;
  created_at: Timestamp;
}

/** `breaches`: the breach ledger, one row per host and finding fingerprint. */
export interface BreachesTable {
  id: string;
  org_id: string;
  host_id: string;
  fingerprint: string;
  code: string;
  severity: "info" | "low" | "medium" | "high" | "critical";
  title: string;
  detail: string;
  /** JSON object or null. */
  evidence: string | null;
  state: "open" | "mitigated" | "fixed" | "ignored";
  opened_at: Timestamp;
  last_seen_at: Timestamp;
  /** Collection time of the newest snapshot that decided the breach. */
  checked_at: NullableTimestamp;
  state_changed_at: Timestamp;
  fixed_at: NullableTimestamp;
  ignored_until: NullableTimestamp;
  ignore_reason: string | null;
  reopen_count: Generated<number>;
  /** `system` or a user id. */
  created_by: string;
}

/** `breach_events`: every state change of a breach. */
export interface BreachEventsTable {
  id: string;
  org_id: string;
  breach_id: string;
  ts: Timestamp;
  from_state: string | null;
  to_state: string;
  actor_type: string;
  actor_id: string;
  reason: string | null;
  snapshot_id: string | null;
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
  hosts: HostsTable;
  host_keys: HostKeysTable;
  snapshots: SnapshotsTable;
  signals: SignalsTable;
  breaches: BreachesTable;
  breach_events: BreachEventsTable;
}
