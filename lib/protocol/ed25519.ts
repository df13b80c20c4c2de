/**
 * Ed25519 with Web Crypto for the signed channel (agent-protocol §2.2-2.3, §3.2): RFC 7638 key
 * ids, signing and verification over UTF-8 text. Pure and dependency-free, shared by the
 * control plane and the host runner.
 *
 * @module
 */

import { decodeBase64url, encodeBase64url } from "./base64url.ts";

/** The public half of an Ed25519 key as a JWK (`x` is base64url of 32 bytes). */
export interface Ed25519PublicJwk {
  kty: "OKP";
  crv: "Ed25519";
  x: string;
}

/** Anything carrying an Ed25519 public key `x` (a public or private JWK, a job key with `kid`). */
export interface Ed25519KeyLike {
  kty?: string;
  crv?: string;
  x: string;
  kid?: string;
  alg?: string;
  use?: string;
}

/** An Ed25519 private JWK (`d` is base64url of the 32-byte seed). */
export interface Ed25519PrivateJwk extends Ed25519PublicJwk {
  d: string;
}

const encoder = new TextEncoder();

/**
 * The RFC 7638 thumbprint of an Ed25519 public JWK: base64url(SHA-256 of
 * `{"crv":"Ed25519","kty":"OKP","x":"…"}`), 43 characters.
 *
 * @example
 * ```ts
 * await jwkThumbprint({ x: "K2OuR5oP-Yeflr0YJHn2_iT5r_qclZj57iZfE0ogKMA" });
 * // "ppxTLtbE-JIQgFyMDS7Bew6McCClxOwERMvlqk4BT5k"
 * ```
 */
export async function jwkThumbprint(jwk: Ed25519KeyLike): Promise<string> {
  const input = `{"crv":"Ed25519","kty":"OKP","x":${JSON.stringify(jwk.x)}}`;
  return encodeBase64url(
    new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(input))),
  );
}

/**
 * True when `jwk` is exactly usable as an Ed25519 public key: `kty` OKP, `crv` Ed25519 and an
 * `x` that decodes to 32 bytes (other members are not looked at).
 *
 * @example
 * ```ts
 * isEd25519PublicJwk({ kty: "OKP", crv: "Ed25519", x }); // true
 * ```
 */
export function isEd25519PublicJwk(jwk: unknown): jwk is Ed25519PublicJwk {
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) return false;
  const r = jwk as Record<string, unknown>;
  return r.kty === "OKP" && r.crv === "Ed25519" && typeof r.x === "string" &&
    decodeBase64url(r.x)?.length === 32;
}

/**
 * Verifies a raw Ed25519 signature over raw bytes; a malformed key or signature is false.
 *
 * @example
 * ```ts
 * await verifyEd25519Bytes(jwk, sigBytes, new TextEncoder().encode(signingInput));
 * ```
 */
export async function verifyEd25519Bytes(
  jwk: Ed25519KeyLike,
  signature: Uint8Array,
  message: Uint8Array,
): Promise<boolean> {
  if (signature.length !== 64) return false;
  try {
    const key = await crypto.subtle.importKey(
      "jwk",
      { kty: "OKP", crv: "Ed25519", x: jwk.x },
      "Ed25519",
      false,
      ["verify"],
    );
    return await crypto.subtle.verify(
      "Ed25519",
      key,
      signature as BufferSource,
      message as BufferSource,
    );
  } catch {
    return false;
  }
}

/**
 * True when `signature` (base64url, 64 bytes) is a valid Ed25519 signature of the UTF-8 bytes of
 * `message` by `jwk`. A malformed key or signature is simply false.
 *
 * @example
 * ```ts
 * await verifyEd25519(key.publicJwk, headers.signature, canonicalString(input)); // true | false
 * ```
 */
export async function verifyEd25519(
  jwk: Ed25519KeyLike,
  signature: string,
  message: string,
): Promise<boolean> {
  const sig = decodeBase64url(signature);
  if (sig === null) return false;
  return await verifyEd25519Bytes(jwk, sig, encoder.encode(message));
}

/**
 * Signs the UTF-8 bytes of `message` with an Ed25519 private key; base64url of the 64-byte
 * signature.
 *
 * @example
 * ```ts
 * const { privateKey } = await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]) as CryptoKeyPair;
 * headers["X-Sentry-Signature"] = await signEd25519(privateKey, canonicalString(input));
 * ```
 */
export async function signEd25519(privateKey: CryptoKey, message: string): Promise<string> {
  return encodeBase64url(
    new Uint8Array(await crypto.subtle.sign("Ed25519", privateKey, encoder.encode(message))),
  );
}

/**
 * Imports a private JWK (`kty`, `crv`, `x`, `d`) as a signing key.
 *
 * @example
 * ```ts
 * const key = await importEd25519PrivateJwk(state.privateJwk);
 * ```
 */
export async function importEd25519PrivateJwk(jwk: Ed25519PrivateJwk): Promise<CryptoKey> {
  return await crypto.subtle.importKey(
    "jwk",
    { kty: "OKP", crv: "Ed25519", x: jwk.x, d: jwk.d },
    "Ed25519",
    false,
    ["sign"],
  );
}

/**
 * The private JWK for a 32-byte Ed25519 seed (RFC 8032 private key), e.g. the test vectors'
 * `seedHex`. Web Crypto derives the public key.
 *
 * @example
 * ```ts
 * const jwk = await ed25519JwkFromSeed(Uint8Array.fromHex(vectors.runnerKey.seedHex));
 * ```
 */
export async function ed25519JwkFromSeed(seed: Uint8Array): Promise<Ed25519PrivateJwk> {
  if (seed.length !== 32) throw new TypeError("an Ed25519 seed has 32 bytes");
  // PKCS#8 for Ed25519 is a fixed 16-byte prefix followed by the seed (RFC 8410).
  const prefix = Uint8Array.fromHex("302e020100300506032b657004220420");
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(prefix);
  pkcs8.set(seed, 16);
  const key = await crypto.subtle.importKey("pkcs8", pkcs8, "Ed25519", true, ["sign"]);
  const jwk = await crypto.subtle.exportKey("jwk", key);
  return { kty: "OKP", crv: "Ed25519", x: jwk.x!, d: jwk.d! };
}

/**
 * A fresh Ed25519 key pair as a private JWK (its `x` is the public key), for a runner's request
 * key or the control plane's job-signing key.
 *
 * @example
 * ```ts
 * const { x, d } = await generateEd25519Jwk();
 * ```
 */
export async function generateEd25519Jwk(): Promise<Ed25519PrivateJwk> {
  const pair = await crypto.subtle.generateKey("Ed25519", true, ["sign", "verify"]);
  const jwk = await crypto.subtle.exportKey("jwk", (pair as CryptoKeyPair).privateKey);
  return { kty: "OKP", crv: "Ed25519", x: jwk.x!, d: jwk.d! };
}
