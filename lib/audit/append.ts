/**
 * Appending to the audit trail. Each organization has its own hash chain (entries without an
 * organization go to the `_global` chain); an entry stores the previous entry's hash and its
 * own hash over every field, so editing, deleting or reordering stored entries is detectable
 * (`verify.ts`).
 *
 * Appends to one chain are serialized by locking its `audit_heads` row inside the transaction
 * that inserts the entry: on Postgres `insert … on conflict do nothing` then
 * `select … for update`; on SQLite the write transaction (`begin immediate`, see
 * `writeTransaction`) is exclusive already. So `seq` is contiguous even under concurrent
 * appends from several processes.
 *
 * @module
 */

import { ulid } from "ulid";
import type { ActorRef } from "../auth/roles.ts";
import { type LedgerTx, writeTransaction } from "../db/ledger/transaction.ts";
import { canonicalJson, entryHash, GENESIS_HASH, type HashedAuditFields } from "./canonical.ts";
import { type AuditEntry, chainOf, GLOBAL_CHAIN } from "./entry.ts";

export type { AuditEntry } from "./entry.ts";
export { GLOBAL_CHAIN } from "./entry.ts";

/** What to record. Optional request fields may be null or undefined alike. */
export interface AuditInput {
  /** The organization the entry belongs to; null for the global chain. */
  orgId: string | null;
  actor: ActorRef;
  /** `<area>.<verb>[.denied|.failed]`, lower-case, e.g. `org.member.add`, `auth.sign_in.failed`. */
  action: string;
  target?: { type: string; id: string } | null;
  requestId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** One human sentence; longer than {@link MAX_SUMMARY_LENGTH} is truncated. */
  summary: string;
  /** Structured detail; over {@link MAX_DETAILS_BYTES} of canonical JSON is truncated. */
  details?: Record<string, unknown> | null;
  /** Defaults to now; stored with millisecond precision. */
  ts?: Date;
}

/** What an action looks like. */
export const AUDIT_ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+(\.(denied|failed))?$/;
/** Longest summary, in characters. */
export const MAX_SUMMARY_LENGTH = 500;
/** Largest canonical JSON of `details`, in bytes. */
export const MAX_DETAILS_BYTES = 16 * 1024;

/** Longest stored value of the short fields; longer values are cut (never rejected). */
const FIELD_LIMITS = {
  actorId: 200,
  actorLabel: 200,
  targetType: 50,
  targetId: 200,
  requestId: 128,
  ip: 64,
  userAgent: 512,
} as const;

const encoder = new TextEncoder();

function cut(value: string, max: number): string {
  return value.length <= max ? value : value.slice(0, max - 1) + "…";
}

function optional(value: string | null | undefined, max: number): string | null {
  return value === undefined || value === null || value === "" ? null : cut(value, max);
}

/**
 * The stored text of `details`: canonical JSON, or when over {@link MAX_DETAILS_BYTES} an object
 * saying so, with the original size and a prefix of the text.
 */
function detailsText(details: Record<string, unknown> | null | undefined): string | null {
  if (details === undefined || details === null) return null;
  const text = canonicalJson(details);
  const bytes = encoder.encode(text).length;
  if (bytes <= MAX_DETAILS_BYTES) return text;
  // Escaping can grow the preview; halve it until the marker object fits.
  for (let previewLength = 8 * 1024;; previewLength = Math.floor(previewLength / 2)) {
    const marker = canonicalJson({
      _truncated: true,
      _originalBytes: bytes,
      _preview: text.slice(0, previewLength),
    });
    if (encoder.encode(marker).length <= MAX_DETAILS_BYTES || previewLength === 0) return marker;
  }
}

/** Thrown for an entry that cannot be recorded as given (a programming error, not user input). */
export class AuditInputError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = "AuditInputError";
  }
}

function validate(input: AuditInput): void {
  if (!AUDIT_ACTION.test(input.action)) {
    throw new AuditInputError(
      `audit action must look like "<area>.<verb>[.denied|.failed]" in lower case ` +
        `(e.g. "org.member.add"), got ${JSON.stringify(input.action)}`,
    );
  }
  if (!["user", "host", "system", "anonymous"].includes(input.actor.type)) {
    throw new AuditInputError(
      `audit actor.type must be user, host, system or anonymous, got ${
        JSON.stringify(input.actor.type)
      }`,
    );
  }
  if (input.orgId === "" || input.orgId === GLOBAL_CHAIN) {
    throw new AuditInputError(`audit orgId must be an organization id or null (global chain)`);
  }
  if (input.ts !== undefined && Number.isNaN(input.ts.getTime())) {
    throw new AuditInputError("audit ts is an invalid Date");
  }
}

/** The locked head of a chain: its last seq (0 when empty) and hash. */
export interface ChainHead {
  chain: string;
  seq: number;
  hash: string;
}

/**
 * Inside a write transaction, creates the chain's head row if missing and locks it (Postgres
 * `for update`; SQLite's write transaction is exclusive), returning the current head. Appends
 * and pruning call this first, so they run one at a time per chain.
 *
 * @example
 * ```ts
 * await writeTransaction(ledger, async (tx) => {
 *   const head = await lockChainHead(tx, chain, now);
 * });
 * ```
 */
export async function lockChainHead(tx: LedgerTx, chain: string, now: Date): Promise<ChainHead> {
  await tx.db.insertInto("audit_heads")
    .values({ chain, seq: 0, hash: GENESIS_HASH, updated_at: now })
    .onConflict((oc) => oc.column("chain").doNothing())
    .execute();
  const head = await tx.db.selectFrom("audit_heads").select(["chain", "seq", "hash"])
    .where("chain", "=", chain)
    .$if(tx.dialect === "postgres", (q) => q.forUpdate())
    .executeTakeFirstOrThrow();
  return { chain: head.chain, seq: Number(head.seq), hash: head.hash };
}

/**
 * Appends one entry to the organization's chain (or the global chain) and returns it as
 * stored. Joins the caller's transaction when given one. Throws {@link AuditInputError} for a
 * malformed action.
 *
 * @example
 * ```ts
 * await appendAudit(services.ledger, {
 *   orgId: org.id,
 *   actor: { type: "user", id: user.id, label: user.email },
 *   action: "org.member.add",
 *   target: { type: "user", id: member.id },
 *   requestId, ip, userAgent,
 *   summary: `${user.email} added ${member.email} as ops`,
 *   details: { role: "ops" },
 *   ts: services.clock.now(),
 * });
 * ```
 */
export async function appendAudit(ledger: LedgerTx, input: AuditInput): Promise<AuditEntry> {
  validate(input);
  const chain = chainOf(input.orgId);
  const ts = input.ts ?? new Date();
  const id = ulid(ts.getTime());
  const stored = {
    chain,
    id,
    // The ISO string (milliseconds) is what is hashed; both dialects read it back unchanged.
    ts: ts.toISOString(),
    actorType: input.actor.type,
    actorId: cut(input.actor.id, FIELD_LIMITS.actorId),
    actorLabel: optional(input.actor.label, FIELD_LIMITS.actorLabel),
    action: input.action,
    targetType: input.target ? cut(input.target.type, FIELD_LIMITS.targetType) : null,
    targetId: input.target ? cut(input.target.id, FIELD_LIMITS.targetId) : null,
    requestId: optional(input.requestId, FIELD_LIMITS.requestId),
    ip: optional(input.ip, FIELD_LIMITS.ip),
    userAgent: optional(input.userAgent, FIELD_LIMITS.userAgent),
    summary: cut(input.summary, MAX_SUMMARY_LENGTH),
    details: detailsText(input.details),
  };
  const entry = await writeTransaction(ledger, async (tx) => {
    const head = await lockChainHead(tx, chain, ts);
    const fields: HashedAuditFields = { ...stored, seq: head.seq + 1, prevHash: head.hash };
    const hash = entryHash(fields);
    await tx.db.insertInto("audit_entries").values({
      chain,
      seq: fields.seq,
      id,
      ts: new Date(stored.ts),
      actor_type: stored.actorType,
      actor_id: stored.actorId,
      actor_label: stored.actorLabel,
      action: stored.action,
      target_type: stored.targetType,
      target_id: stored.targetId,
      request_id: stored.requestId,
      ip: stored.ip,
      user_agent: stored.userAgent,
      summary: stored.summary,
      details: stored.details,
      prev_hash: fields.prevHash,
      hash,
    }).execute();
    await tx.db.updateTable("audit_heads").set({ seq: fields.seq, hash, updated_at: ts })
      .where("chain", "=", chain).execute();
    return { seq: fields.seq, prevHash: fields.prevHash, hash };
  });
  return {
    chain,
    orgId: input.orgId,
    seq: entry.seq,
    id,
    ts: new Date(stored.ts),
    actor: {
      type: stored.actorType,
      id: stored.actorId,
      ...(stored.actorLabel === null ? {} : { label: stored.actorLabel }),
    },
    action: stored.action,
    target: stored.targetType === null || stored.targetId === null
      ? null
      : { type: stored.targetType, id: stored.targetId },
    requestId: stored.requestId,
    ip: stored.ip,
    userAgent: stored.userAgent,
    summary: stored.summary,
    details: stored.details === null ? null : JSON.parse(stored.details),
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}
