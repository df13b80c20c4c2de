/**
 * Request signing (agent-protocol §2.3) with Web Crypto Ed25519: key generation, the RFC 7638
 * key id, and the `X-Sentry-*` headers over the shared canonical string. Every attempt is
 * signed afresh: new timestamp, new nonce.
 *
 * @module
 */

import { encodeBase64url } from "../lib/protocol/base64url.ts";
import { canonicalString, sha256Hex } from "../lib/protocol/canonical.ts";
import {
  type Ed25519PrivateJwk,
  type Ed25519PublicJwk,
  generateEd25519Jwk,
  importEd25519PrivateJwk,
  jwkThumbprint,
  signEd25519,
} from "../lib/protocol/ed25519.ts";

/** What signs the runner's requests. */
export interface Signer {
  hostId: string;
  keyId: string;
  privateKey: CryptoKey;
}

/** A new runner key pair. */
export interface GeneratedKey {
  keyId: string;
  publicJwk: Ed25519PublicJwk;
  privateJwk: Ed25519PrivateJwk;
}

/**
 * Generates an Ed25519 key pair and its key id (§2.2).
 *
 * @example
 * ```ts
 * const { keyId, publicJwk, privateJwk } = await generateRunnerKey();
 * ```
 */
export async function generateRunnerKey(): Promise<GeneratedKey> {
  const privateJwk = await generateEd25519Jwk();
  const publicJwk: Ed25519PublicJwk = { kty: "OKP", crv: "Ed25519", x: privateJwk.x };
  return { keyId: await jwkThumbprint(publicJwk), publicJwk, privateJwk };
}

/**
 * A {@link Signer} from a stored private JWK.
 *
 * @example
 * ```ts
 * const signer = await signerFromJwk(state.hostId, key.keyId, key.privateJwk);
 * ```
 */
export async function signerFromJwk(
  hostId: string,
  keyId: string,
  privateJwk: Ed25519PrivateJwk,
): Promise<Signer> {
  return { hostId, keyId, privateKey: await importEd25519PrivateJwk(privateJwk) };
}

/** A fresh nonce: 16 random bytes, base64url (22 characters). */
export function newNonce(): string {
  return encodeBase64url(crypto.getRandomValues(new Uint8Array(16)));
}

/** One request to sign. */
export interface SignInput {
  method: string;
  /** Origin-form target exactly as sent (full public path plus `?query`). */
  path: string;
  body: Uint8Array;
  /** Snapshot posts only. */
  seq?: number | null;
  /** ms since the epoch. */
  now: number;
  /** For the test vectors; otherwise fresh random bytes. */
  nonce?: string;
}

/**
 * The `X-Sentry-*` headers of a request (§2.3).
 *
 * @example
 * ```ts
 * const headers = await signRequest(signer, { method: "GET", path: "/api/agent/jobs?wait=25",
 *   body: new Uint8Array(), now: Date.now() });
 * ```
 */
export async function signRequest(signer: Signer, input: SignInput): Promise<Headers> {
  const timestamp = String(Math.floor(input.now / 1000));
  const nonce = input.nonce ?? newNonce();
  const seq = input.seq === undefined || input.seq === null ? null : String(input.seq);
  const signature = await signEd25519(
    signer.privateKey,
    canonicalString({
      method: input.method,
      path: input.path,
      hostId: signer.hostId,
      timestamp,
      nonce,
      seq,
      bodySha256: await sha256Hex(input.body),
    }),
  );
  const headers = new Headers({
    "x-sentry-key-id": signer.keyId,
    "x-sentry-timestamp": timestamp,
    "x-sentry-nonce": nonce,
    "x-sentry-signature": signature,
  });
  if (seq !== null) headers.set("x-sentry-seq", seq);
  return headers;
}
