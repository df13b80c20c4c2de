/**
 * Appendix C: the runner's signing reproduces the `snapshot-post` and `jobs-poll` signatures
 * from the vector seeds, its key id is the RFC 7638 thumbprint, any changed byte fails, and the
 * vector job token verifies through the runner's JWS parsing.
 */
import { equal, ok } from "node:assert/strict";
import { signerFromJwk, signRequest } from "../../agent/sign.ts";
import { apiTarget } from "../../agent/http.ts";
import { canonicalString, sha256Hex } from "../../lib/protocol/canonical.ts";
import { ed25519JwkFromSeed, jwkThumbprint, verifyEd25519 } from "../../lib/protocol/ed25519.ts";
import { parseCompactJws, verifyCompactJws } from "../../lib/protocol/jws.ts";
import { canonicalString as serverCanonical } from "@/lib/ingest/signed.ts";
import { VECTORS } from "./support.ts";

const encoder = new TextEncoder();

Deno.test("[runner] the vector seeds give the vector keys and key ids", async () => {
  for (const k of [VECTORS.runnerKey, VECTORS.jobSigningKey]) {
    const jwk = await ed25519JwkFromSeed(Uint8Array.fromHex(k.seedHex));
    equal(jwk.x, k.privateJwk.x);
    equal(jwk.d, k.privateJwk.d);
    equal(await jwkThumbprint(jwk), k.keyId);
  }
});

for (const name of ["snapshot-post", "jobs-poll"]) {
  Deno.test(`[runner] signing reproduces the ${name} vector`, async () => {
    const v = VECTORS.requests.find((r: { name: string }) => r.name === name);
    const privateJwk = await ed25519JwkFromSeed(Uint8Array.fromHex(VECTORS.runnerKey.seedHex));
    const signer = await signerFromJwk(v.hostId, VECTORS.runnerKey.keyId, privateJwk);
    const headers = await signRequest(signer, {
      method: v.method,
      path: v.path,
      body: encoder.encode(v.body),
      seq: v.headers["X-Sentry-Seq"] ? Number(v.headers["X-Sentry-Seq"]) : null,
      now: Number(v.headers["X-Sentry-Timestamp"]) * 1000,
      nonce: v.headers["X-Sentry-Nonce"],
    });
    for (const [h, value] of Object.entries(v.headers as Record<string, string>)) {
      equal(headers.get(h), value, h);
    }
    equal(headers.has("x-sentry-seq"), "X-Sentry-Seq" in v.headers);
    equal(await sha256Hex(v.body), v.bodySha256);
    const input = {
      method: v.method,
      path: v.path,
      hostId: v.hostId,
      timestamp: v.headers["X-Sentry-Timestamp"],
      nonce: v.headers["X-Sentry-Nonce"],
      seq: v.headers["X-Sentry-Seq"] ?? null,
      bodySha256: v.bodySha256,
    };
    equal(canonicalString(input), v.canonicalString);
    // The server's re-export is the same implementation.
    equal(serverCanonical, canonicalString);
    const sig = headers.get("x-sentry-signature")!;
    ok(await verifyEd25519(VECTORS.runnerKey.publicJwk, sig, v.canonicalString));
    // Any single changed byte of the canonical string or of the signature fails.
    const s = v.canonicalString as string;
    for (const i of [0, 14, s.length - 1]) {
      const changed = s.slice(0, i) + String.fromCharCode(s.charCodeAt(i) ^ 1) + s.slice(i + 1);
      ok(!await verifyEd25519(VECTORS.runnerKey.publicJwk, sig, changed), `byte ${i}`);
    }
    const raw = Uint8Array.fromBase64(sig, { alphabet: "base64url" });
    raw[10] ^= 1;
    const bad = raw.toBase64({ alphabet: "base64url", omitPadding: true });
    ok(!await verifyEd25519(VECTORS.runnerKey.publicJwk, bad, v.canonicalString));
  });
}

Deno.test("[runner] a base URL with a path prefix signs the full public path", () => {
  const t = apiTarget("https://cp.example.net/sentry/", "/api/agent/jobs?wait=25");
  equal(t.url, "https://cp.example.net/sentry/api/agent/jobs?wait=25");
  equal(t.target, "/sentry/api/agent/jobs?wait=25");
  equal(apiTarget("http://127.0.0.1:8000", "/x").target, "/x");
});

Deno.test("[runner] the vector job token verifies over its received bytes", async () => {
  const parsed = parseCompactJws(VECTORS.job.compactJws)!;
  ok(parsed);
  equal(parsed.header.kid, VECTORS.jobSigningKey.keyId);
  ok(await verifyCompactJws(parsed, VECTORS.jobSigningKey.publicJwk));
  const flipped = { ...parsed, signingInput: parsed.signingInput.replace("eyJqdGki", "eyJqdGkj") };
  ok(!await verifyCompactJws(flipped, VECTORS.jobSigningKey.publicJwk));
  equal(parseCompactJws("a.b"), null);
  equal(parseCompactJws("W10.e30.AA"), null); // header is an array
});
