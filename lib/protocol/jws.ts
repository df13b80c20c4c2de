/**
 * Compact JWS (RFC 7515) with EdDSA/Ed25519, as the job channel uses it (agent-protocol §3.2,
 * §3.8): parsing, verification over the received `<header64>.<payload64>` bytes (never
 * re-serialized), and signing. Pure and dependency-free.
 *
 * @module
 */

import { decodeBase64url, encodeBase64url } from "./base64url.ts";
import { type Ed25519KeyLike, verifyEd25519Bytes } from "./ed25519.ts";

/** A compact JWS split into its parts. */
export interface ParsedJws {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  /** `<header64>.<payload64>` exactly as received: the signed bytes (ASCII). */
  signingInput: string;
  signature: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function jsonObject(segment: string): Record<string, unknown> | null {
  const bytes = decodeBase64url(segment);
  if (bytes === null) return null;
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? value as Record<string, unknown>
      : null;
  } catch {
    return null;
  }
}

/**
 * Check 1 of §3.3: three canonical base64url segments whose header and payload are JSON
 * objects. Null otherwise.
 *
 * @example
 * ```ts
 * const parsed = parseCompactJws(vectors.job.compactJws);
 * parsed?.header.alg; // "EdDSA"
 * ```
 */
export function parseCompactJws(token: string): ParsedJws | null {
  if (typeof token !== "string") return null;
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const header = jsonObject(parts[0]);
  const payload = jsonObject(parts[1]);
  const signature = decodeBase64url(parts[2]);
  if (header === null || payload === null || signature === null) return null;
  return { header, payload, signingInput: `${parts[0]}.${parts[1]}`, signature };
}

/**
 * Check 3 of §3.3: the Ed25519 signature over the ASCII bytes of the signing input as received.
 *
 * @example
 * ```ts
 * await verifyCompactJws(parsed, pinnedKey); // true | false
 * ```
 */
export async function verifyCompactJws(parsed: ParsedJws, jwk: Ed25519KeyLike): Promise<boolean> {
  return await verifyEd25519Bytes(jwk, parsed.signature, encoder.encode(parsed.signingInput));
}

/**
 * Signs `payload` under `header` as a compact JWS (the header should carry `alg: "EdDSA"`).
 *
 * @example
 * ```ts
 * await signCompactJws(key, { alg: "EdDSA", kid, typ: "vps-sentry-job+jwt" }, claims);
 * ```
 */
export async function signCompactJws(
  privateKey: CryptoKey,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const h = encodeBase64url(encoder.encode(JSON.stringify(header)));
  const p = encodeBase64url(encoder.encode(JSON.stringify(payload)));
  const sig = new Uint8Array(
    await crypto.subtle.sign("Ed25519", privateKey, encoder.encode(`${h}.${p}`)),
  );
  return `${h}.${p}.${encodeBase64url(sig)}`;
}
