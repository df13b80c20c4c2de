import assert from "node:assert/strict";
import {
  hashPassword,
  needsRehash,
  validatePassword,
  verifyAgainstDummy,
  verifyPassword,
} from "@/lib/auth/password.ts";

/** Low cost keeps tests fast; production defaults to 15. */
const COST = 10;

Deno.test("[auth] password: hash has the self-describing scrypt format and verifies", async () => {
  const stored = await hashPassword("correct horse battery staple", COST);
  const parts = stored.split("$");
  assert.equal(parts.length, 6);
  assert.deepEqual(parts.slice(0, 4), ["scrypt", "10", "8", "1"]);
  assert.match(parts[4], /^[A-Za-z0-9_-]{22}$/, "16-byte salt, base64url");
  assert.match(parts[5], /^[A-Za-z0-9_-]{43}$/, "32-byte key, base64url");
  assert.equal(await verifyPassword("correct horse battery staple", stored), true);
  assert.equal(await verifyPassword("correct horse battery stapl", stored), false);
  assert.equal(await verifyPassword("", stored), false);
});

Deno.test("[auth] password: the same password hashes differently (random salt)", async () => {
  const a = await hashPassword("same password here", COST);
  const b = await hashPassword("same password here", COST);
  assert.notEqual(a, b);
  assert.equal(await verifyPassword("same password here", a), true);
  assert.equal(await verifyPassword("same password here", b), true);
});

Deno.test("[auth] password: Unicode is normalized (NFC) before hashing", async () => {
  const composed = "café au lait 123"; // é as one code point
  const decomposed = "cafe\u0301 au lait 123"; // e + combining accent
  const stored = await hashPassword(composed, COST);
  assert.equal(await verifyPassword(decomposed, stored), true);
});

Deno.test("[auth] password: parameters come from the stored hash; needsRehash flags old costs", async () => {
  const old = await hashPassword("upgrade me please", 11);
  assert.equal(await verifyPassword("upgrade me please", old), true, "verifies at its own cost");
  assert.equal(needsRehash(old, 11), false);
  assert.equal(needsRehash(old, 12), true);
  assert.equal(needsRehash("bcrypt$whatever", 11), true);
  assert.equal(needsRehash("", 11), true);
});

Deno.test("[auth] password: malformed stored values never verify and never throw", async () => {
  const good = await hashPassword("a fine password", COST);
  const [, cost, r, p, salt, hash] = good.split("$");
  for (
    const stored of [
      "",
      "plain",
      "scrypt$10$8$1$onlyfive",
      `pbkdf2$${cost}$${r}$${p}$${salt}$${hash}`,
      `scrypt$99$${r}$${p}$${salt}$${hash}`, // absurd cost must not hang the CPU
      `scrypt$${cost}$0$${p}$${salt}$${hash}`,
      `scrypt$${cost}$${r}$${p}$${salt}$`,
      `scrypt$${cost}$${r}$${p}$$${hash}`,
      `scrypt$x$${r}$${p}$${salt}$${hash}`,
    ]
  ) {
    assert.equal(await verifyPassword("a fine password", stored), false, stored);
  }
});

Deno.test("[auth] password: a bad cost is refused with a hint", async () => {
  await assert.rejects(hashPassword("whatever long", 0), /PASSWORD_HASH_COST/);
  await assert.rejects(hashPassword("whatever long", 10.5), /integer/);
  await assert.rejects(verifyAgainstDummy("whatever long", 40), /PASSWORD_HASH_COST/);
});

Deno.test("[auth] password: verifyAgainstDummy is false and costs about a real verification", async () => {
  const cost = 12;
  const stored = await hashPassword("the real password", cost);
  const time = async (fn: () => Promise<unknown>) => {
    const start = performance.now();
    for (let i = 0; i < 4; i++) await fn();
    return performance.now() - start;
  };
  assert.equal(await verifyAgainstDummy("the real password", cost), false);
  const real = await time(() => verifyPassword("wrong password!!", stored));
  const dummy = await time(() => verifyAgainstDummy("wrong password!!", cost));
  // Same KDF, same parameters: within a generous factor, so unknown users are not obvious.
  assert.ok(dummy > real / 4 && dummy < real * 4, `real ${real}ms vs dummy ${dummy}ms`);
});

Deno.test("[auth] password: policy is 12-256 characters, messages name the rule", () => {
  assert.match(validatePassword("short") ?? "", /at least 12 characters.*got 5/);
  assert.match(validatePassword("a".repeat(11)) ?? "", /at least 12/);
  assert.equal(validatePassword("a".repeat(12)), null);
  assert.equal(validatePassword("a".repeat(256)), null);
  assert.match(validatePassword("a".repeat(257)) ?? "", /at most 256 characters.*got 257/);
  // Code points, not UTF-16 units: 12 emoji are 12 characters.
  assert.equal(validatePassword("🔐".repeat(12)), null);
  assert.match(validatePassword("🔐".repeat(11)) ?? "", /got 11/);
});
