/**
 * What a host key is: the domain shape of a `host_keys` row (never its hash), and reading rows
 * into it.
 *
 * @module
 */

import type { Selectable } from "kysely";
import type { HostKeysTable } from "../db/ledger/schema.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";
import { type HostKeyKind, type HostScope, parseStoredScopes } from "./key_format.ts";

/** A stored key, without its hash. */
export interface HostKey {
  id: string;
  orgId: string;
  hostId: string;
  kind: HostKeyKind;
  /** Display prefix, e.g. `vs1_Q2hhbmdlTW...`. */
  prefix: string;
  version: number;
  label: string | null;
  scopes: HostScope[];
  createdAt: Date;
  expiresAt: Date | null;
  graceUntil: Date | null;
  revokedAt: Date | null;
  revokedReason: string | null;
  rotatedFromKeyId: string | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
}

/**
 * A row of `host_keys` as a {@link HostKey} (the hash is left behind).
 *
 * @example
 * ```ts
 * const keys = (await ledger.db.selectFrom("host_keys").selectAll().execute()).map(toHostKey);
 * ```
 */
export function toHostKey(row: Selectable<HostKeysTable>): HostKey {
  return {
    id: row.id,
    orgId: row.org_id,
    hostId: row.host_id,
    kind: row.kind,
    prefix: row.prefix,
    version: Number(row.version),
    label: row.label,
    scopes: parseStoredScopes(row.scopes),
    createdAt: toDate(row.created_at),
    expiresAt: toDateOrNull(row.expires_at),
    graceUntil: toDateOrNull(row.grace_until),
    revokedAt: toDateOrNull(row.revoked_at),
    revokedReason: row.revoked_reason,
    rotatedFromKeyId: row.rotated_from_key_id,
    lastUsedAt: toDateOrNull(row.last_used_at),
    lastUsedIp: row.last_used_ip,
  };
}
