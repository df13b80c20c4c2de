import assert from "node:assert/strict";
import {
  deriveAesKey,
  deriveHmacKey,
  openString,
  SealedValueError,
  sealString,
} from "@/lib/auth/keys.ts";

const SECRET = "keys-test-secret-keys-test-secret-0123456";
const OTHER_SECRET = "another-secret-another-secret-another-99";

Deno.test("[auth] sealed values open with the same secret and purpose", async () => {
  const sealed = await sealString(SECRET, "totp-secret", "JBSWY3DPEHPK3PXP");
  assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
  assert.equal(await openString(SECRET, "totp-secret", sealed), "JBSWY3DPEHPK3PXP");
});

Deno.test("[auth] sealing twice gives different ciphertexts (random IV)", async () => {
  const a = await sealString(SECRET, "totp-secret", "same text");
  const b = await sealString(SECRET, "totp-secret", "same text");
  assert.notEqual(a, b);
  assert.equal(await openString(SECRET, "totp-secret", b), "same text");
});

Deno.test("[auth] a sealed value never opens for another purpose or secret", async () => {
  const sealed = await sealString(SECRET, "totp-secret", "hidden");
  await assert.rejects(() => openString(SECRET, "other-purpose", sealed), SealedValueError);
  await assert.rejects(() => openString(OTHER_SECRET, "totp-secret", sealed), SealedValueError);
});

Deno.test("[auth] tampered or malformed sealed values fail", async () => {
  const sealed = await sealString(SECRET, "totp-secret", "hidden value");
  const [version, iv, ciphertext] = sealed.split(".");
  const bytes = Uint8Array.fromBase64(ciphertext, { alphabet: "base64url" });
  bytes[0] ^= 1;
  const flipped = bytes.toBase64({ alphabet: "base64url", omitPadding: true });
  await assert.rejects(
    () => openString(SECRET, "totp-secret", `${version}.${iv}.${flipped}`),
    /was altered, or sealed under another APP_SECRET/,
  );
  const otherIv = crypto.getRandomValues(new Uint8Array(12))
    .toBase64({ alphabet: "base64url", omitPadding: true });
  await assert.rejects(
    () => openString(SECRET, "totp-secret", `${version}.${otherIv}.${ciphertext}`),
    SealedValueError,
  );
  await assert.rejects(() => openString(SECRET, "totp-secret", "v2.a.b"), /format/);
  await assert.rejects(() => openString(SECRET, "totp-secret", "v1.!!.b"), /base64url/);
  await assert.rejects(() => openString(SECRET, "totp-secret", "v1.AAAA.AAAA"), /IV/);
});

Deno.test("[auth] derived keys are cached per secret and purpose, and differ by purpose", async () => {
  const a = await deriveHmacKey(SECRET, "session");
  assert.equal(await deriveHmacKey(SECRET, "session"), a);
  assert.notEqual(await deriveHmacKey(SECRET, "webhook"), a);
  assert.notEqual(await deriveHmacKey(OTHER_SECRET, "session"), a);
  const data = new TextEncoder().encode("message");
  const sig = (key: CryptoKey) => crypto.subtle.sign("HMAC", key, data);
  const [s1, s2, s3] = await Promise.all([
    sig(a),
    sig(await deriveHmacKey(SECRET, "webhook")),
    sig(await deriveHmacKey(OTHER_SECRET, "session")),
  ]);
  assert.notDeepEqual(new Uint8Array(s1), new Uint8Array(s2));
  assert.notDeepEqual(new Uint8Array(s1), new Uint8Array(s3));
  const aes = await deriveAesKey(SECRET, "session");
  assert.deepEqual(aes.algorithm, { name: "AES-GCM", length: 256 });
  assert.equal(aes.extractable, false);
});

Deno.test("[auth] key derivation refuses empty secrets and odd purposes", async () => {
  await assert.rejects(() => deriveHmacKey("", "session"), /APP_SECRET is empty/);
  await assert.rejects(() => deriveHmacKey(SECRET, "Bad Purpose"), /Key purpose/);
});
