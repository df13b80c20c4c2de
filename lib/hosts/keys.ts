/**
 * Host API keys (agent-protocol Part 4): create, rotate with an optional grace period, revoke,
 * list, and authenticate a bearer request. Only the SHA-256 of a token is stored; the token is
 * returned once, at creation. Every operation is scoped to the host's organization (a key or
 * host of another organization is 404). Auditing is the caller's (`host.key.*`).
 *
 * @module
 */

import { monotonicFactory } from "ulid";
import type { Ledger } from "../db/ledger/mod.ts";
import { type LedgerTx, writeTransaction } from "../db/ledger/transaction.ts";
import { HttpError } from "../fresh/errors.ts";
import { HOST_ID_PATTERN } from "./host.ts";
import { type HostKey, toHostKey } from "./host_key.ts";
import {
  hashHostToken,
  type HostScope,
  keyState,
  MAX_KEY_VERSION,
  newHostToken,
  normalizeScopes,
  type TokenKeyKind,
  tokenPrefix,
} from "./key_format.ts";

export * from "./key_format.ts";
export { type HostKey, toHostKey } from "./host_key.ts";
export {
  authenticateHostBearer,
  type HostBearerAuth,
  LAST_USED_WRITE_INTERVAL_MS,
  lookupHostToken,
} from "./bearer.ts";

/** A new key and its token, shown once. */
export interface CreatedHostKey {
  key: HostKey;
  token: string;
}

/** Longest grace period of a rotation: 7 days. */
export const MAX_GRACE_SECONDS = 604_800;
const LABEL_MAX = 80;
const REASON_MAX = 200;

const nextId = monotonicFactory();

function optionalText(value: string | null | undefined, field: string, max: number) {
  const text = value?.trim() ?? "";
  if (text.length > max || /\p{Cc}/u.test(text)) {
    throw new HttpError(400, `${field}: at most ${max} characters, no control characters`, {
      code: "invalid_input",
      details: { field },
    });
  }
  return text === "" ? null : text;
}

function futureOrNull(value: Date | null | undefined, now: Date, field: string): Date | null {
  if (value === undefined || value === null) return null;
  if (Number.isNaN(value.getTime()) || value.getTime() <= now.getTime()) {
    throw new HttpError(400, `${field}: must be a time in the future`, {
      code: "invalid_input",
      details: { field },
    });
  }
  return value;
}

/** Checks the host is in the organization (locking its row on Postgres): 404 otherwise. */
async function lockHostOf(tx: LedgerTx, orgId: string, hostId: string): Promise<void> {
  let query = tx.db.selectFrom("hosts").select("id")
    .where("id", "=", hostId).where("org_id", "=", orgId);
  if (tx.dialect === "postgres") query = query.forUpdate();
  if (!await query.executeTakeFirst()) {
    throw new HttpError(404, "No such host in this organization.", { code: "host_not_found" });
  }
}

/** The next version for the host: highest existing plus 1, clamped to 1-9999 (§4.1). */
async function nextVersion(tx: LedgerTx, hostId: string): Promise<number> {
  const row = await tx.db.selectFrom("host_keys")
    .select((eb) => eb.fn.max<number | string | null>("version").as("v"))
    .where("host_id", "=", hostId).executeTakeFirst();
  return Math.min(MAX_KEY_VERSION, Math.max(1, Number(row?.v ?? 0) + 1));
}

/** Inserts a token key inside `tx` and returns it with its token. */
async function insertKey(
  tx: LedgerTx,
  input: {
    orgId: string;
    hostId: string;
    kind: TokenKeyKind;
    scopes: HostScope[];
    label: string | null;
    expiresAt: Date | null;
    rotatedFromKeyId: string | null;
    now: Date;
  },
): Promise<CreatedHostKey> {
  const version = await nextVersion(tx, input.hostId);
  const token = newHostToken(version);
  const key: HostKey = {
    id: nextId(input.now.getTime()),
    orgId: input.orgId,
    hostId: input.hostId,
    kind: input.kind,
    prefix: tokenPrefix(token),
    version,
    label: input.label,
    scopes: input.scopes,
    createdAt: input.now,
    expiresAt: input.expiresAt,
    graceUntil: null,
    revokedAt: null,
    revokedReason: null,
    rotatedFromKeyId: input.rotatedFromKeyId,
    lastUsedAt: null,
    lastUsedIp: null,
  };
  await tx.db.insertInto("host_keys").values({
    id: key.id,
    org_id: key.orgId,
    host_id: key.hostId,
    kind: key.kind,
    prefix: key.prefix,
    token_hash: await hashHostToken(token),
    version,
    label: key.label,
    scopes: JSON.stringify(key.scopes),
    created_at: input.now,
    expires_at: key.expiresAt,
    grace_until: null,
    revoked_at: null,
    revoked_reason: null,
    rotated_from_key_id: key.rotatedFromKeyId,
    last_used_at: null,
    last_used_ip: null,
  }).execute();
  return { key, token };
}

/**
 * Creates a key for a host of `orgId` and returns it with its token (shown once). `kind`
 * defaults to `api`; an `enroll` token (single-use, accepted only by `/api/agent/enroll`)
 * defaults to expiring 24 h after `now`. Scopes per {@link normalizeScopes}. 404
 * `host_not_found` for a host of another organization.
 *
 * @example
 * ```ts
 * const { key, token } = await createHostKey(ledger, { orgId, hostId, label: "agent", now });
 * ```
 */
export async function createHostKey(
  ledger: LedgerTx,
  input: {
    orgId: string;
    hostId: string;
    kind?: TokenKeyKind;
    scopes?: readonly unknown[];
    expiresAt?: Date | null;
    label?: string | null;
    now: Date;
  },
): Promise<CreatedHostKey> {
  const kind = input.kind ?? "api";
  if (kind !== "api" && kind !== "enroll") {
    throw new HttpError(400, `kind: expected "api" or "enroll", got ${JSON.stringify(kind)}`, {
      code: "invalid_input",
      details: { field: "kind" },
    });
  }
  const scopes = normalizeScopes(input.scopes, kind);
  const label = optionalText(input.label, "label", LABEL_MAX);
  const expiresAt = futureOrNull(input.expiresAt, input.now, "expiresAt") ??
    (kind === "enroll" ? new Date(input.now.getTime() + 86_400_000) : null);
  return await writeTransaction(ledger, async (tx) => {
    await lockHostOf(tx, input.orgId, input.hostId);
    return await insertKey(tx, {
      ...input,
      kind,
      scopes,
      label,
      expiresAt,
      rotatedFromKeyId: null,
    });
  });
}

/** What {@link rotateHostKey} did: the new key with its token, and the source as updated. */
export interface RotatedHostKey extends CreatedHostKey {
  source: HostKey;
}

/**
 * Replaces an API key in one transaction (§4.4): creates a new key (`rotatedFromKeyId` = the
 * source; scopes and label default to the source's) and ends the source at
 * `graceUntil = now + graceSeconds` (`revokedAt` = the same time, reason
 * `rotated_to:<newPrefix>[;<reason>]`). With `graceSeconds` 0 the old key stops at once; with
 * more, both work until then. The source defaults to the host's newest active API key;
 * 409 `no_source_key` when there is none (or the named one is revoked or expired), 404
 * `key_not_found` for a key id not of this host.
 *
 * @example
 * ```ts
 * const { token, source } = await rotateHostKey(ledger, {
 *   orgId, hostId, graceSeconds: 3600, reason: "yearly rotation", now,
 * });
 * ```
 */
export async function rotateHostKey(
  ledger: LedgerTx,
  input: {
    orgId: string;
    hostId: string;
    sourceKeyId?: string;
    scopes?: readonly unknown[];
    expiresAt?: Date | null;
    label?: string | null;
    reason?: string | null;
    graceSeconds?: number;
    now: Date;
  },
): Promise<RotatedHostKey> {
  const { orgId, hostId, now } = input;
  const graceSeconds = input.graceSeconds ?? 0;
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) {
    throw new HttpError(
      400,
      `graceSeconds: expected an integer 0-${MAX_GRACE_SECONDS} (7 days), got ${graceSeconds}`,
      { code: "invalid_input", details: { field: "graceSeconds" } },
    );
  }
  const scopes = input.scopes === undefined ? undefined : normalizeScopes(input.scopes, "api");
  const label = input.label === undefined
    ? undefined
    : optionalText(input.label, "label", LABEL_MAX);
  const reason = optionalText(input.reason, "reason", REASON_MAX);
  const expiresAt = futureOrNull(input.expiresAt, now, "expiresAt");

  return await writeTransaction(ledger, async (tx) => {
    await lockHostOf(tx, orgId, hostId);
    const rows = await tx.db.selectFrom("host_keys").selectAll()
      .where("host_id", "=", hostId).where("org_id", "=", orgId).where("kind", "=", "api")
      .orderBy("created_at", "desc").orderBy("id", "desc").execute();
    const keys = rows.map(toHostKey);
    let source: HostKey | undefined;
    if (input.sourceKeyId !== undefined) {
      source = keys.find((k) => k.id === input.sourceKeyId);
      if (!source) {
        throw new HttpError(404, "No such API key on this host.", {
          code: "key_not_found",
          details: { field: "sourceKeyId" },
        });
      }
      const state = keyState(source, now);
      if (state === "revoked" || state === "expired") {
        throw new HttpError(409, `Key ${source.prefix} is ${state}; create a new key instead.`, {
          code: "no_source_key",
          details: { field: "sourceKeyId", state },
        });
      }
    } else {
      source = keys.find((k) => keyState(k, now) === "active");
      if (!source) {
        throw new HttpError(
          409,
          "This host has no active API key to rotate; create a key first.",
          { code: "no_source_key" },
        );
      }
    }
    const created = await insertKey(tx, {
      orgId,
      hostId,
      kind: "api",
      scopes: scopes ?? source.scopes,
      label: label === undefined ? source.label : label,
      expiresAt,
      rotatedFromKeyId: source.id,
      now,
    });
    // A source already in grace keeps the earlier end: rotating again never extends it.
    let graceUntil = new Date(now.getTime() + graceSeconds * 1000);
    if (source.graceUntil !== null && source.graceUntil < graceUntil) {
      graceUntil = source.graceUntil;
    }
    const revokedReason = `rotated_to:${created.key.prefix}${reason ? `;${reason}` : ""}`;
    await tx.db.updateTable("host_keys")
      .set({ grace_until: graceUntil, revoked_at: graceUntil, revoked_reason: revokedReason })
      .where("id", "=", source.id).execute();
    return {
      ...created,
      source: { ...source, graceUntil, revokedAt: graceUntil, revokedReason },
    };
  });
}

/**
 * Revokes a key of any kind at once, ending any grace period. Idempotent: revoking a revoked
 * key changes nothing and answers `alreadyRevoked: true`. 404 `key_not_found` when the key is
 * not this host's (or the host not this organization's). Revoking a runner key leaves the
 * host's ingest mode as it is.
 *
 * @example
 * ```ts
 * const { alreadyRevoked } = await revokeHostKey(ledger, { orgId, hostId, keyId, now });
 * ```
 */
export async function revokeHostKey(
  ledger: LedgerTx,
  input: { orgId: string; hostId: string; keyId: string; reason?: string | null; now: Date },
): Promise<{ key: HostKey; alreadyRevoked: boolean }> {
  const { now } = input;
  const reason = optionalText(input.reason, "reason", REASON_MAX);
  return await writeTransaction(ledger, async (tx) => {
    let query = tx.db.selectFrom("host_keys").selectAll().where("id", "=", input.keyId)
      .where("host_id", "=", input.hostId).where("org_id", "=", input.orgId);
    if (tx.dialect === "postgres") query = query.forUpdate();
    const row = await query.executeTakeFirst();
    if (!row) {
      throw new HttpError(404, "No such key on this host.", {
        code: "key_not_found",
        details: { field: "keyId" },
      });
    }
    const key = toHostKey(row);
    if (keyState(key, now) === "revoked") return { key, alreadyRevoked: true };
    const graceUntil = key.graceUntil !== null && key.graceUntil > now ? now : key.graceUntil;
    const revokedReason = reason ?? key.revokedReason;
    await tx.db.updateTable("host_keys")
      .set({ revoked_at: now, grace_until: graceUntil, revoked_reason: revokedReason })
      .where("id", "=", key.id).execute();
    return { key: { ...key, revokedAt: now, graceUntil, revokedReason }, alreadyRevoked: false };
  });
}

/**
 * The host's keys of every kind and state, newest first (`createdAt`, then `id`), never their
 * hashes. 404 `host_not_found` for a host of another organization. Without `page` every key;
 * with it at most `page.limit`, only those after (older than) the key `page.before` names.
 *
 * @example
 * ```ts
 * for (const key of await listHostKeys(ledger, orgId, hostId)) console.log(key.prefix);
 * const older = await listHostKeys(ledger, orgId, hostId, {
 *   limit: 50,
 *   before: { createdAt: last.createdAt, id: last.id },
 * });
 * ```
 */
export async function listHostKeys(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  hostId: string,
  page?: { limit: number; before?: { createdAt: Date; id: string } },
): Promise<HostKey[]> {
  if (!HOST_ID_PATTERN.test(hostId)) {
    throw new HttpError(404, "No such host in this organization.", { code: "host_not_found" });
  }
  const host = await ledger.db.selectFrom("hosts").select("id")
    .where("id", "=", hostId).where("org_id", "=", orgId).executeTakeFirst();
  if (!host) {
    throw new HttpError(404, "No such host in this organization.", { code: "host_not_found" });
  }
  if (page !== undefined && (!Number.isInteger(page.limit) || page.limit < 1)) {
    throw new HttpError(400, `limit: expected a positive integer, got ${page.limit}`, {
      code: "invalid_input",
      details: { field: "limit" },
    });
  }
  const before = page?.before;
  if (before !== undefined && Number.isNaN(before.createdAt.getTime())) {
    throw new HttpError(400, "before: not a valid cursor", {
      code: "invalid_input",
      details: { field: "before" },
    });
  }
  let query = ledger.db.selectFrom("host_keys").selectAll()
    .where("host_id", "=", hostId).where("org_id", "=", orgId);
  if (before !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb("created_at", "<", before.createdAt),
        eb.and([eb("created_at", "=", before.createdAt), eb("id", "<", before.id)]),
      ])
    );
  }
  query = query.orderBy("created_at", "desc").orderBy("id", "desc");
  const rows = await (page ? query.limit(page.limit) : query).execute();
  return rows.map(toHostKey);
}

/**
 * One key of the host, or null.
 *
 * @example
 * ```ts
 * const key = await getHostKey(ledger, orgId, hostId, keyId);
 * ```
 */
export async function getHostKey(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  hostId: string,
  keyId: string,
): Promise<HostKey | null> {
  const row = await ledger.db.selectFrom("host_keys").selectAll().where("id", "=", keyId)
    .where("host_id", "=", hostId).where("org_id", "=", orgId).executeTakeFirst();
  return row ? toHostKey(row) : null;
}
