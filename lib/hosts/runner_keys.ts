/**
 * Runner keys (agent-protocol §2.2, §4.2): the `host_keys` rows of kind `runner`, which hold a
 * public Ed25519 JWK and its RFC 7638 thumbprint (`keyId`) instead of a token hash. Looked up by
 * `keyId` for every signed request.
 *
 * @module
 */

import type { Selectable } from "kysely";
import type { Ledger } from "../db/ledger/mod.ts";
import type { HostKeysTable } from "../db/ledger/schema.ts";
import { type HostKey, toHostKey } from "./host_key.ts";

/** The public half of a runner's Ed25519 key, exactly the members the protocol allows. */
export interface Ed25519PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  /** base64url of the 32-byte public key. */
  x: string;
}

/** A runner key: a {@link HostKey} of kind `runner` with its public key. */
export interface RunnerKey extends HostKey {
  kind: "runner";
  /** RFC 7638 thumbprint of {@link publicJwk}, 43 base64url characters. */
  keyId: string;
  publicJwk: Ed25519PublicJwk;
  runnerVersion: string | null;
  hostname: string | null;
}

/** A `keyId`: base64url of a SHA-256, so exactly 43 characters. */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * A `host_keys` row as a {@link RunnerKey}, or null when it is not a usable runner key (another
 * kind, or its stored JWK is damaged: fail closed).
 *
 * @example
 * ```ts
 * const key = toRunnerKey(await ledger.db.selectFrom("host_keys").selectAll().executeTakeFirstOrThrow());
 * ```
 */
export function toRunnerKey(row: Selectable<HostKeysTable>): RunnerKey | null {
  if (row.kind !== "runner" || row.key_id === null || row.public_jwk === null) return null;
  let jwk: unknown;
  try {
    jwk = JSON.parse(row.public_jwk);
  } catch {
    return null;
  }
  const x = (jwk as { x?: unknown } | null)?.x;
  if (typeof x !== "string") return null;
  return {
    ...toHostKey(row),
    kind: "runner",
    keyId: row.key_id,
    publicJwk: { kty: "OKP", crv: "Ed25519", x },
    runnerVersion: row.runner_version,
    hostname: row.runner_hostname,
  };
}

/**
 * The runner key with this `keyId`, revoked or not, or null (also for a malformed id: no
 * lookup then).
 *
 * @example
 * ```ts
 * const key = await findRunnerKey(ledger, req.headers.get("x-sentry-key-id") ?? "");
 * if (!key) throw new HttpError(401, "…", { code: "unknown_key" });
 * ```
 */
export async function findRunnerKey(
  ledger: Pick<Ledger, "db">,
  keyId: string,
): Promise<RunnerKey | null> {
  if (!KEY_ID_PATTERN.test(keyId)) return null;
  const row = await ledger.db.selectFrom("host_keys").selectAll()
    .where("key_id", "=", keyId).where("kind", "=", "runner").executeTakeFirst();
  return row ? toRunnerKey(row) : null;
}
