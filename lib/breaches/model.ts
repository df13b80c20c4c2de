/**
 * What a breach is: the domain shape of a `breaches` row and its `breach_events`, reading rows
 * into them, and the one way state changes are written (row update + event, always together).
 *
 * @module
 */

import type { Selectable, Updateable } from "kysely";
import { monotonicFactory } from "ulid";
import type { BreachesTable, BreachEventsTable } from "../db/ledger/schema.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";
import type { Severity } from "../signals/types.ts";
// Incidents read their JSON columns the same way; one reader for both.
import { parseObject } from "../incidents/model.ts";

/** `open` → (`mitigated`) → `fixed`; `ignored` until an optional expiry. */
export const BREACH_STATES = ["open", "mitigated", "fixed", "ignored"] as const;
export type BreachState = typeof BREACH_STATES[number];

/** Who changed a breach: the reconciler (`system`) or an operator (`user`). */
export interface BreachActor {
  type: "system" | "user";
  /** `system` or the user id. */
  id: string;
}

/** The system actor (snapshot reconciliation, expiry cron). */
export const SYSTEM_ACTOR: BreachActor = { type: "system", id: "system" };

/** One breach of the ledger. */
export interface Breach {
  id: string;
  orgId: string;
  hostId: string;
  fingerprint: string;
  code: string;
  severity: Severity;
  title: string;
  detail: string;
  evidence: Record<string, unknown> | null;
  state: BreachState;
  openedAt: Date;
  /** Collection time of the newest snapshot that showed the finding. */
  lastSeenAt: Date;
  /** Collection time of the newest snapshot that decided the breach (present or absent). */
  checkedAt: Date | null;
  stateChangedAt: Date;
  fixedAt: Date | null;
  ignoredUntil: Date | null;
  ignoreReason: string | null;
  reopenCount: number;
  /** `system` or a user id. */
  createdBy: string;
}

/** One state change of a breach. */
export interface BreachEvent {
  id: string;
  breachId: string;
  ts: Date;
  fromState: BreachState | null;
  toState: BreachState;
  actorType: "system" | "user";
  actorId: string;
  reason: string | null;
  snapshotId: string | null;
}

/** Ids in creation order, also within one millisecond. */
export const nextBreachId = monotonicFactory();

/** Postgres text cannot hold NUL. */
export const pgSafe = (text: string) => text.replaceAll("\0", "\uFFFD");

/**
 * A `breaches` row as a {@link Breach}.
 *
 * @example
 * ```ts
 * const breach = toBreach(await db.selectFrom("breaches").selectAll().executeTakeFirstOrThrow());
 * ```
 */
export function toBreach(row: Selectable<BreachesTable>): Breach {
  return {
    id: row.id,
    orgId: row.org_id,
    hostId: row.host_id,
    fingerprint: row.fingerprint,
    code: row.code,
    severity: row.severity,
    title: row.title,
    detail: row.detail,
    evidence: parseObject(row.evidence),
    state: row.state,
    openedAt: toDate(row.opened_at),
    lastSeenAt: toDate(row.last_seen_at),
    checkedAt: toDateOrNull(row.checked_at),
    stateChangedAt: toDate(row.state_changed_at),
    fixedAt: toDateOrNull(row.fixed_at),
    ignoredUntil: toDateOrNull(row.ignored_until),
    ignoreReason: row.ignore_reason,
    reopenCount: Number(row.reopen_count),
    createdBy: row.created_by,
  };
}

/**
 * A `breach_events` row as a {@link BreachEvent}.
 *
 * @example
 * ```ts
 * const events = rows.map(toBreachEvent);
 * ```
 */
export function toBreachEvent(row: Selectable<BreachEventsTable>): BreachEvent {
  return {
    id: row.id,
    breachId: row.breach_id,
    ts: toDate(row.ts),
    fromState: row.from_state as BreachState | null,
    toState: row.to_state as BreachState,
    actorType: row.actor_type === "user" ? "user" : "system",
    actorId: row.actor_id,
    reason: row.reason,
    snapshotId: row.snapshot_id,
  };
}

/** A state change to write with {@link changeState}. */
export interface StateChange {
  to: BreachState;
  actor: BreachActor;
  /** Wall-clock time of the change. */
  now: Date;
  reason?: string | null;
  snapshotId?: string | null;
  /** Further columns to set with the state (fixed_at, ignored_until, reopen_count, …). */
  set?: Pick<
    Updateable<BreachesTable>,
    "fixed_at" | "ignored_until" | "ignore_reason" | "last_seen_at" | "checked_at" | "reopen_count"
  >;
}

/**
 * Moves `breach` to `change.to` and appends its event, in the caller's transaction. Every state
 * change of the ledger goes through here, so none is ever left without its event.
 *
 * @example
 * ```ts
 * await writeTransaction(ledger, (tx) =>
 *   changeState(tx, breach, { to: "fixed", actor: SYSTEM_ACTOR, now, set: { fixed_at: now } }));
 * ```
 */
export async function changeState(
  tx: LedgerTx,
  breach: Pick<Breach, "id" | "orgId" | "state">,
  change: StateChange,
): Promise<void> {
  await tx.db.updateTable("breaches").set({
    state: change.to,
    state_changed_at: change.now,
    ...change.set,
  }).where("id", "=", breach.id).execute();
  await insertBreachEvent(tx, breach, breach.state, change);
}

/**
 * Appends one event (also for the creation of a breach, with `from` null).
 *
 * @example
 * ```ts
 * await insertBreachEvent(tx, breach, null, { to: "open", actor: SYSTEM_ACTOR, now });
 * ```
 */
export async function insertBreachEvent(
  tx: LedgerTx,
  breach: Pick<Breach, "id" | "orgId">,
  from: BreachState | null,
  change: Pick<StateChange, "to" | "actor" | "now" | "reason" | "snapshotId">,
): Promise<void> {
  await tx.db.insertInto("breach_events").values({
    id: nextBreachId(change.now.getTime()),
    org_id: breach.orgId,
    breach_id: breach.id,
    ts: change.now,
    from_state: from,
    to_state: change.to,
    actor_type: change.actor.type,
    actor_id: change.actor.id,
    reason: change.reason == null ? null : pgSafe(change.reason).slice(0, 1000),
    snapshot_id: change.snapshotId ?? null,
  }).execute();
}
