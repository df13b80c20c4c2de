/**
 * The canonical string of a signed request (agent-protocol §2.3) and the body hash it ends
 * with. Pure and dependency-free: the server's verification (`lib/ingest/signed.ts`) and the
 * host runner's signing build it with this one implementation.
 *
 * @module
 */

/** First line of every canonical string; a future protocol version changes it. */
export const PROTOCOL_LABEL = "vps-sentry-v1";
/** Hex SHA-256 of the empty body. */
export const EMPTY_BODY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** What the canonical string is built from (§2.3). */
export interface CanonicalInput {
  method: string;
  /** Origin-form request target: path plus `?query`, percent-encoding unchanged. */
  path: string;
  hostId: string;
  timestamp: string;
  nonce: string;
  seq: string | null;
  /** Lowercase hex SHA-256 of the exact body bytes. */
  bodySha256: string;
}

const encoder = new TextEncoder();

/**
 * The eight-line canonical string, joined by `\n`, no trailing newline.
 *
 * @example
 * ```ts
 * canonicalString({ method: "GET", path: "/api/agent/jobs?wait=25", hostId, timestamp: "1795626005",
 *   nonce: "EBESExQVFhcYGRobHB0eHw", seq: null, bodySha256: EMPTY_BODY_SHA256 });
 * ```
 */
export function canonicalString(input: CanonicalInput): string {
  return [
    PROTOCOL_LABEL,
    input.method.toUpperCase(),
    input.path,
    input.hostId,
    input.timestamp,
    input.nonce,
    input.seq ?? "",
    input.bodySha256,
  ].join("\n");
}

/**
 * Lowercase hex SHA-256 of `bytes` (a string is hashed as UTF-8).
 *
 * @example
 * ```ts
 * await sha256Hex(""); // EMPTY_BODY_SHA256
 * ```
 */
export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === "string" ? encoder.encode(bytes) : bytes;
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data as BufferSource)).toHex();
}
