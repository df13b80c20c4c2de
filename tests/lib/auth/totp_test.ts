import assert from "node:assert/strict";
import {
  createTotpEnrolment,
  currentTotp,
  generateRecoveryCodes,
  hashRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_ALPHABET,
  TOTP_PERIOD_S,
  verifyTotp,
} from "@/lib/auth/totp.ts";

const NOW = new Date("2026-11-25T10:00:10.000Z");
const STEP = Math.floor(NOW.getTime() / 1000 / TOTP_PERIOD_S);
const shifted = (steps: number) => new Date(NOW.getTime() + steps * TOTP_PERIOD_S * 1000);

Deno.test("[auth] TOTP enrolment gives a base32 secret, an otpauth URI and a plain SVG", async () => {
  const enrolment = await createTotpEnrolment({ issuer: "VPS Sentry", account: "ann@example.com" });
  assert.match(enrolment.secret, /^[A-Z2-7]{32}$/);
  const uri = new URL(enrolment.uri);
  assert.equal(uri.protocol, "otpauth:");
  assert.equal(uri.searchParams.get("secret"), enrolment.secret);
  assert.equal(uri.searchParams.get("issuer"), "VPS Sentry");
  assert.match(decodeURIComponent(uri.pathname), /VPS Sentry:ann@example\.com/);
  assert.match(enrolment.qrSvg, /^<svg [^>]*role="img"/);
  assert.match(enrolment.qrSvg, /<\/svg>$/);
  assert.doesNotMatch(enrolment.qrSvg, /style|script|on[a-z]+=/i);
  const again = await createTotpEnrolment({ issuer: "VPS Sentry", account: "ann@example.com" });
  assert.notEqual(again.secret, enrolment.secret);
});

Deno.test("[auth] TOTP verifies the current code and ±1 step, returning the matched step", async () => {
  const { secret } = await createTotpEnrolment({ issuer: "VPS Sentry", account: "a@b.c" });
  assert.equal(verifyTotp(secret, currentTotp(secret, NOW), NOW, { window: 1 }), STEP);
  assert.equal(verifyTotp(secret, currentTotp(secret, shifted(-1)), NOW, { window: 1 }), STEP - 1);
  assert.equal(verifyTotp(secret, currentTotp(secret, shifted(1)), NOW, { window: 1 }), STEP + 1);
  assert.equal(verifyTotp(secret, currentTotp(secret, NOW), NOW), STEP, "window defaults to 1");
  const spaced = currentTotp(secret, NOW).replace(/^(\d{3})/, "$1 ");
  assert.equal(verifyTotp(secret, spaced, NOW), STEP);
});

Deno.test("[auth] TOTP rejects codes outside the window, wrong codes and non-6-digit input", async () => {
  const { secret } = await createTotpEnrolment({ issuer: "VPS Sentry", account: "a@b.c" });
  const code = currentTotp(secret, NOW);
  for (const steps of [-3, -2, 2, 3]) {
    const other = currentTotp(secret, shifted(steps));
    if (other === code) continue; // a 1-in-a-million collision with the current code
    assert.equal(verifyTotp(secret, other, NOW, { window: 1 }), null, `step ${steps}`);
  }
  assert.equal(verifyTotp(secret, currentTotp(secret, shifted(2)), NOW, { window: 2 }), STEP + 2);
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
  const neighbours = [-1, 0, 1].map((s) => currentTotp(secret, shifted(s)));
  if (!neighbours.includes(wrong)) assert.equal(verifyTotp(secret, wrong, NOW), null);
  for (const bad of ["", "12345", "1234567", "abcdef", `${code}0`, `0${code}`, "12345a"]) {
    assert.equal(verifyTotp(secret, bad, NOW), null, JSON.stringify(bad));
  }
  const { secret: otherSecret } = await createTotpEnrolment({ issuer: "x", account: "y" });
  const foreign = currentTotp(otherSecret, NOW);
  if (!neighbours.includes(foreign)) assert.equal(verifyTotp(secret, foreign, NOW), null);
});

Deno.test("[auth] recovery codes are unique, well-formed and their hashes stable", async () => {
  const { codes, hashes } = await generateRecoveryCodes();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  assert.equal(new Set(hashes).size, 10);
  const symbol = `[${RECOVERY_CODE_ALPHABET}]`;
  for (const code of codes) {
    assert.match(code, new RegExp(`^${symbol}{5}-${symbol}{5}$`));
    assert.doesNotMatch(code, /[ilou]/);
  }
  for (let i = 0; i < codes.length; i++) {
    assert.match(hashes[i], /^[0-9a-f]{64}$/);
    assert.equal(await hashRecoveryCode(codes[i]), hashes[i]);
    assert.equal(
      await hashRecoveryCode(` ${codes[i].toUpperCase().replace("-", " ")} `),
      hashes[i],
    );
  }
  assert.equal((await generateRecoveryCodes(3)).codes.length, 3);
  await assert.rejects(() => generateRecoveryCodes(0), RangeError);
});

Deno.test("[auth] recovery code normalization reads look-alikes the Crockford way", async () => {
  assert.equal(normalizeRecoveryCode(" 7K2QO-MX4LV "), "7k2q0mx41v");
  assert.equal(await hashRecoveryCode("abcd0-1xyz1"), await hashRecoveryCode("ABCDO-IXYZL"));
  assert.notEqual(await hashRecoveryCode("abcd0-1xyz1"), await hashRecoveryCode("abcd0-1xyz2"));
});
