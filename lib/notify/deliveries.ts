/**
 * Deliveries and their attempts in the ledger (`notify_deliveries`, `notify_attempts`): one
 * delivery per notification and endpoint (or explicit address), one attempt row per send. A
 * consumer owns an attempt only after {@link claimDelivery} moved the row to `sending` with one
 * conditional update, and records it with {@link finishAttempt}, conditional again, so two
 * consumers of a duplicated queue message never both send.
 *
 * @module
 */

import { monotonicFactory } from "ulid";
import type { Insertable, Selectable } from "kysely";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { writeTransaction } from "../db/ledger/transaction.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";
import type { NotifyDeliveriesTable } from "../db/ledger/schema.ts";
import type { DigestItem, MessageContent } from "./render.ts";
import type { AttemptOutcome } from "./send.ts";
import type { DeliveryEventType, DeliveryStatus, EndpointKind, NotifySeverity } from "./types.ts";

const nextUlid = monotonicFactory();

/** What a delivery says, stored as JSON. */
export interface DeliveryPayload {
  summary: string;
  url?: string;
  data?: Record<string, unknown>;
  body?: { html: string; text: string };
  items?: DigestItem[];
}

/** One delivery. */
export interface Delivery {
  id: string;
  orgId: string;
  endpointId: string | null;
  kind: EndpointKind;
  recipient: string | null;
  eventType: DeliveryEventType;
  severity: NotifySeverity;
  title: string;
  dedupeKey: string | null;
  payload: DeliveryPayload;
  status: DeliveryStatus;
  reason: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
  claimedAt: Date | null;
  digestId: string | null;
  lastCode: number | null;
  lastError: string | null;
  lastLatencyMs: number | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

/** One send attempt of the delivery log. */
export interface DeliveryAttempt {
  attempt: number;
  startedAt: Date;
  status: "sent" | "failed";
  responseCode: number | null;
  latencyMs: number;
  error: string | null;
}

/** A delivery row to insert. */
export type NewDelivery = Insertable<NotifyDeliveriesTable>;

/**
 * A new, time-sortable delivery id.
 *
 * @example
 * ```ts
 * newDeliveryId(now); // "nd_01JDX3S7Q4M0C5V2YH7R8K9ZTA"
 * ```
 */
export function newDeliveryId(now: Date): string {
  return `nd_${nextUlid(now.getTime())}`;
}

type Row = Selectable<NotifyDeliveriesTable>;

function fromRow(row: Row): Delivery {
  return {
    id: row.id,
    orgId: row.org_id,
    endpointId: row.endpoint_id,
    kind: row.kind as EndpointKind,
    recipient: row.recipient,
    eventType: row.event_type as DeliveryEventType,
    severity: row.severity as NotifySeverity,
    title: row.title,
    dedupeKey: row.dedupe_key,
    payload: JSON.parse(row.payload) as DeliveryPayload,
    status: row.status as DeliveryStatus,
    reason: row.reason,
    attempts: Number(row.attempts),
    nextAttemptAt: toDateOrNull(row.next_attempt_at),
    claimedAt: toDateOrNull(row.claimed_at),
    digestId: row.digest_id,
    lastCode: row.last_code === null ? null : Number(row.last_code),
    lastError: row.last_error,
    lastLatencyMs: row.last_latency_ms === null ? null : Number(row.last_latency_ms),
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    sentAt: toDateOrNull(row.sent_at),
  };
}

/**
 * One delivery by id, or null.
 *
 * @example
 * ```ts
 * const delivery = await getDelivery(services.ledger, message.deliveryId);
 * ```
 */
export async function getDelivery(tx: LedgerTx, id: string): Promise<Delivery | null> {
  const row = await tx.db.selectFrom("notify_deliveries").selectAll().where("id", "=", id)
    .executeTakeFirst();
  return row ? fromRow(row) : null;
}

/**
 * The content a delivery sends.
 *
 * @example
 * ```ts
 * await sendOnce(services, target, contentOf(delivery, services.clock.now()));
 * ```
 */
export function contentOf(d: Delivery, at: Date): MessageContent {
  return {
    deliveryId: d.id,
    orgId: d.orgId,
    eventType: d.eventType,
    severity: d.severity,
    title: d.title,
    summary: d.payload.summary,
    url: d.payload.url,
    data: d.payload.data,
    body: d.payload.body,
    items: d.payload.items,
    at,
  };
}

/**
 * Claims attempt `attempt` of a delivery: `queued`/`retrying` with `attempt - 1` attempts made,
 * or a `sending` claim of the same attempt older than `leaseMs` (its consumer died), becomes
 * `sending` with `attempts = attempt`. False: someone else holds or finished it.
 *
 * @example
 * ```ts
 * if (!await claimDelivery(services.ledger, id, 2, now, 120_000)) return; // duplicate message
 * ```
 */
export async function claimDelivery(
  tx: LedgerTx,
  id: string,
  attempt: number,
  now: Date,
  leaseMs: number,
): Promise<boolean> {
  const staleBefore = new Date(now.getTime() - leaseMs);
  const result = await tx.db.updateTable("notify_deliveries")
    .set({ status: "sending", attempts: attempt, claimed_at: now, updated_at: now })
    .where("id", "=", id)
    .where((eb) =>
      eb.or([
        eb.and([
          eb("status", "in", ["queued", "retrying"]),
          eb("attempts", "=", attempt - 1),
        ]),
        eb.and([
          eb("status", "=", "sending"),
          eb("attempts", "=", attempt),
          eb("claimed_at", "<", staleBefore),
        ]),
      ])
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Where a delivery goes after an attempt. */
export interface AttemptResult {
  status: "sent" | "retrying" | "failed";
  nextAttemptAt: Date | null;
  reason?: string | null;
}

/**
 * Records a claimed attempt (the attempt row, idempotent on `<id>:<attempt>`) and moves the
 * delivery on, only while it is still `sending` this attempt. False: it was not (a stale claim
 * lost to another consumer); nothing changed.
 *
 * @example
 * ```ts
 * await finishAttempt(services.ledger, delivery, 1, startedAt, outcome, { status: "sent", nextAttemptAt: null }, now);
 * ```
 */
export async function finishAttempt(
  ledger: LedgerTx,
  delivery: Pick<Delivery, "id" | "orgId" | "endpointId">,
  attempt: number,
  startedAt: Date,
  outcome: AttemptOutcome,
  result: AttemptResult,
  now: Date,
): Promise<boolean> {
  return await writeTransaction(ledger, async (tx) => {
    const moved = await tx.db.updateTable("notify_deliveries")
      .set({
        status: result.status,
        next_attempt_at: result.nextAttemptAt,
        reason: result.reason ?? null,
        last_code: outcome.code,
        last_error: outcome.error,
        last_latency_ms: outcome.latencyMs,
        updated_at: now,
        ...(outcome.ok ? { sent_at: now } : {}),
      })
      .where("id", "=", delivery.id).where("status", "=", "sending")
      .where("attempts", "=", attempt)
      .executeTakeFirst();
    if (Number(moved.numUpdatedRows) === 0) return false;
    await tx.db.insertInto("notify_attempts").values({
      id: `${delivery.id}:${attempt}`,
      delivery_id: delivery.id,
      org_id: delivery.orgId,
      endpoint_id: delivery.endpointId,
      attempt,
      started_at: startedAt,
      status: outcome.ok ? "sent" : "failed",
      response_code: outcome.code,
      latency_ms: outcome.latencyMs,
      error: outcome.error,
    }).onConflict((oc) => oc.column("id").doNothing()).execute();
    return true;
  });
}

/**
 * The attempts of deliveries, oldest first, by delivery id.
 *
 * @example
 * ```ts
 * const attempts = await attemptsOf(services.ledger, [delivery.id]);
 * attempts.get(delivery.id)?.length; // 2 after a retry
 * ```
 */
export async function attemptsOf(
  tx: LedgerTx,
  deliveryIds: string[],
): Promise<Map<string, DeliveryAttempt[]>> {
  const out = new Map<string, DeliveryAttempt[]>();
  if (deliveryIds.length === 0) return out;
  const rows = await tx.db.selectFrom("notify_attempts").selectAll()
    .where("delivery_id", "in", deliveryIds).orderBy("delivery_id").orderBy("attempt").execute();
  for (const r of rows) {
    const list = out.get(r.delivery_id) ?? [];
    list.push({
      attempt: Number(r.attempt),
      startedAt: toDate(r.started_at),
      status: r.status,
      responseCode: r.response_code === null ? null : Number(r.response_code),
      latencyMs: Number(r.latency_ms),
      error: r.error,
    });
    out.set(r.delivery_id, list);
  }
  return out;
}

/** Where {@link deliveryLog} continues: the last delivery of the previous page. */
export interface DeliveryCursor {
  createdAt: Date;
  id: string;
}

/**
 * An endpoint's deliveries, newest first (`created_at desc, id desc`), with their attempts (the
 * delivery log). `limit` is cut to 1-200 (default 50). Pass the last delivery of a page as
 * `before` for the next one: keyset on the sort order, so nothing is skipped or repeated.
 *
 * @example
 * ```ts
 * const log = await deliveryLog(services.ledger, org.id, endpoint.id, { limit: 50 });
 * const older = await deliveryLog(services.ledger, org.id, endpoint.id, { before: log.at(-1) });
 * ```
 */
export async function deliveryLog(
  tx: LedgerTx,
  orgId: string,
  endpointId: string,
  options: { limit?: number; before?: DeliveryCursor } = {},
): Promise<(Delivery & { attemptLog: DeliveryAttempt[] })[]> {
  let query = tx.db.selectFrom("notify_deliveries").selectAll()
    .where("org_id", "=", orgId).where("endpoint_id", "=", endpointId);
  const { before } = options;
  if (before !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb("created_at", "<", before.createdAt),
        eb.and([eb("created_at", "=", before.createdAt), eb("id", "<", before.id)]),
      ])
    );
  }
  const rows = await query.orderBy("created_at", "desc").orderBy("id", "desc")
    .limit(Math.min(Math.max(options.limit ?? 50, 1), 200)).execute();
  const deliveries = rows.map((r) => fromRow(r));
  const attempts = await attemptsOf(tx, deliveries.map((d) => d.id));
  return deliveries.map((d) => ({ ...d, attemptLog: attempts.get(d.id) ?? [] }));
}

/**
 * Status of the latest delivery per endpoint of an organization (test sends included).
 *
 * @example
 * ```ts
 * const last = await lastDeliveries(services.ledger, org.id);
 * last.get(endpoint.id)?.status; // "sent"
 * ```
 */
export async function lastDeliveries(
  tx: LedgerTx,
  orgId: string,
): Promise<Map<string, Pick<Delivery, "id" | "status" | "lastCode" | "updatedAt">>> {
  const rows = await tx.db.selectFrom("notify_deliveries as d")
    .select(["d.id", "d.endpoint_id", "d.status", "d.last_code", "d.updated_at"])
    .where("d.org_id", "=", orgId)
    .where("d.endpoint_id", "is not", null)
    .where("d.status", "not in", ["batched", "digested"])
    .where((eb) =>
      eb(
        "d.id",
        "=",
        (sub) =>
          sub.selectFrom("notify_deliveries as e").select((e) => e.fn.max("e.id").as("id"))
            .whereRef("e.endpoint_id", "=", "d.endpoint_id")
            .where("e.status", "not in", ["batched", "digested"]),
      )
    )
    .execute();
  const out = new Map<string, Pick<Delivery, "id" | "status" | "lastCode" | "updatedAt">>();
  for (const r of rows) {
    out.set(r.endpoint_id!, {
      id: r.id,
      status: r.status as DeliveryStatus,
      lastCode: r.last_code === null ? null : Number(r.last_code),
      updatedAt: toDate(r.updated_at),
    });
  }
  return out;
}
