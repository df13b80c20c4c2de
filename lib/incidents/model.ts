/**
 * What an incident is (product §1.4): the domain shape of an `incidents` row, its timeline
 * events and links, the legal state transitions, and the one way timeline events are written.
 *
 * States: `open` → `acknowledged` → `resolved` → `closed`; `open` may be resolved directly;
 * `reopen` returns any non-open incident to `open`. Every change appends an `incident_events`
 * row with its actor and time.
 *
 * @module
 */

import type { Selectable } from "kysely";
import { monotonicFactory } from "ulid";
import type { IncidentEventsTable, IncidentsTable } from "../db/ledger/schema.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";

export const INCIDENT_STATES = ["open", "acknowledged", "resolved", "closed"] as const;
export type IncidentState = typeof INCIDENT_STATES[number];

export const INCIDENT_SEVERITIES = ["critical", "high", "medium"] as const;
export type IncidentSeverity = typeof INCIDENT_SEVERITIES[number];

/** What can be linked to an incident. */
export const LINK_KINDS = ["host", "signal", "breach", "run"] as const;
export type LinkKind = typeof LINK_KINDS[number];

/** How the incident came to be. */
export type IncidentSource = "manual" | "signal" | "breach" | "heartbeat";

/** State changes an operator asks for. */
export const TRANSITIONS = {
  acknowledge: { from: ["open"], to: "acknowledged" },
  resolve: { from: ["open", "acknowledged"], to: "resolved" },
  close: { from: ["resolved"], to: "closed" },
  reopen: { from: ["acknowledged", "resolved", "closed"], to: "open" },
} as const satisfies Record<string, { from: readonly IncidentState[]; to: IncidentState }>;
export type TransitionAction = keyof typeof TRANSITIONS;

/** Who changed an incident. */
export interface IncidentActor {
  type: "system" | "user";
  /** A user id, or the system component (`ingest`, `escalation`, `heartbeat`). */
  id: string;
  /** E-mail of a user, for audit entries. */
  label?: string;
}

/** The actor of automatic changes. */
export const systemActor = (id: string): IncidentActor => ({ type: "system", id });

/** One incident. */
export interface Incident {
  id: string;
  orgId: string;
  title: string;
  summary: string;
  severity: IncidentSeverity;
  state: IncidentState;
  hostId: string | null;
  groupKey: string | null;
  source: IncidentSource;
  assigneeId: string | null;
  createdBy: string;
  openedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  closedAt: Date | null;
  updatedAt: Date;
  lastSignalAt: Date | null;
  signalCount: number;
  /** When an unacknowledged incident escalates (open only). */
  ackDueAt: Date | null;
  /** 1-based level of the escalation policy paged last; 0 before any. */
  escalationLevel: number;
  /** Escalation timer counter: a timer acts only while its step is current. */
  escalationStep: number;
  remindersSent: number;
  nextEscalationAt: Date | null;
  /** Every linked breach is fixed: resolving is suggested. */
  suggestResolve: boolean;
  reopenCount: number;
}

/** One timeline entry. */
export interface IncidentEvent {
  id: string;
  incidentId: string;
  ts: Date;
  /** `opened`, `acknowledged`, `resolved`, `closed`, `reopened`, `assigned`, `note`, … */
  type: string;
  actorType: "system" | "user";
  actorId: string;
  fromState: IncidentState | null;
  toState: IncidentState | null;
  message: string;
  data: Record<string, unknown> | null;
}

const nextId = monotonicFactory();

/** A new incident id, `inc_<ulid>`. */
export const newIncidentId = (now: Date) => `inc_${nextId(now.getTime())}`;

/** Ids in creation order, also within one millisecond. */
export const nextEventId = (now: Date) => nextId(now.getTime());

/** Postgres text cannot hold NUL; every stored text is bounded. */
export const cleanText = (text: string, max: number) =>
  text.replaceAll("\0", "\uFFFD").slice(0, max);

/**
 * A JSON text column (a workflow run's result, a breach's evidence) as an object, or null.
 *
 * @example
 * ```ts
 * parseObject('{"a":1}'); // { a: 1 }
 * parseObject("[1]");      // null
 * ```
 */
export function parseObject(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? value as Record<string, unknown>
      : null;
  } catch {
    return null;
  }
}

/**
 * An `incidents` row as an {@link Incident}.
 *
 * @example
 * ```ts
 * const incident = toIncident(await db.selectFrom("incidents").selectAll().executeTakeFirstOrThrow());
 * ```
 */
export function toIncident(row: Selectable<IncidentsTable>): Incident {
  return {
    id: row.id,
    orgId: row.org_id,
    title: row.title,
    summary: row.summary,
    severity: row.severity,
    state: row.state,
    hostId: row.host_id,
    groupKey: row.group_key,
    source: row.source as IncidentSource,
    assigneeId: row.assignee_id,
    createdBy: row.created_by,
    openedAt: toDate(row.opened_at),
    acknowledgedAt: toDateOrNull(row.acknowledged_at),
    resolvedAt: toDateOrNull(row.resolved_at),
    closedAt: toDateOrNull(row.closed_at),
    updatedAt: toDate(row.updated_at),
    lastSignalAt: toDateOrNull(row.last_signal_at),
    signalCount: Number(row.signal_count),
    ackDueAt: toDateOrNull(row.ack_due_at),
    escalationLevel: Number(row.escalation_level),
    escalationStep: Number(row.escalation_step),
    remindersSent: Number(row.reminders_sent),
    nextEscalationAt: toDateOrNull(row.next_escalation_at),
    suggestResolve: Number(row.suggest_resolve) === 1,
    reopenCount: Number(row.reopen_count),
  };
}

/**
 * An `incident_events` row as an {@link IncidentEvent}.
 *
 * @example
 * ```ts
 * const timeline = rows.map(toIncidentEvent);
 * ```
 */
export function toIncidentEvent(row: Selectable<IncidentEventsTable>): IncidentEvent {
  return {
    id: row.id,
    incidentId: row.incident_id,
    ts: toDate(row.ts),
    type: row.type,
    actorType: row.actor_type === "user" ? "user" : "system",
    actorId: row.actor_id,
    fromState: row.from_state as IncidentState | null,
    toState: row.to_state as IncidentState | null,
    message: row.message,
    data: parseObject(row.data),
  };
}

/** A timeline entry to write with {@link appendEvent}. */
export interface NewEvent {
  type: string;
  actor: IncidentActor;
  now: Date;
  message: string;
  from?: IncidentState | null;
  to?: IncidentState | null;
  data?: Record<string, unknown>;
}

/**
 * Appends one timeline entry, in the caller's transaction.
 *
 * @example
 * ```ts
 * await appendEvent(tx, incident, { type: "note", actor, now, message: "Paged the DBA" });
 * ```
 */
export async function appendEvent(
  tx: LedgerTx,
  incident: Pick<Incident, "id" | "orgId">,
  event: NewEvent,
): Promise<void> {
  await tx.db.insertInto("incident_events").values({
    id: nextEventId(event.now),
    org_id: incident.orgId,
    incident_id: incident.id,
    ts: event.now,
    type: event.type,
    actor_type: event.actor.type,
    actor_id: event.actor.id,
    from_state: event.from ?? null,
    to_state: event.to ?? null,
    message: cleanText(event.message, 2000),
    data: event.data === undefined ? null : cleanText(JSON.stringify(event.data), 16_000),
  }).execute();
}

/** 404 for an incident that is not in the organization (or does not exist). */
export const incidentNotFound = () =>
  new HttpError(404, "No such incident in this organization.", { code: "not_found" });

/**
 * Checks that the incident is in `orgId` (one id-only read, for pages and reads that need
 * nothing else of it); 404 otherwise, so another organization's ids reveal nothing.
 *
 * @example
 * ```ts
 * await incidentInOrgOr404(services.ledger, org.id, ctx.params.incidentId);
 * ```
 */
export async function incidentInOrgOr404(
  tx: LedgerTx,
  orgId: string,
  incidentId: string,
): Promise<void> {
  const found = await tx.db.selectFrom("incidents").select("id")
    .where("id", "=", incidentId).where("org_id", "=", orgId).executeTakeFirst();
  if (!found) throw incidentNotFound();
}

/**
 * The incident, locked for the transaction (Postgres `for update`; SQLite write transactions
 * are exclusive); 404 when it is not in `orgId`.
 *
 * @example
 * ```ts
 * const incident = await lockIncident(tx, orgId, incidentId);
 * ```
 */
export async function lockIncident(
  tx: LedgerTx,
  orgId: string,
  incidentId: string,
): Promise<Incident> {
  let query = tx.db.selectFrom("incidents").selectAll()
    .where("id", "=", incidentId).where("org_id", "=", orgId);
  if (tx.dialect === "postgres") query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw incidentNotFound();
  return toIncident(row);
}

/**
 * The incident as stored now (in or out of a transaction), or null.
 *
 * @example
 * ```ts
 * const fresh = await readIncident(services.ledger, incidentId);
 * ```
 */
export async function readIncident(tx: LedgerTx, incidentId: string): Promise<Incident | null> {
  const row = await tx.db.selectFrom("incidents").selectAll().where("id", "=", incidentId)
    .executeTakeFirst();
  return row ? toIncident(row) : null;
}

/**
 * Links items to an incident (already linked ones are left as they are). Returns how many
 * links were new.
 *
 * @example
 * ```ts
 * await insertLinks(tx, incident, "signal", signalIds, "ingest", now);
 * ```
 */
export async function insertLinks(
  tx: LedgerTx,
  incident: Pick<Incident, "id" | "orgId">,
  kind: LinkKind,
  refIds: readonly string[],
  linkedBy: string,
  now: Date,
): Promise<number> {
  const ids = [...new Set(refIds)];
  let added = 0;
  for (let i = 0; i < ids.length; i += 200) {
    const batch = ids.slice(i, i + 200);
    const result = await tx.db.insertInto("incident_links").values(batch.map((refId) => ({
      incident_id: incident.id,
      org_id: incident.orgId,
      kind,
      ref_id: refId,
      linked_at: now,
      linked_by: linkedBy,
    }))).onConflict((oc) => oc.columns(["incident_id", "kind", "ref_id"]).doNothing())
      .executeTakeFirst();
    added += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}
