/**
 * The canonical serialization the audit chain hashes: deterministic JSON (object keys sorted,
 * no whitespace, `Date`s as ISO strings, `undefined` dropped from objects), and
 * {@link entryHash} over every stored field of an entry except its own hash.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** `prev_hash` of the first entry of a chain. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * Deterministic JSON: the same value always gives the same text, whatever the key order.
 * `undefined` members are dropped, `undefined` in arrays becomes null (as `JSON.stringify`
 * does), non-finite numbers become null, bigints become decimal strings.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, undefined], at: new Date(0) });
 * // '{"a":[true,null],"at":"1970-01-01T00:00:00.000Z","b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return serialize(value, new Set()) ?? "null";
}

function serialize(value: unknown, seen: Set<object>): string | undefined {
  if (value === null) return "null";
  switch (typeof value) {
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "bigint":
      return JSON.stringify(value.toString());
  }
  if (value instanceof Date) {
    return JSON.stringify(Number.isNaN(value.getTime()) ? null : value.toISOString());
  }
  const object = value as object;
  if (seen.has(object)) throw new TypeError("canonicalJson: the value contains a cycle");
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      return `[${object.map((item) => serialize(item, seen) ?? "null").join(",")}]`;
    }
    const record = object as Record<string, unknown>;
    const members: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const text = serialize(record[key], seen);
      if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
    }
    return `{${members.join(",")}}`;
  } finally {
    seen.delete(object);
  }
}

/** Every stored field of an audit entry except `hash`, as it is hashed. */
export interface HashedAuditFields {
  chain: string;
  seq: number;
  id: string;
  /** ISO 8601 with milliseconds, exactly as stored and read back. */
  ts: string;
  actorType: string;
  actorId: string;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  summary: string;
  /** The stored canonical JSON text of the details, or null. */
  details: string | null;
  prevHash: string;
}

/**
 * Hex SHA-256 of the canonical serialization of `fields`. Any change to any field (or to the
 * previous entry's hash) changes it.
 *
 * @example
 * ```ts
 * const hash = entryHash({ chain, seq: 1, id, ts: ts.toISOString(), …, prevHash: GENESIS_HASH });
 * ```
 */
export function entryHash(fields: HashedAuditFields): string {
  // Spell the fields out: an extra property on the argument must not change the hash.
  const hashed: HashedAuditFields = {
    chain: fields.chain,
    seq: fields.seq,
    id: fields.id,
    ts: fields.ts,
    actorType: fields.actorType,
    actorId: fields.actorId,
    actorLabel: fields.actorLabel,
    action: fields.action,
    targetType: fields.targetType,
    targetId: fields.targetId,
    requestId: fields.requestId,
    ip: fields.ip,
    userAgent: fields.userAgent,
    summary: fields.summary,
    details: fields.details,
    prevHash: fields.prevHash,
  };
  return createHash("sha256").update(canonicalJson(hashed)).digest("hex");
}
