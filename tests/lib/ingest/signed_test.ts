/**
 * The pure parts of signed ingest against agent-protocol Appendix C: canonical strings, body
 * hashes, RFC 7638 key ids and Ed25519 signatures reproduce `signing-vectors.json` byte for
 * byte; any changed byte fails; header syntax and clock-skew refusals; sequence gaps.
 */
import { deepEqual, equal, ok, throws } from "node:assert/strict";
import {
  assertFreshTimestamp,
  canonicalString,
  decodeBase64url,
  EMPTY_BODY_SHA256,
  jwkThumbprint,
  readSignedHeaders,
  requestTarget,
  sha256Hex,
  signEd25519,
  verifyEd25519,
} from "@/lib/ingest/signed.ts";
import { gapSignal, runnerLost, sequenceGap } from "@/lib/ingest/sequence.ts";
import { HttpError } from "@/lib/fresh/errors.ts";

const VECTORS = JSON.parse(
  await Deno.readTextFile(
    new URL("../../../../shared/fixtures/agent/signing-vectors.json", import.meta.url),
  ),
);

interface VectorRequest {
  name: string;
  method: string;
  path: string;
  hostId: string;
  body: string;
  bodySha256: string;
  headers: Record<string, string>;
  canonicalString: string;
}

const importPrivate = (jwk: JsonWebKey) =>
  crypto.subtle.importKey("jwk", jwk, "Ed25519", false, ["sign"]);

function canonicalOf(r: VectorRequest, bodySha256 = r.bodySha256) {
  return canonicalString({
    method: r.method,
    path: r.path,
    hostId: r.hostId,
    timestamp: r.headers["X-Sentry-Timestamp"],
    nonce: r.headers["X-Sentry-Nonce"],
    seq: r.headers["X-Sentry-Seq"] ?? null,
    bodySha256,
  });
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    ok(error instanceof HttpError);
    return error.code;
  }
  throw new Error("expected a refusal");
}

Deno.test("[signed] key ids are the RFC 7638 thumbprints of the vectors", async () => {
  equal(await jwkThumbprint(VECTORS.runnerKey.publicJwk), VECTORS.runnerKey.keyId);
  equal(await jwkThumbprint(VECTORS.jobSigningKey.publicJwk), VECTORS.jobSigningKey.keyId);
  equal(VECTORS.runnerKey.keyId, "ppxTLtbE-JIQgFyMDS7Bew6McCClxOwERMvlqk4BT5k");
  // The private key is sha256(label): the seed matches.
  equal(await sha256Hex(VECTORS.runnerKey.label), VECTORS.runnerKey.seedHex);
});

Deno.test("[signed] every request vector: body hash, canonical string and signature byte-exact", async () => {
  const privateKey = await importPrivate(VECTORS.runnerKey.privateJwk);
  const requests = VECTORS.requests as VectorRequest[];
  deepEqual(requests.map((r) => r.name), ["snapshot-post", "jobs-poll"]);
  for (const r of requests) {
    const hash = await sha256Hex(r.body);
    equal(hash, r.bodySha256, r.name);
    const canonical = canonicalOf(r, hash);
    equal(canonical, r.canonicalString, r.name);
    equal(await signEd25519(privateKey, canonical), r.headers["X-Sentry-Signature"], r.name);
    ok(
      await verifyEd25519(VECTORS.runnerKey.publicJwk, r.headers["X-Sentry-Signature"], canonical),
    );
  }
  equal(await sha256Hex(""), EMPTY_BODY_SHA256);
});

Deno.test("[signed] changing any single byte of the canonical string or signature fails", async () => {
  const r = (VECTORS.requests as VectorRequest[])[0];
  const jwk = VECTORS.runnerKey.publicJwk;
  const canonical = r.canonicalString;
  const bytes = new TextEncoder().encode(canonical);
  for (let i = 0; i < bytes.length; i++) {
    const changed = bytes.slice();
    changed[i] ^= 0x01;
    const text = new TextDecoder().decode(changed);
    equal(await verifyEd25519(jwk, r.headers["X-Sentry-Signature"], text), false, `byte ${i}`);
  }
  const sig = decodeBase64url(r.headers["X-Sentry-Signature"])!;
  equal(sig.length, 64);
  for (let i = 0; i < sig.length; i++) {
    const changed = sig.slice();
    changed[i] ^= 0x80;
    const b64 = changed.toBase64({ alphabet: "base64url", omitPadding: true });
    equal(await verifyEd25519(jwk, b64, canonical), false, `signature byte ${i}`);
  }
  equal(
    await verifyEd25519(
      VECTORS.jobSigningKey.publicJwk,
      r.headers["X-Sentry-Signature"],
      canonical,
    ),
    false,
  );
});

Deno.test("[signed] header presence and syntax: signature_required, malformed_signature", () => {
  const good = (VECTORS.requests as VectorRequest[])[0].headers;
  const h = (over: Record<string, string | null>) => {
    const headers = new Headers(good);
    for (const [k, v] of Object.entries(over)) v === null ? headers.delete(k) : headers.set(k, v);
    return headers;
  };
  const parsed = readSignedHeaders(h({}));
  equal(parsed.seq, "42");
  equal(parsed.keyId, VECTORS.runnerKey.keyId);
  equal(readSignedHeaders(h({ "X-Sentry-Seq": null })).seq, null);
  for (
    const name of ["X-Sentry-Key-Id", "X-Sentry-Timestamp", "X-Sentry-Nonce", "X-Sentry-Signature"]
  ) {
    equal(codeOf(() => readSignedHeaders(h({ [name]: null }))), "signature_required", name);
  }
  const twice = h({});
  twice.append("X-Sentry-Nonce", "AAECAwQFBgcICQoLDA0ODw");
  equal(codeOf(() => readSignedHeaders(twice)), "signature_required", "a repeated header");
  const malformed: Record<string, string>[] = [
    { "X-Sentry-Timestamp": "01795626002" },
    { "X-Sentry-Timestamp": "+1795626002" },
    { "X-Sentry-Timestamp": "1795626002.5" },
    { "X-Sentry-Nonce": "AAECAwQFBgcICQoLDA0O" }, // 15 bytes
    { "X-Sentry-Nonce": "AAECAwQFBgcICQoLDA0ODw==" }, // padded
    { "X-Sentry-Nonce": "AAECAwQFBgcICQoLDA0OD+" }, // wrong alphabet
    { "X-Sentry-Nonce": "A".repeat(90) }, // > 64 bytes
    { "X-Sentry-Seq": "0" },
    { "X-Sentry-Seq": "042" },
    { "X-Sentry-Seq": "9007199254740992" }, // 2^53
    { "X-Sentry-Signature": "AAAA" },
  ];
  for (const over of malformed) {
    equal(codeOf(() => readSignedHeaders(h(over))), "malformed_signature", JSON.stringify(over));
  }
});

Deno.test("[signed] clock skew: ±300 s passes, beyond is clock_skew with serverTime", () => {
  const t = 1795626002;
  assertFreshTimestamp(String(t), new Date((t + 300) * 1000));
  assertFreshTimestamp(String(t), new Date((t - 300) * 1000));
  throws(() => assertFreshTimestamp(String(t), new Date((t + 301) * 1000)), (e: HttpError) => {
    equal(e.code, "clock_skew");
    deepEqual(e.details, { serverTime: t + 301 });
    return true;
  });
  equal(codeOf(() => assertFreshTimestamp(String(t + 301), new Date(t * 1000))), "clock_skew");
});

Deno.test("[signed] a freshly generated Web Crypto key round-trips; requestTarget keeps the query", async () => {
  const pair = await crypto.subtle.generateKey("Ed25519", true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  const sig = await signEd25519(pair.privateKey, "hello");
  ok(await verifyEd25519({ kty: "OKP", crv: "Ed25519", x: jwk.x! }, sig, "hello"));
  equal((await jwkThumbprint({ x: jwk.x! })).length, 43);
  equal(requestTarget("http://h:8000/api/agent/jobs?wait=25"), "/api/agent/jobs?wait=25");
});

Deno.test("[signed] sequence gaps and their explanation by runner.lost", () => {
  equal(sequenceGap(null, 7), null);
  equal(sequenceGap(41, 42), null);
  deepEqual(sequenceGap(40, 43), { missing: 2, fromSeq: 41, toSeq: 42 });
  const gap = { missing: 2, fromSeq: 118, toSeq: 119 };
  const unexplained = gapSignal(gap, [], "2026-11-25T10:00:00.000Z");
  equal(unexplained.code, "snapshot_gap");
  equal(unexplained.severity, "medium");
  deepEqual(unexplained.evidence, gap);
  const lost = runnerLost({
    runner: { lost: [{ from: 118, to: 119, reason: "spool_overflow" }, { bogus: true }] },
  });
  equal(lost.length, 1);
  const explained = gapSignal(gap, lost, "2026-11-25T10:00:00.000Z");
  equal(explained.severity, "low");
  equal(explained.evidence?.explainedBy, "spool_overflow");
  const partly = gapSignal(gap, [{ from: 118, to: 118, reason: "rejected:clock_skew" }], "x");
  equal(partly.severity, "medium");
  equal(
    gapSignal({ missing: 1, fromSeq: 5, toSeq: 5 }, [{
      from: 5,
      to: 5,
      reason: "rejected:bad_signature",
    }], "x").evidence?.explainedBy,
    "rejected",
  );
});
