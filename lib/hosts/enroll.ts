/**
 * Runner enrollment, `POST /api/agent/enroll` (agent-protocol §2.2): a single-use enrollment
 * token (§4.6) plus a proof-of-possession signature by the new Ed25519 key. In one transaction
 * the token is consumed, the runner key stored (scopes copied from the token), earlier runner
 * keys revoked, the host switched to signed ingest and the enrollment audited.
 *
 * @module
 */

import { monotonicFactory } from "ulid";
import { appendAudit } from "../audit/append.ts";
import { isUniqueViolation, writeTransaction } from "../db/ledger/transaction.ts";
import { HttpError } from "../fresh/errors.ts";
import { ENROLL_LIMIT_PER_MINUTE, takeToken } from "../ingest/rate_limit.ts";
import {
  assertFreshTimestamp,
  canonicalString,
  claimNonce,
  decodeBase64url,
  jwkThumbprint,
  readSignedHeaders,
  refuse,
  sha256Hex,
  verifyEd25519,
} from "../ingest/signed.ts";
import { lastAcceptedSeq } from "../ingest/sequence.ts";
import { getActiveJobSigningKey } from "../remediation/job_keys.ts";
import type { JobSigningPublicJwk } from "../remediation/job_token.ts";
import type { Services } from "../services.ts";
import { lookupHostToken } from "./bearer.ts";
import { hostHeartbeatOptions } from "./host_heartbeat.ts";
import { bearerToken, type HostScope, keyState } from "./key_format.ts";
import { getHostAnyOrg, type Host } from "./registry.ts";
import { type Ed25519PublicJwk, findRunnerKey } from "./runner_keys.ts";

/** Largest enroll body (§2.4 check 8). */
export const MAX_ENROLL_BYTES = 16 * 1024;
/** `revoked_reason` of a consumed enrollment token: `consumed_by:<keyId>`. */
const CONSUMED = "consumed_by:";

/** An enroll request as the route hands it over. */
export interface EnrollRequest {
  authorization: string | null;
  headers: Headers;
  method: string;
  /** Origin-form target as received. */
  path: string;
  ip: string;
  readBody: (maxBytes: number) => Promise<Uint8Array>;
}

/** The §2.2 response body. */
export interface EnrollResponse {
  ok: true;
  hostId: string;
  keyId: string;
  scopes: HostScope[];
  issuer: string;
  /** The active job-signing key (Part 3), which the runner pins. */
  jobSigningKey: JobSigningPublicJwk;
  nextSeq: number;
  serverTime: number;
  heartbeat: { expectedIntervalSec: number };
}

const nextId = monotonicFactory();
const unauthorized = (code: string, message: string) =>
  new HttpError(401, message, {
    code,
    headers: { "www-authenticate": `Bearer realm="vps-sentry", error="${code}"` },
  });

/** Check 2 of §2.2: exactly `{kty: "OKP", crv: "Ed25519", x: <32 bytes>}`. */
function publicKeyOf(body: unknown): Ed25519PublicJwk {
  const jwk = (body as { publicKeyJwk?: unknown } | null)?.publicKeyJwk;
  if (typeof jwk === "object" && jwk !== null && "d" in jwk) {
    throw refuse(
      400,
      "private_key_material",
      "publicKeyJwk contains the private member d: send only the public key, and generate a new " +
        "key pair since this one was exposed.",
    );
  }
  const ok = typeof jwk === "object" && jwk !== null && !Array.isArray(jwk) &&
    Object.keys(jwk).sort().join(",") === "crv,kty,x" &&
    (jwk as Ed25519PublicJwk).kty === "OKP" && (jwk as Ed25519PublicJwk).crv === "Ed25519" &&
    typeof (jwk as Ed25519PublicJwk).x === "string" &&
    decodeBase64url((jwk as Ed25519PublicJwk).x)?.length === 32;
  if (!ok) {
    throw refuse(
      400,
      "invalid_public_key",
      'publicKeyJwk must be exactly {"kty":"OKP","crv":"Ed25519","x":"<base64url of 32 bytes>"}.',
    );
  }
  return { kty: "OKP", crv: "Ed25519", x: (jwk as Ed25519PublicJwk).x };
}

/** An optional short text member of the body, trimmed; control characters refused. */
function textMember(body: unknown, name: string, max: number): string | null {
  const value = (body as Record<string, unknown>)[name];
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length > max || /\p{Cc}/u.test(value)) {
    throw new HttpError(400, `${name}: a string of at most ${max} characters`, {
      code: "invalid_input",
      details: { field: name },
    });
  }
  return value.trim() || null;
}

/**
 * Enrolls a runner. 201 with the §2.2 response; 200 with the same response for a retry with
 * the same token and key (the first response was lost). Errors, in the order of §2.2:
 * `429 rate_limited` (10/min per IP), `401 missing_token|invalid_token|token_expired|
 * token_consumed`, `400 private_key_material|invalid_public_key`, `401 signature_required|
 * malformed_signature`, `400 key_id_mismatch`, `401 clock_skew|bad_signature|replayed_nonce`.
 *
 * @example
 * ```ts
 * const { status, body } = await enrollRunner(services, { authorization, headers, method, path, ip, readBody });
 * ```
 */
export async function enrollRunner(
  services: Services,
  req: EnrollRequest,
): Promise<{ status: 200 | 201; body: EnrollResponse }> {
  const now = services.clock.now();
  const limit = await takeToken(services.kv, {
    bucket: `enroll:${req.ip}`,
    limit: ENROLL_LIMIT_PER_MINUTE,
    windowMs: 60_000,
    now,
  });
  if (!limit.ok) {
    throw new HttpError(429, `Too many enrollments; retry in ${limit.retryAfterS} s.`, {
      code: "rate_limited",
      headers: { "retry-after": String(limit.retryAfterS) },
      details: { retryAfterSeconds: limit.retryAfterS },
    });
  }

  // 1. The token.
  const token = bearerToken(req.authorization);
  if (token === null) {
    throw unauthorized(
      "missing_token",
      "Send the enrollment token as `Authorization: Bearer vs…`.",
    );
  }
  const enrollKey = await lookupHostToken(services.ledger, token);
  const host = enrollKey?.kind === "enroll"
    ? await getHostAnyOrg(services.ledger, enrollKey.hostId)
    : null;
  const consumedBy = enrollKey?.revokedReason?.startsWith(CONSUMED)
    ? enrollKey.revokedReason.slice(CONSUMED.length)
    : null;
  if (!enrollKey || !host || host.orgId !== enrollKey.orgId) {
    throw unauthorized(
      "invalid_token",
      "Unknown enrollment token: create one for the host (key action create-enrollment).",
    );
  }
  const state = keyState(enrollKey, now);
  const retryOf = consumedBy !== null && consumedBy === req.headers.get("x-sentry-key-id")
    ? consumedBy
    : null;
  if (consumedBy !== null && retryOf === null) {
    throw unauthorized("token_consumed", "This enrollment token was used; create a new one.");
  }
  if (consumedBy === null && state === "revoked") {
    throw unauthorized("invalid_token", "This enrollment token was revoked; create a new one.");
  }
  if (consumedBy === null && state === "expired") {
    throw unauthorized("token_expired", "This enrollment token has expired; create a new one.");
  }

  // 2-3. The public key and its id.
  const bytes = await req.readBody(MAX_ENROLL_BYTES);
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new HttpError(400, "The body must be a JSON object with publicKeyJwk.", {
      code: "invalid_json",
    });
  }
  const publicJwk = publicKeyOf(body);
  const runnerVersion = textMember(body, "runnerVersion", 64);
  const hostname = textMember(body, "hostname", 253);
  const signed = readSignedHeaders(req.headers);
  const keyId = await jwkThumbprint(publicJwk);
  if (keyId !== signed.keyId) {
    throw refuse(
      400,
      "key_id_mismatch",
      "X-Sentry-Key-Id must be the RFC 7638 thumbprint of publicKeyJwk.",
      { expected: keyId },
    );
  }

  // 4. Timestamp, signature by the new key over the token's host, nonce.
  assertFreshTimestamp(signed.timestamp, now);
  const message = canonicalString({
    method: req.method,
    path: req.path,
    hostId: host.id,
    timestamp: signed.timestamp,
    nonce: signed.nonce,
    seq: signed.seq,
    bodySha256: await sha256Hex(bytes),
  });
  if (!await verifyEd25519(publicJwk, signed.signature, message)) {
    throw refuse(
      401,
      "bad_signature",
      "The proof-of-possession signature does not verify; sign the canonical string " +
        "(agent-protocol §2.3) with the new private key and the hostId given at install.",
    );
  }
  await claimNonce(services.kv, host.orgId, keyId, signed.nonce);

  const response = async (scopes: HostScope[]): Promise<EnrollResponse> => ({
    ok: true,
    hostId: host.id,
    keyId,
    scopes,
    issuer: services.config.publicOrigin,
    jobSigningKey: (await getActiveJobSigningKey(services)).publicJwk,
    nextSeq: ((await lastAcceptedSeq(services.ledger, host.id)) ?? 0) + 1,
    serverTime: Math.floor(now.getTime() / 1000),
    // How often the control plane expects a snapshot (Part 5): the host's own interval or the
    // deployment's.
    heartbeat: {
      expectedIntervalSec: hostHeartbeatOptions(host, services.config.heartbeat).expectedMinutes *
        60,
    },
  });
  if (retryOf !== null) {
    const existing = await findRunnerKey(services.ledger, retryOf);
    if (!existing || keyState(existing, now) === "revoked") {
      throw unauthorized("token_consumed", "This enrollment token was used; create a new one.");
    }
    return { status: 200, body: await response(existing.scopes) };
  }

  // 5. One transaction.
  const scopes = enrollKey.scopes;
  await consumeAndStore(services, {
    host,
    enrollKeyId: enrollKey.id,
    enrollPrefix: enrollKey.prefix,
    keyId,
    publicJwk,
    scopes,
    runnerVersion,
    hostname,
    now,
    ip: req.ip,
  });
  return { status: 201, body: await response(scopes) };
}

/** Step 5 of §2.2 in one ledger transaction. */
async function consumeAndStore(
  services: Services,
  e: {
    host: Host;
    enrollKeyId: string;
    enrollPrefix: string;
    keyId: string;
    publicJwk: Ed25519PublicJwk;
    scopes: HostScope[];
    runnerVersion: string | null;
    hostname: string | null;
    now: Date;
    ip: string;
  },
): Promise<void> {
  try {
    await writeTransaction(services.ledger, async (tx) => {
      // Compare-and-set: of two concurrent enrollments with one token, exactly one consumes it.
      const consumed = await tx.db.updateTable("host_keys")
        .set({ revoked_at: e.now, revoked_reason: `${CONSUMED}${e.keyId}` })
        .where("id", "=", e.enrollKeyId).where("revoked_at", "is", null).executeTakeFirst();
      if (Number(consumed.numUpdatedRows) !== 1) {
        throw unauthorized("token_consumed", "This enrollment token was used; create a new one.");
      }
      const v = await tx.db.selectFrom("host_keys")
        .select((eb) => eb.fn.max<number | string | null>("version").as("v"))
        .where("host_id", "=", e.host.id).executeTakeFirst();
      await tx.db.updateTable("host_keys")
        .set({ revoked_at: e.now, revoked_reason: `superseded_by:${e.keyId}` })
        .where("host_id", "=", e.host.id).where("kind", "=", "runner")
        .where("revoked_at", "is", null).execute();
      const id = nextId(e.now.getTime());
      await tx.db.insertInto("host_keys").values({
        id,
        org_id: e.host.orgId,
        host_id: e.host.id,
        kind: "runner",
        prefix: `${e.keyId.slice(0, 14)}...`,
        token_hash: null,
        version: Math.min(9999, Number(v?.v ?? 0) + 1),
        label: e.hostname ? `runner on ${e.hostname}` : "runner",
        scopes: JSON.stringify(e.scopes),
        created_at: e.now,
        key_id: e.keyId,
        public_jwk: JSON.stringify(e.publicJwk),
        runner_version: e.runnerVersion,
        runner_hostname: e.hostname,
      }).execute();
      await tx.db.updateTable("hosts").set({ ingest_mode: "signed" }).where("id", "=", e.host.id)
        .execute();
      await appendAudit(tx, {
        action: "host.runner.enroll",
        summary: `runner key ${e.keyId.slice(0, 14)}... enrolled for ${e.host.slug} with token ` +
          `${e.enrollPrefix}; ingest mode signed`,
        actor: { type: "host", id: e.host.id, label: e.host.slug },
        orgId: e.host.orgId,
        target: { type: "host", id: e.host.id },
        details: {
          keyId: e.keyId,
          runnerKeyId: id,
          enrollmentKeyId: e.enrollKeyId,
          scopes: e.scopes,
          runnerVersion: e.runnerVersion,
          hostname: e.hostname,
        },
        ip: e.ip,
        ts: e.now,
      });
    });
  } catch (error) {
    if (isUniqueViolation(error, "key_id")) {
      throw new HttpError(
        409,
        "This public key is already enrolled; generate a new key pair for each enrollment.",
        { code: "key_in_use" },
      );
    }
    throw error;
  }
}

/** Single-quotes a value for POSIX shells. */
const sq = (v: string) => `'${v.replaceAll("'", `'"'"'`)}'`;

/**
 * The runner install command shown once with a new enrollment token (§4.6): `baseUrl`,
 * `hostId` and the token (and `--job-key-id` once the job channel has a signing key).
 *
 * @example
 * ```ts
 * runnerInstallCommand({ baseUrl: "https://console.example.net", hostId, token });
 * // sudo vps-sentry-runner enroll --base-url 'https://console.example.net' --host-id '…' --token 'vs2_…'
 * ```
 */
export function runnerInstallCommand(
  input: { baseUrl: string; hostId: string; token: string; jobKeyId?: string },
): string {
  return [
    "sudo vps-sentry-runner enroll",
    `--base-url ${sq(input.baseUrl)}`,
    `--host-id ${sq(input.hostId)}`,
    `--token ${sq(input.token)}`,
    ...(input.jobKeyId ? [`--job-key-id ${sq(input.jobKeyId)}`] : []),
  ].join(" \\\n  ");
}
