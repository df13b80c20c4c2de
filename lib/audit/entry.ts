/**
 * The audit entry as code sees it, and the conversions between it and its stored row, shared
 * by appending, querying, exporting and verifying.
 *
 * @module
 */

import type { ActorRef } from "../auth/roles.ts";
import type { AuditEntriesTable } from "../db/ledger/schema.ts";
import type { Selectable } from "kysely";
import { toDate } from "../db/ledger/values.ts";
import type { HashedAuditFields } from "./canonical.ts";

/** The chain of entries that belong to no organization (sign-in of unknown users, …). */
export const GLOBAL_CHAIN = "_global";

/** A stored audit entry. */
export interface AuditEntry {
  /** The organization id, or {@link GLOBAL_CHAIN}. */
  chain: string;
  /** The organization, or null for the global chain. */
  orgId: string | null;
  /** Position in the chain, from 1, without gaps. */
  seq: number;
  id: string;
  ts: Date;
  actor: ActorRef;
  action: string;
  target: { type: string; id: string } | null;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  summary: string;
  details: Record<string, unknown> | null;
  /** Hash of the previous entry (64 zeros for the first). */
  prevHash: string;
  /** Hex SHA-256 over every other field (see `entryHash`). */
  hash: string;
}

/** A row of `audit_entries` as read. */
export type AuditEntryRow = Selectable<AuditEntriesTable>;

/**
 * The chain an organization's entries go to.
 *
 * @example
 * ```ts
 * chainOf(null); // "_global"
 * ```
 */
export function chainOf(orgId: string | null): string {
  return orgId ?? GLOBAL_CHAIN;
}

const ACTOR_TYPES = new Set<ActorRef["type"]>(["user", "host", "system", "anonymous"]);

/**
 * The hashed fields of a stored row: the timestamp as the ISO string of what was read, which
 * equals what was hashed at append time on both dialects (milliseconds survive both).
 */
export function hashedFieldsOfRow(row: AuditEntryRow): HashedAuditFields {
  return {
    chain: row.chain,
    seq: Number(row.seq),
    id: row.id,
    ts: toDate(row.ts).toISOString(),
    actorType: row.actor_type,
    actorId: row.actor_id,
    actorLabel: row.actor_label,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    requestId: row.request_id,
    ip: row.ip,
    userAgent: row.user_agent,
    summary: row.summary,
    details: row.details,
    prevHash: row.prev_hash,
  };
}

/** A stored row as an {@link AuditEntry}. */
export function toAuditEntry(row: AuditEntryRow): AuditEntry {
  const actorType = ACTOR_TYPES.has(row.actor_type as ActorRef["type"])
    ? row.actor_type as ActorRef["type"]
    : "anonymous";
  let details: Record<string, unknown> | null = null;
  if (row.details !== null) {
    try {
      const parsed: unknown = JSON.parse(row.details);
      details = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
        ? parsed as Record<string, unknown>
        : { value: parsed };
    } catch {
      // Only a tampered row can hold invalid JSON; show it rather than fail the page.
      details = { unparsable: row.details };
    }
  }
  return {
    chain: row.chain,
    orgId: row.chain === GLOBAL_CHAIN ? null : row.chain,
    seq: Number(row.seq),
    id: row.id,
    ts: toDate(row.ts),
    actor: {
      type: actorType,
      id: row.actor_id,
      ...(row.actor_label === null ? {} : { label: row.actor_label }),
    },
    action: row.action,
    target: row.target_type === null || row.target_id === null
      ? null
      : { type: row.target_type, id: row.target_id },
    requestId: row.request_id,
    ip: row.ip,
    userAgent: row.user_agent,
    summary: row.summary,
    details,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
