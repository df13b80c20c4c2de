/**
 * Signed requests of the host runner (agent-protocol §2.3-2.4): the canonical string, Ed25519
 * over it with Web Crypto, RFC 7638 key ids, and the server's verification in the order of
 * §2.4 — rate limit, headers, syntax, clock skew, key, revocation, host, body size, signature,
 * nonce, scope — stopping at the first failure. Nothing is written before the signature
 * verifies; the nonce is the first write.
 *
 * @module
 */

import { agentNonceKey } from "../db/kv.ts";
import { HttpError } from "../fresh/errors.ts";
import type { HostScope } from "../hosts/key_format.ts";
import { keyState } from "../hosts/key_format.ts";
import { getHostAnyOrg, type Host } from "../hosts/registry.ts";
import { findRunnerKey, type RunnerKey } from "../hosts/runner_keys.ts";
import type { Services } from "../services.ts";
import { takeToken } from "./rate_limit.ts";
import { decodeBase64url } from "../protocol/base64url.ts";
import { canonicalString, sha256Hex } from "../protocol/canonical.ts";
import { verifyEd25519 } from "../protocol/ed25519.ts";

// The pure §2.3 helpers live in lib/protocol/ (shared with the host runner bundle).
export { decodeBase64url, encodeBase64url } from "../protocol/base64url.ts";
export {
  type CanonicalInput,
  canonicalString,
  EMPTY_BODY_SHA256,
  PROTOCOL_LABEL,
  sha256Hex,
} from "../protocol/canonical.ts";
export { jwkThumbprint, signEd25519, verifyEd25519 } from "../protocol/ed25519.ts";

/** Largest accepted `|now − X-Sentry-Timestamp|`, seconds (§2.4 check 4). */
export const MAX_CLOCK_SKEW_S = 300;
/** How long a nonce is remembered: covers the whole ±300 s window (§2.4 check 10). */
export const NONCE_TTL_MS = 600_000;
/** Highest `X-Sentry-Seq`: 2^53 − 1. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** The runner's authentication headers, as received (§2.3). */
export interface SignedHeaders {
  keyId: string;
  timestamp: string;
  nonce: string;
  /** Null when `X-Sentry-Seq` is absent (its canonical line is then empty). */
  seq: string | null;
  signature: string;
}

/** A 401/403/… with the protocol's code and a message that says what to fix. */
export function refuse(status: number, code: string, message: string, details?: unknown) {
  return new HttpError(status, message, { code, ...(details === undefined ? {} : { details }) });
}

/**
 * True when the request carries any runner signature header: it is a signed request then, and
 * is verified (or refused) as one.
 *
 * @example
 * ```ts
 * if (isSignedRequest(req.headers) && req.headers.has("authorization")) throw conflict;
 * ```
 */
export function isSignedRequest(headers: Headers): boolean {
  return headers.has("x-sentry-signature");
}

/**
 * Checks 2 and 3 of §2.4: every header present exactly once (`Headers` joins repeats with
 * commas, which no valid value contains), then syntax. `withSeq` reads `X-Sentry-Seq` too.
 *
 * @example
 * ```ts
 * const signed = readSignedHeaders(req.headers); // 401 signature_required | malformed_signature
 * ```
 */
export function readSignedHeaders(headers: Headers): SignedHeaders {
  const names = ["x-sentry-key-id", "x-sentry-timestamp", "x-sentry-nonce", "x-sentry-signature"];
  const values = names.map((n) => headers.get(n));
  const seq = headers.get("x-sentry-seq");
  const missing = names.filter((_, i) => values[i] === null || values[i]!.includes(","));
  if (missing.length > 0 || seq?.includes(",")) {
    throw refuse(
      401,
      "signature_required",
      `Signed requests need each of X-Sentry-Key-Id, X-Sentry-Timestamp, X-Sentry-Nonce and ` +
        `X-Sentry-Signature exactly once; missing or repeated: ${
          missing.join(", ") || "x-sentry-seq"
        }.`,
      { headers: missing.length > 0 ? missing : ["x-sentry-seq"] },
    );
  }
  const [keyId, timestamp, nonce, signature] = values as string[];
  const malformed = (what: string) =>
    refuse(401, "malformed_signature", `${what}; see agent-protocol §2.3.`, { header: what });
  if (!/^(0|[1-9][0-9]{0,15})$/.test(timestamp)) {
    throw malformed("X-Sentry-Timestamp must be unix seconds, decimal, no sign or leading zeros");
  }
  const nonceBytes = decodeBase64url(nonce);
  if (nonceBytes === null || nonceBytes.length < 16 || nonceBytes.length > 64) {
    throw malformed("X-Sentry-Nonce must be unpadded base64url of 16-64 random bytes");
  }
  if (seq !== null && (!/^[1-9][0-9]{0,15}$/.test(seq) || Number(seq) > MAX_SEQ)) {
    throw malformed("X-Sentry-Seq must be a decimal integer from 1 to 2^53-1");
  }
  if (decodeBase64url(signature)?.length !== 64) {
    throw malformed("X-Sentry-Signature must be unpadded base64url of a 64-byte Ed25519 signature");
  }
  return { keyId, timestamp, nonce, seq, signature };
}

/**
 * Check 4 of §2.4: `401 clock_skew` with `details.serverTime` when the timestamp is more than
 * {@link MAX_CLOCK_SKEW_S} from `now`.
 *
 * @example
 * ```ts
 * assertFreshTimestamp("1795626002", new Date(1795626002_000)); // passes
 * ```
 */
export function assertFreshTimestamp(timestamp: string, now: Date): void {
  const serverTime = Math.floor(now.getTime() / 1000);
  if (Math.abs(serverTime - Number(timestamp)) > MAX_CLOCK_SKEW_S) {
    throw refuse(
      401,
      "clock_skew",
      `X-Sentry-Timestamp is more than ${MAX_CLOCK_SKEW_S} s from the server's time ` +
        `(${serverTime}); fix the host's clock (NTP).`,
      { serverTime },
    );
  }
}

/**
 * Check 10 of §2.4: records the nonce for {@link NONCE_TTL_MS}, committed only if absent;
 * `401 replayed_nonce` when it was seen.
 *
 * @example
 * ```ts
 * await claimNonce(kv, host.orgId, key.keyId, signed.nonce);
 * ```
 */
export async function claimNonce(
  kv: Deno.Kv,
  orgId: string,
  keyId: string,
  nonce: string,
): Promise<void> {
  const key = agentNonceKey(orgId, keyId, nonce);
  const res = await kv.atomic().check({ key, versionstamp: null })
    .set(key, 1, { expireIn: NONCE_TTL_MS }).commit();
  if (!res.ok) {
    throw refuse(
      401,
      "replayed_nonce",
      "This X-Sentry-Nonce was already used; every request needs fresh random bytes.",
    );
  }
}

/** A route's side of {@link verifySignedRequest}. */
export interface SignedRequest {
  method: string;
  /** Origin-form request target as received (path plus `?query`). */
  path: string;
  headers: Headers;
  /** The `{hostId}` of the route, or null for routes without one (`/api/agent/jobs`). */
  routeHostId: string | null;
  requiredScope: HostScope;
  /** Rate-limit bucket prefix and per-minute limit (§0.1), counted per key id. */
  rateLimit: { bucket: string; perMinute: number };
  maxBodyBytes: number;
  readBody: (maxBytes: number) => Promise<Uint8Array>;
}

/** A request that passed checks 1-11. */
export interface VerifiedSignedRequest {
  host: Host;
  key: RunnerKey;
  signed: SignedHeaders;
  body: Uint8Array;
  bodySha256: string;
}

/**
 * Runs checks 1-11 of §2.4 in order and returns the verified request; route-specific checks
 * (§2.6 for snapshots) are the caller's.
 *
 * @example
 * ```ts
 * const v = await verifySignedRequest(services, { method: "POST", path, headers, routeHostId,
 *   requiredScope: "host.status.write", rateLimit: { bucket: "status", perMinute: 240 },
 *   maxBodyBytes: 1_000_000, readBody });
 * ```
 */
export async function verifySignedRequest(
  services: Pick<Services, "kv" | "ledger" | "clock">,
  req: SignedRequest,
): Promise<VerifiedSignedRequest> {
  const now = services.clock.now();
  const claimedKeyId = req.headers.get("x-sentry-key-id") ?? "";
  if (/^[A-Za-z0-9_-]{43}$/.test(claimedKeyId)) {
    const taken = await takeToken(services.kv, {
      bucket: `${req.rateLimit.bucket}:${claimedKeyId}`,
      limit: req.rateLimit.perMinute,
      windowMs: 60_000,
      now,
    });
    if (!taken.ok) {
      throw new HttpError(429, `Too many requests for this key; retry in ${taken.retryAfterS} s.`, {
        code: "rate_limited",
        headers: { "retry-after": String(taken.retryAfterS) },
        details: { retryAfterSeconds: taken.retryAfterS },
      });
    }
  }
  const signed = readSignedHeaders(req.headers);
  assertFreshTimestamp(signed.timestamp, now);
  const key = await findRunnerKey(services.ledger, signed.keyId);
  const host = key ? await getHostAnyOrg(services.ledger, key.hostId) : null;
  if (!key || !host || host.orgId !== key.orgId) {
    throw refuse(
      401,
      "unknown_key",
      "No runner key has this X-Sentry-Key-Id; re-enroll the runner.",
    );
  }
  const state = keyState(key, now);
  if (state === "revoked" || state === "expired") {
    throw refuse(
      401,
      state === "revoked" ? "key_revoked" : "key_expired",
      `This runner key is ${state}; create an enrollment token and re-enroll the runner.`,
    );
  }
  if (req.routeHostId !== null && req.routeHostId !== key.hostId) {
    throw refuse(
      403,
      "host_mismatch",
      "This runner key belongs to another host; check the hostId.",
    );
  }
  const body = await req.readBody(req.maxBodyBytes);
  const bodySha256 = await sha256Hex(body);
  const message = canonicalString({
    method: req.method,
    path: req.path,
    hostId: key.hostId,
    timestamp: signed.timestamp,
    nonce: signed.nonce,
    seq: signed.seq,
    bodySha256,
  });
  if (!await verifyEd25519(key.publicJwk, signed.signature, message)) {
    throw refuse(
      401,
      "bad_signature",
      "The signature does not verify over the canonical string (agent-protocol §2.3); sign the " +
        "exact path, headers and body bytes that are sent.",
    );
  }
  await claimNonce(services.kv, host.orgId, key.keyId, signed.nonce);
  if (!key.scopes.includes(req.requiredScope)) {
    throw refuse(
      403,
      "insufficient_scope",
      `This runner key lacks the scope ${req.requiredScope}; enroll with a token that has it.`,
      { requiredScope: req.requiredScope, scopes: key.scopes },
    );
  }
  await touchRunnerKey(services.ledger, key, now);
  return { host, key, signed, body, bodySha256 };
}

/** Records the key's last use at most once a minute (the condition keeps it to one write). */
async function touchRunnerKey(ledger: Services["ledger"], key: RunnerKey, now: Date) {
  const staleBefore = new Date(now.getTime() - 60_000);
  if (key.lastUsedAt !== null && key.lastUsedAt > staleBefore) return;
  await ledger.db.updateTable("host_keys").set({ last_used_at: now })
    .where("id", "=", key.id)
    .where((eb) => eb.or([eb("last_used_at", "is", null), eb("last_used_at", "<=", staleBefore)]))
    .execute();
}

/**
 * The origin-form target of a request URL (path plus `?query`), as §2.3 signs it.
 *
 * @example
 * ```ts
 * requestTarget("http://x/api/agent/jobs?wait=25"); // "/api/agent/jobs?wait=25"
 * ```
 */
export function requestTarget(url: string): string {
  const u = new URL(url);
  return u.pathname + u.search;
}
