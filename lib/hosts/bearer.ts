/**
 * Authenticating a host request by its bearer key (agent-protocol §1.10 step 2 and §4.5).
 * A malformed token is refused without a lookup; a well-formed one is looked up by its
 * SHA-256 only, so an unknown token, another host's token and an unknown host all answer the
 * same `401 invalid_token` after the same single query: host ids cannot be probed.
 *
 * @module
 */

import type { Selectable } from "kysely";
import type { Ledger } from "../db/ledger/mod.ts";
import { prepared } from "../db/ledger/prepared.ts";
import type { HostKeysTable } from "../db/ledger/schema.ts";
import { HttpError } from "../fresh/errors.ts";
import { HOST_ID_PATTERN } from "./host.ts";
import { type HostKey, toHostKey } from "./host_key.ts";
import {
  bearerToken,
  hashHostToken,
  type HostScope,
  keyState,
  parseHostToken,
  sameHash,
} from "./key_format.ts";
import { getHostAnyOrg, type Host } from "./registry.ts";

/** A host request that passed bearer authentication. */
export interface HostBearerAuth {
  host: Host;
  key: HostKey;
  /** Only working states get here. */
  state: "active" | "grace";
  /** While the key is in grace: its end, ISO 8601, for `X-Sentry-Key-Deprecated`. */
  deprecatedUntil?: string;
  /** Whether this request updated the key's `lastUsedAt`/`lastUsedIp`. */
  touched: boolean;
}

/** `lastUsedAt` is written at most this often per key, so busy keys cost no write per request. */
export const LAST_USED_WRITE_INTERVAL_MS = 60_000;

function unauthorized(code: string, message: string): HttpError {
  return new HttpError(401, message, {
    code,
    headers: { "www-authenticate": `Bearer realm="vps-sentry", error="${code}"` },
  });
}

const invalidToken = () =>
  unauthorized(
    "invalid_token",
    "Unknown host or token: check the host id in the URL and the token (vs<version>_…) " +
      "configured on the host.",
  );

/** Every request with a bearer key runs this: compiled once per dialect (see prepared.ts). */
const keyByTokenHash = prepared<{ hash: string }, Selectable<HostKeysTable>>((db, p) =>
  db.selectFrom("host_keys").selectAll().where("token_hash", "=", p("hash"))
);

/**
 * The key a token belongs to, or null when the token is malformed (no lookup then) or unknown.
 * Any kind: callers decide which kinds they accept (bearer routes: `api`; enroll: `enroll`).
 *
 * @example
 * ```ts
 * const key = await lookupHostToken(ledger, token);
 * if (key?.kind !== "enroll") throw new HttpError(401, "…", { code: "invalid_token" });
 * ```
 */
export async function lookupHostToken(
  ledger: Pick<Ledger, "db">,
  token: string,
): Promise<HostKey | null> {
  if (parseHostToken(token) === null) return null;
  const hash = await hashHostToken(token);
  const row = (await keyByTokenHash(ledger, { hash })).rows[0];
  // The index found it; compare again in constant time in case a collation ever matched loosely.
  if (!row || row.token_hash === null || !sameHash(row.token_hash, hash)) return null;
  return toHostKey(row);
}

/**
 * Authenticates `Authorization: Bearer <token>` for host `hostId`, in the order of §1.10:
 * `401 missing_token`; `401 invalid_token` (malformed, unknown, another host's, an unknown
 * host, or an enrollment token); `401 key_revoked`; `401 key_expired`;
 * `403 insufficient_scope` when `requiredScope` is not held; and, for a status post
 * (`statusPost`), `401 signed_ingest_required` on a host in signed mode (Appendix A: that code
 * is the bearer status POST's; verifying a key that holds `host.status.write` still succeeds). A disabled host still authenticates (its
 * pushes are stored with a warning).
 *
 * `touch` (default `"auto"`) updates the key's last use (time and IP) at most once a minute;
 * `"always"` writes regardless (the verify endpoint's `touch=1`), `"never"` not at all.
 *
 * @example
 * ```ts
 * const auth = await authenticateHostBearer(ledger, {
 *   hostId, authorization: req.headers.get("authorization"),
 *   requiredScope: "host.status.write", now: clock.now(), ip,
 * });
 * if (auth.deprecatedUntil) headers.set("x-sentry-key-deprecated", auth.deprecatedUntil);
 * ```
 */
export async function authenticateHostBearer(
  ledger: Pick<Ledger, "db">,
  input: {
    hostId: string;
    authorization: string | null;
    requiredScope: HostScope | null;
    now: Date;
    ip: string;
    touch?: "auto" | "always" | "never";
    /** The bearer status POST: refused on a host that accepts only signed posts. */
    statusPost?: boolean;
  },
): Promise<HostBearerAuth> {
  const { hostId, requiredScope, now } = input;
  const token = bearerToken(input.authorization);
  if (token === null) {
    throw unauthorized(
      "missing_token",
      "Send the host's key as `Authorization: Bearer vs<version>_…`.",
    );
  }
  if (!HOST_ID_PATTERN.test(hostId) || parseHostToken(token) === null) throw invalidToken();
  const key = await lookupHostToken(ledger, token);
  // Enrollment tokens work only at /api/agent/enroll; runner keys have no token at all.
  if (!key || key.kind !== "api" || key.hostId !== hostId) throw invalidToken();
  const host = await getHostAnyOrg(ledger, hostId);
  if (!host || host.orgId !== key.orgId) throw invalidToken();

  const state = keyState(key, now);
  if (state === "revoked") {
    throw unauthorized("key_revoked", "This key was revoked; create a new key for the host.");
  }
  if (state === "expired") {
    throw unauthorized("key_expired", "This key has expired; create a new key for the host.");
  }
  if (requiredScope !== null && !key.scopes.includes(requiredScope)) {
    throw new HttpError(
      403,
      `This key lacks the scope ${requiredScope}; create a key that has it.`,
      { code: "insufficient_scope", details: { requiredScope, scopes: key.scopes } },
    );
  }
  if (input.statusPost && host.ingestMode === "signed") {
    throw unauthorized(
      "signed_ingest_required",
      "This host accepts only signed status posts from its host runner; an admin can switch " +
        "it back to bearer mode.",
    );
  }

  const touched = await touchKey(ledger, key, input.ip, now, input.touch ?? "auto");
  return {
    host,
    key: touched ? { ...key, lastUsedAt: now, lastUsedIp: input.ip.slice(0, 64) } : key,
    state,
    ...(state === "grace" && key.graceUntil
      ? { deprecatedUntil: key.graceUntil.toISOString() }
      : {}),
    touched,
  };
}

/** Records the key's last use, throttled unless `mode` is `"always"`. */
async function touchKey(
  ledger: Pick<Ledger, "db">,
  key: HostKey,
  ip: string,
  now: Date,
  mode: "auto" | "always" | "never",
): Promise<boolean> {
  if (mode === "never") return false;
  const staleBefore = new Date(now.getTime() - LAST_USED_WRITE_INTERVAL_MS);
  if (mode === "auto" && key.lastUsedAt !== null && key.lastUsedAt > staleBefore) return false;
  let update = ledger.db.updateTable("host_keys")
    .set({ last_used_at: now, last_used_ip: ip.slice(0, 64) })
    .where("id", "=", key.id);
  if (mode === "auto") {
    // Another instance may have written since we read: the condition keeps it to one write.
    update = update.where((eb) =>
      eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<=", staleBefore)])
    );
  }
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}
