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
  /** Latest job poll of the host runner (agent-protocol Part 5; not a heartbeat). */
  last_poll_at: Generated<Date | string | null>;
  /** Highest accepted signed-ingest `seq` (agent-protocol §2.6); null before the first. */
  last_seq: ColumnType<number | string | bigint | null, number | null | undefined, number | null>;
  /** The host's own expected heartbeat interval, minutes 1-1440; null: the deployment default. */
  heartbeat_expected_minutes: ColumnType<number | null, number | null | undefined, number | null>;
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
  /** Chart summary (`lib/charts/snapshot_metrics.ts`): host CPU, memory, root disk % used. */
  cpu_pct: ChartMetricColumn;
  mem_pct: ChartMetricColumn;
  disk_pct: ChartMetricColumn;
  /** The posture score at ingest (this snapshot's signals, fresh heartbeat). */
  posture_score: ChartMetricColumn;
}

/** A nullable number written at ingest; null before the charts migration or when unknown. */
export type ChartMetricColumn = ColumnType<number | null, number | null | undefined, number | null>;

/** `fleet_hourly`: per organization and UTC hour, `snapshots` and `signals:<severity>` counts. */
export interface FleetHourlyTable {
  org_id: string;
  bucket: Timestamp;
  name: string;
  n: ColumnType<number | string | bigint, number, number>;
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

/** `remediation_runs`: one dry-run or execute request, its frozen plan and its lifecycle. */
export interface RemediationRunsTable {
  id: string;
  org_id: string;
  host_id: string;
  action_id: string;
  action_version: number;
  mode: "dry-run" | "execute";
  plan_hash: string;
  risk_tier: string;
  /** JSON object. */
  params: string;
  /** JSON: the plan as built at request time. */
  plan: string;
  state: string;
  breach_id: string | null;
  requested_by: string;
  requested_ip: string | null;
  needs_approval: number;
  decided_by: string | null;
  decided_at: NullableTimestamp;
  decision_reason: string | null;
  attempts: Generated<number>;
  last_error: string | null;
  dead_letter_reason: string | null;
  job_jti: string | null;
  rollback_jti: string | null;
  /** JSON: the runner's result (agent-protocol §3.6). */
  result: string | null;
  confirm_state: string | null;
  confirm_deadline: NullableTimestamp;
  verification: string | null;
  verification_detail: string | null;
  /** JSON array of the critical codes the host showed before the job started. */
  health_baseline: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  expires_at: Timestamp;
  dispatched_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

/** `remediation_policies`: an organization's guard profile, kill switch and windows. */
export interface RemediationPoliciesTable {
  org_id: string;
  profile: string;
  frozen: Generated<number>;
  frozen_reason: string | null;
  approval_threshold: string;
  /** JSON array of `{start, end, reason}`. */
  maintenance_windows: Generated<string>;
  updated_by: string | null;
  updated_at: Timestamp;
}

/** `remediation_host_policies`: per-host guard knob overrides. */
export interface RemediationHostPoliciesTable {
  host_id: string;
  org_id: string;
  /** JSON: partial guard knobs. */
  overrides: string;
  updated_at: Timestamp;
}

/** `ip_bans`: bans placed by `block-ip`, for the repeat-offender ladder. */
export interface IpBansTable {
  id: string;
  org_id: string;
  ip: string;
  run_id: string;
  banned_at: Timestamp;
  duration_s: number;
}

/** `job_signing_keys`: the control plane's Ed25519 job-signing keys (agent-protocol §3.2, §3.8). */
export interface JobSigningKeysTable {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  /** base64url of the 32-byte public key. */
  public_x: string;
  /** `sealString(appSecret, "job-signing-key", JSON {kid, x, d})`. */
  private_sealed: string;
  /** 1 for the one active key, null once rotated out (unique). */
  active: number | null;
  created_at: Timestamp;
  /** Null while active; the end of the verification overlap once rotated out. */
  not_after: NullableTimestamp;
}

/** `remediation_jobs`: signed jobs of the host channel and their results (agent-protocol Part 3). */
export interface RemediationJobsTable {
  /** `job_<ulid>`. */
  jti: string;
  org_id: string;
  host_id: string;
  run_id: string;
  mode: "dry-run" | "execute" | "rollback" | "verify";
  action_id: string;
  action_version: number;
  plan_hash: string;
  /** JSON: the signed claims. */
  claims: string;
  jws: string;
  kid: string;
  iat: Timestamp;
  exp: Timestamp;
  /** `JobState` of `lib/remediation/job_store.ts`. */
  state: string;
  delivered_at: NullableTimestamp;
  /** JSON: the validated result body. */
  result: string | null;
  /** Lowercase hex SHA-256 of the result body as received. */
  result_hash: string | null;
  result_at: NullableTimestamp;
  rollback_of: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** `incidents`: one incident of an organization (lib/incidents/model.ts). */
export interface IncidentsTable {
  id: string;
  org_id: string;
  title: string;
  summary: string;
  severity: "critical" | "high" | "medium";
  state: "open" | "acknowledged" | "resolved" | "closed";
  host_id: string | null;
  group_key: string | null;
  source: string;
  assignee_id: string | null;
  created_by: string;
  opened_at: Timestamp;
  acknowledged_at: NullableTimestamp;
  resolved_at: NullableTimestamp;
  closed_at: NullableTimestamp;
  updated_at: Timestamp;
  last_signal_at: NullableTimestamp;
  signal_count: Generated<number>;
  ack_due_at: NullableTimestamp;
  escalation_level: Generated<number>;
  escalation_step: Generated<number>;
  reminders_sent: Generated<number>;
  next_escalation_at: NullableTimestamp;
  suggest_resolve: Generated<number>;
  reopen_count: Generated<number>;
}

/** `incident_events`: the incident timeline. */
export interface IncidentEventsTable {
  id: string;
  org_id: string;
  incident_id: string;
  ts: Timestamp;
  type: string;
  actor_type: string;
  actor_id: string;
  from_state: string | null;
  to_state: string | null;
  message: string;
  /** JSON object or null. */
  data: string | null;
}

/** `incident_links`: hosts, signals, breaches and runs linked to an incident. */
export interface IncidentLinksTable {
  incident_id: string;
  org_id: string;
  kind: "host" | "signal" | "breach" | "run";
  ref_id: string;
  linked_at: Timestamp;
  linked_by: string;
}

/** `incident_workflow_steps`: the latest result of each workflow step of an incident. */
export interface IncidentWorkflowStepsTable {
  incident_id: string;
  org_id: string;
  workflow_id: string;
  step_id: string;
  status: string;
  /** JSON object or null. */
  result: string | null;
  actor_id: string;
  updated_at: Timestamp;
}

/** `postmortems`: one per incident, drafted on resolve. */
export interface PostmortemsTable {
  incident_id: string;
  org_id: string;
  status: "draft" | "published" | "waived";
  summary: string;
  impact: string;
  root_cause: string;
  /** JSON array. */
  action_items: string;
  /** JSON object. */
  prefill: string;
  waive_reason: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  updated_by: string;
  published_at: NullableTimestamp;
  published_by: string | null;
}

/** `escalation_policies`: one per organization (defaults when absent). */
export interface EscalationPoliciesTable {
  org_id: string;
  /** JSON array of levels. */
  levels: string;
  /** JSON {critical, high, medium} minutes. */
  ack_minutes: string;
  /** JSON {critical, high, medium} minutes. */
  repeat_minutes: string;
  repeat_count: number | null;
  updated_by: string;
  updated_at: Timestamp;
}

/** `notify_endpoints`: where an organization's notifications go (`lib/notify/endpoint_store.ts`). */
export interface NotifyEndpointsTable {
  id: string;
  org_id: string;
  name: string;
  kind: "email" | "webhook" | "slack" | "discord";
  enabled: number;
  /** `sealString(appSecret, "notify-endpoint-url", url)`. */
  url_sealed: string | null;
  url_display: string | null;
  /** JSON array of addresses. */
  emails: string | null;
  /** `sealString(appSecret, "notify-webhook-secret", "whsec_…")`. */
  secret_sealed: string | null;
  /** The secret before the last rotation, sealed like `secret_sealed`; null when none. */
  previous_secret_sealed: string | null;
  /** Until when deliveries are also signed with the previous secret; null when none. */
  previous_secret_until: NullableTimestamp;
  min_severity: string;
  /** JSON array of event types; [] = all. */
  event_types: string;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** `notify_deliveries`: one notification to one endpoint (or address) and its state. */
export interface NotifyDeliveriesTable {
  id: string;
  org_id: string;
  endpoint_id: string | null;
  kind: string;
  recipient: string | null;
  event_type: string;
  severity: string;
  title: string;
  dedupe_key: string | null;
  /** JSON: summary, url, data, body, digest items. */
  payload: string;
  status: string;
  reason: string | null;
  attempts: Generated<number>;
  next_attempt_at: NullableTimestamp;
  claimed_at: NullableTimestamp;
  digest_id: string | null;
  last_code: number | null;
  last_error: string | null;
  last_latency_ms: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  sent_at: NullableTimestamp;
}

/** `notify_attempts`: the delivery log, one row per send attempt (`<deliveryId>:<attempt>`). */
export interface NotifyAttemptsTable {
  id: string;
  delivery_id: string;
  org_id: string;
  endpoint_id: string | null;
  attempt: number;
  started_at: Timestamp;
  status: "sent" | "failed";
  response_code: number | null;
  latency_ms: number;
  error: string | null;
}

/** `notify_settings`: an organization's dedupe window, quiet hours and digest interval. */
export interface NotifySettingsTable {
  org_id: string;
  dedupe_window_minutes: number;
  quiet_start: string | null;
  quiet_end: string | null;
  timezone: string;
  digest_interval_minutes: number;
  updated_by: string | null;
  updated_at: Timestamp;
}

/** `report_settings`: an organization's scheduled fleet report (lib/reports/settings.ts). */
export interface ReportSettingsTable {
  org_id: string;
  /** 0/1. */
  enabled: number;
  frequency: "daily" | "weekly";
  /** 0 = Sunday … 6 = Saturday (UTC). */
  weekday: number;
  hour_utc: number;
  /** JSON array of e-mail addresses. */
  emails: string;
  /** 0/1: also to the notification endpoints routed for `report`. */
  via_endpoints: number;
  /** When the schedule was last switched on or changed; earlier slots are never sent. */
  schedule_since: NullableTimestamp;
  updated_by: string | null;
  updated_at: Timestamp;
}

/** `report_sends`: one scheduled report per organization and period (unique), and its outcome. */
export interface ReportSendsTable {
  id: string;
  org_id: string;
  /** `daily:2026-11-25` / `weekly:2026-11-23`. */
  period_key: string;
  state: "sending" | "sent" | "failed";
  attempts: Generated<number>;
  claimed_at: Timestamp;
  finished_at: NullableTimestamp;
  detail: string | null;
}

/** Every ledger table, by name. */
/** `host_summaries`: what the fleet overview sorts, filters and shows, one row per host. */
export interface HostSummariesTable {
  host_id: string;
  org_id: string;
  slug: string;
  /** `lower(name) || '\n' || slug`, what the overview's search matches. */
  search: string;
  group_name: string | null;
  /** JSON array, as `hosts.tags`. */
  tags: string;
  /** The last accepted push; the epoch for a host never seen. */
  seen_at: Timestamp;
  /** 0 while the host is disabled (left out of the overview and its counters). */
  enabled: number;
  score: number;
  band: "low" | "guarded" | "elevated" | "critical";
  heartbeat: "fresh" | "delayed" | "stale" | "missing";
  critical: number;
  high: number;
  medium: number;
  low: number;
  info: number;
  snapshot_id: string | null;
  snapshot_ts: NullableTimestamp;
  /** JSON `[{code, severity, count}]` of the latest snapshot; null until read from KV. */
  items: string | null;
  /** When time alone may next change the stored posture or heartbeat; null: never. */
  refresh_at: NullableTimestamp;
  updated_at: Timestamp;
}

/** `fleet_counts`: an organization's fleet counters (`hosts`, `band:*`, `heartbeat:*`, `signals:*`). */
export interface FleetCountsTable {
  org_id: string;
  name: string;
  n: ColumnType<number | string | bigint, number, number>;
}

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
  host_summaries: HostSummariesTable;
  fleet_counts: FleetCountsTable;
  fleet_hourly: FleetHourlyTable;
  host_keys: HostKeysTable;
  snapshots: SnapshotsTable;
  signals: SignalsTable;
  breaches: BreachesTable;
  breach_events: BreachEventsTable;
  remediation_runs: RemediationRunsTable;
  remediation_policies: RemediationPoliciesTable;
  remediation_host_policies: RemediationHostPoliciesTable;
  ip_bans: IpBansTable;
  job_signing_keys: JobSigningKeysTable;
  remediation_jobs: RemediationJobsTable;
  report_settings: ReportSettingsTable;
  report_sends: ReportSendsTable;
  incidents: IncidentsTable;
  incident_events: IncidentEventsTable;
  incident_links: IncidentLinksTable;
  incident_workflow_steps: IncidentWorkflowStepsTable;
  postmortems: PostmortemsTable;
  escalation_policies: EscalationPoliciesTable;
  notify_endpoints: NotifyEndpointsTable;
  notify_deliveries: NotifyDeliveriesTable;
  notify_attempts: NotifyAttemptsTable;
  notify_settings: NotifySettingsTable;
}
