/**
 * The control plane's job-signing key (agent-protocol §2.2, §3.2, §3.8): Ed25519, generated on
 * first use, its private half sealed at rest with the app secret (`lib/auth/keys.ts`, purpose
 * `job-signing-key`) in `job_signing_keys`. One key is active; {@link rotateJobSigningKey} makes
 * a new one active and keeps the old one valid for verification until `notAfter`, and poll
 * responses carry a rollover statement signed by the old key ({@link keyRolloverFor}).
 *
 * Decrypted keys are cached per ledger: the active one for {@link ACTIVE_KEY_CACHE_MS} (so a
 * rotation made by another instance is picked up; until then this instance signs with the old
 * key, which stays valid during the overlap), keys by `kid` for the process lifetime.
 *
 * @module
 */

import { appSecretOf } from "../auth/secret.ts";
import { openString, sealString } from "../auth/keys.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import { isUniqueViolation, writeTransaction } from "../db/ledger/transaction.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";
import { generateEd25519Jwk, importEd25519PrivateJwk, jwkThumbprint } from "../protocol/ed25519.ts";
import type { Services } from "../services.ts";
import { type JobSigner, type JobSigningPublicJwk, signKeyRollover } from "./job_token.ts";

/** Seal purpose of the private keys (HKDF info; see `lib/auth/keys.ts`). */
export const JOB_KEY_SEAL_PURPOSE = "job-signing-key";
/** Default overlap after a rotation during which the old key still verifies: 14 days. */
export const DEFAULT_ROLLOVER_OVERLAP_SEC = 14 * 24 * 3600;
/** How long this process trusts its cached idea of which key is active. */
export const ACTIVE_KEY_CACHE_MS = 60_000;

/** A job-signing key, ready to sign. */
export interface JobSigningKey extends JobSigner {
  publicJwk: JobSigningPublicJwk;
  createdAt: Date;
  /** Null while active; the end of the overlap once rotated out. */
  notAfter: Date | null;
}

type KeyServices = Pick<Services, "ledger" | "config">;

interface LedgerCache {
  active: { key: JobSigningKey; loadedAt: number } | null;
  byKid: Map<string, Promise<JobSigningKey>>;
}

/** Per ledger (tests open many in one process), so keys never leak between ledgers. */
const caches = new WeakMap<object, LedgerCache>();

function cacheOf(ledger: Pick<Ledger, "db">): LedgerCache {
  let cache = caches.get(ledger.db);
  if (!cache) {
    cache = { active: null, byKid: new Map() };
    caches.set(ledger.db, cache);
  }
  return cache;
}

/**
 * The public JWK of a job-signing key as published: `{kty, crv, x, kid, alg: "EdDSA", use: "sig"}`.
 *
 * @example
 * ```ts
 * publicJobJwk("rQpoeAp8…", "zcfuUE2q…"); // { kty: "OKP", crv: "Ed25519", x, kid, alg: "EdDSA", use: "sig" }
 * ```
 */
export function publicJobJwk(x: string, kid: string): JobSigningPublicJwk {
  return { kty: "OKP", crv: "Ed25519", x, kid, alg: "EdDSA", use: "sig" };
}

interface KeyRow {
  kid: string;
  public_x: string;
  private_sealed: string;
  active: number | null;
  created_at: Date | string;
  not_after: Date | string | null;
}

async function openRow(services: KeyServices, row: KeyRow): Promise<JobSigningKey> {
  const sealed = await openString(
    appSecretOf(services.config),
    JOB_KEY_SEAL_PURPOSE,
    row.private_sealed,
  );
  const inner = JSON.parse(sealed) as { kid?: unknown; x?: unknown; d?: unknown };
  // The sealed JSON names its key: a private half copied onto another row does not open as it.
  if (inner.kid !== row.kid || inner.x !== row.public_x || typeof inner.d !== "string") {
    throw new Error(`job_signing_keys row ${row.kid}: the sealed key does not belong to the row`);
  }
  const privateKey = await importEd25519PrivateJwk({
    kty: "OKP",
    crv: "Ed25519",
    x: row.public_x,
    d: inner.d,
  });
  return {
    kid: row.kid,
    privateKey,
    publicJwk: publicJobJwk(row.public_x, row.kid),
    createdAt: toDate(row.created_at),
    notAfter: toDateOrNull(row.not_after),
  };
}

/** The key with this kid, decrypted once per process. */
function keyByKid(services: KeyServices, row: KeyRow): Promise<JobSigningKey> {
  const cache = cacheOf(services.ledger);
  let key = cache.byKid.get(row.kid);
  if (!key) {
    key = openRow(services, row);
    key.catch(() => cache.byKid.delete(row.kid));
    cache.byKid.set(row.kid, key);
  }
  // notAfter changes when the key is rotated out; the private key does not.
  return key.then((k) => ({ ...k, notAfter: toDateOrNull(row.not_after) }));
}

/** A new active key as a row to insert. */
interface NewKeyRow extends KeyRow {
  active: 1;
  created_at: Date;
  not_after: null;
}

/** A new key pair as a row (not yet stored). */
async function newKeyRow(services: KeyServices, now: Date): Promise<NewKeyRow> {
  const { x, d } = await generateEd25519Jwk();
  const kid = await jwkThumbprint({ x });
  const sealed = await sealString(
    appSecretOf(services.config),
    JOB_KEY_SEAL_PURPOSE,
    JSON.stringify({ kid, x, d }),
  );
  return { kid, public_x: x, private_sealed: sealed, active: 1, created_at: now, not_after: null };
}

async function activeRow(ledger: Pick<Ledger, "db">): Promise<KeyRow | undefined> {
  return await ledger.db.selectFrom("job_signing_keys").selectAll().where("active", "=", 1)
    .executeTakeFirst();
}

/**
 * The active job-signing key, generated (and stored sealed) on first use. Concurrent first
 * calls, in this or another instance, end with one stored key: the unique `active` index
 * refuses the second insert, which then reads the winner.
 *
 * @example
 * ```ts
 * const key = await getActiveJobSigningKey(services);
 * enrollResponse.jobSigningKey = key.publicJwk;
 * ```
 */
export async function getActiveJobSigningKey(
  services: KeyServices & Pick<Services, "clock">,
): Promise<JobSigningKey> {
  const cache = cacheOf(services.ledger);
  if (cache.active && Date.now() - cache.active.loadedAt < ACTIVE_KEY_CACHE_MS) {
    return cache.active.key;
  }
  let row = await activeRow(services.ledger);
  if (!row) {
    const fresh = await newKeyRow(services, services.clock.now());
    try {
      await services.ledger.db.insertInto("job_signing_keys").values(fresh).execute();
      row = fresh;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      row = await activeRow(services.ledger);
      if (!row) throw error;
    }
  }
  const key = await keyByKid(services, row);
  cache.active = { key, loadedAt: Date.now() };
  return key;
}

/**
 * Makes a new key active; the previous active key stays valid for verification until
 * `now + overlapSec`, and polls carry a rollover statement signed by it until then (§3.8).
 * Two concurrent rotations: one wins, the other throws (unique `active`).
 *
 * @example
 * ```ts
 * const { active, previous } = await rotateJobSigningKey(services, { overlapSec: 7 * 86400 });
 * ```
 */
export async function rotateJobSigningKey(
  services: KeyServices & Pick<Services, "clock">,
  options: { overlapSec?: number } = {},
): Promise<{ active: JobSigningKey; previous: { kid: string; notAfter: Date } | null }> {
  const overlapSec = options.overlapSec ?? DEFAULT_ROLLOVER_OVERLAP_SEC;
  if (!Number.isInteger(overlapSec) || overlapSec < 900) {
    throw new RangeError("overlapSec must be an integer ≥ 900 (a job token's lifetime)");
  }
  const now = services.clock.now();
  const notAfter = new Date(now.getTime() + overlapSec * 1000);
  const fresh = await newKeyRow(services, now);
  const previous = await writeTransaction(services.ledger, async (tx) => {
    const old = await tx.db.selectFrom("job_signing_keys").select("kid")
      .where("active", "=", 1).executeTakeFirst();
    await tx.db.updateTable("job_signing_keys").set({ active: null, not_after: notAfter })
      .where("active", "=", 1).execute();
    await tx.db.insertInto("job_signing_keys").values(fresh).execute();
    return old ? { kid: old.kid, notAfter } : null;
  });
  const active = await keyByKid(services, fresh);
  cacheOf(services.ledger).active = { key: active, loadedAt: Date.now() };
  return { active, previous };
}

/**
 * Every key a job may be verified with at `now`: the active one first, then those still in
 * their overlap, the latest-ending first.
 *
 * @example
 * ```ts
 * const claims = await verifyJob(jws, await jobVerificationKeys(services));
 * ```
 */
export async function jobVerificationKeys(
  services: KeyServices & Pick<Services, "clock">,
): Promise<JobSigningPublicJwk[]> {
  const now = services.clock.now();
  const rows = await services.ledger.db.selectFrom("job_signing_keys")
    .select(["kid", "public_x", "active", "not_after"])
    .where((eb) => eb.or([eb("active", "=", 1), eb("not_after", ">", now)]))
    .execute();
  // The active key first, then by end of overlap, latest first.
  const order = (r: (typeof rows)[number]) =>
    r.active === 1 ? Infinity : toDate(r.not_after!).getTime();
  return rows.sort((a, b) => order(b) - order(a)).map((r) => publicJobJwk(r.public_x, r.kid));
}

/**
 * The §3.8 rollover statement for one host, or null when no rotated-out key is in its overlap.
 * `pinnedSince` is when the host's runner enrolled: it pinned the key active then (or, with
 * null, none is known). The statement is signed by the oldest rotated-out key the runner can
 * still pin — the one it enrolled with, or one introduced by an earlier rollover — and carries
 * the active key as `newKey` and the signing key's end of overlap as `notAfter`. A runner that
 * enrolled after the active key was made (by more than {@link ACTIVE_KEY_CACHE_MS}) pinned it
 * already and gets nothing.
 *
 * @example
 * ```ts
 * const keyRollover = await keyRolloverFor(services, { hostId, pinnedSince: runnerKey.createdAt });
 * ```
 */
export async function keyRolloverFor(
  services: KeyServices & Pick<Services, "clock">,
  input: { hostId: string; pinnedSince: Date | null },
): Promise<string | null> {
  const now = services.clock.now();
  const retiring = await services.ledger.db.selectFrom("job_signing_keys").selectAll()
    .where("active", "is", null).where("not_after", ">", now)
    .orderBy("created_at", "asc").execute();
  if (retiring.length === 0) return null;
  const active = await getActiveJobSigningKey(services);
  // Another instance may have handed out its cached active key for up to ACTIVE_KEY_CACHE_MS
  // after a rotation, so a runner counts as enrolled that much earlier.
  const pinnedAt = (input.pinnedSince?.getTime() ?? -Infinity) - ACTIVE_KEY_CACHE_MS;
  if (active.createdAt.getTime() <= pinnedAt) return null;
  // The key active at enrollment: the newest created at or before it.
  const pinnedKeyAt = retiring.map((r) => toDate(r.created_at).getTime())
    .filter((at) => at <= pinnedAt).pop() ?? -Infinity;
  const signerRow = retiring.find((r) =>
    toDate(r.created_at).getTime() >= pinnedKeyAt && r.kid !== active.kid
  );
  if (!signerRow) return null;
  const signer = await keyByKid(services, signerRow);
  return await signKeyRollover(signer, {
    iss: services.config.publicOrigin,
    aud: input.hostId,
    iat: Math.floor(now.getTime() / 1000),
    newKey: active.publicJwk,
    notAfter: Math.floor(toDate(signerRow.not_after!).getTime() / 1000),
  });
}

/**
 * Forgets the cached keys of `ledger` (tests that edit `job_signing_keys` directly).
 *
 * @example
 * ```ts
 * clearJobKeyCache(services.ledger);
 * ```
 */
export function clearJobKeyCache(ledger: Pick<Ledger, "db">): void {
  caches.delete(ledger.db);
}
