import assert from "node:assert/strict";
import {
  consumeRecoveryCode,
  countUsers,
  createUser,
  getUser,
  getUserByEmail,
  normalizeEmail,
  recordTotpStep,
  setPasswordHash,
  setRecoveryCodes,
  setTotp,
  validateEmail,
} from "@/lib/orgs/users.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { rejection, seedUser } from "../../support/operators.ts";

Deno.test("[orgs] users: normalizeEmail trims and lower-cases; validateEmail explains", () => {
  assert.equal(normalizeEmail("  Ops@Example.COM \n"), "ops@example.com");
  for (
    const ok of ["ops@example.com", "a.b+tag@sub.example.co", "x@localhost", "OPS@EXAMPLE.COM"]
  ) {
    assert.equal(validateEmail(ok), null, ok);
  }
  for (
    const bad of [
      "ops",
      "ops@",
      "@example.com",
      "a b@example.com",
      "ops@exa mple.com",
      "ops@-x.com",
      "a@b@c.com",
    ]
  ) {
    assert.match(validateEmail(bad) ?? "", /expected an address like name@example.com/, bad);
  }
  assert.match(validateEmail(`${"a".repeat(64)}@${"b".repeat(190)}.com`) ?? "", /at most 254/);
});

forEachLedger(
  "[orgs] users: create, read back, e-mail unique case-insensitively",
  async (ledger) => {
    const now = new Date("2026-11-25T10:00:00.000Z");
    const user = await createUser(ledger, {
      email: " Ops@Example.com ",
      name: " Olga Ops ",
      passwordHash: "scrypt$x",
      now,
    });
    assert.deepEqual(user, {
      id: user.id,
      email: "ops@example.com",
      name: "Olga Ops",
      passwordHash: "scrypt$x",
      totpSecretSealed: null,
      totpEnabledAt: null,
      recoveryCodesLeft: 0,
      lastTotpStep: null,
      createdAt: now,
      disabledAt: null,
    });
    assert.deepEqual(await getUser(ledger, user.id), user);
    assert.deepEqual(await getUserByEmail(ledger, "OPS@example.COM"), user);
    assert.equal(await getUser(ledger, "missing"), null);

    const taken = await rejection(
      createUser(ledger, { email: "OPS@EXAMPLE.COM", name: "", passwordHash: null }),
    );
    assert.deepEqual([taken.status, taken.code], [409, "email_taken"]);
    const bad = await rejection(
      createUser(ledger, { email: "nope", name: "", passwordHash: null }),
    );
    assert.deepEqual([bad.status, bad.code], [400, "invalid_email"]);
    const long = await rejection(
      createUser(ledger, { email: "n@example.com", name: "x".repeat(101), passwordHash: null }),
    );
    assert.deepEqual([long.status, long.code], [400, "invalid_name"]);
    assert.equal(await countUsers(ledger), 1);

    const unnamed = await createUser(ledger, {
      email: "plain@example.com",
      name: " ",
      passwordHash: null,
    });
    assert.equal(unnamed.name, "plain", "empty name falls back to the local part");
    assert.equal(await countUsers(ledger), 2);
  },
);

forEachLedger("[orgs] users: password hash and TOTP setters", async (ledger) => {
  const user = await seedUser(ledger, "t@example.com");
  assert.equal(await setPasswordHash(ledger, user.id, "scrypt$new"), true);
  assert.equal((await getUser(ledger, user.id))?.passwordHash, "scrypt$new");
  assert.equal(await setPasswordHash(ledger, "missing", "x"), false);

  const enabledAt = new Date("2026-11-25T11:00:00.000Z");
  assert.equal(await setTotp(ledger, user.id, { sealedSecret: "sealed", enabledAt }), true);
  assert.equal(await recordTotpStep(ledger, user.id, 100), true);
  let stored = await getUser(ledger, user.id);
  assert.equal(stored?.totpSecretSealed, "sealed");
  assert.deepEqual(stored?.totpEnabledAt, enabledAt);
  assert.equal(stored?.lastTotpStep, 100);
  // Turning TOTP off (or re-enrolling) forgets the replay marker of the old secret.
  assert.equal(await setTotp(ledger, user.id, null), true);
  stored = await getUser(ledger, user.id);
  assert.deepEqual(
    [stored?.totpSecretSealed, stored?.totpEnabledAt, stored?.lastTotpStep],
    [null, null, null],
  );
});

forEachLedger(
  "[orgs] users: recordTotpStep only accepts later steps, once, even concurrently",
  async (ledger) => {
    const user = await seedUser(ledger, "step@example.com");
    const step = 59_866_666; // a realistic unix/30 step: bigint on Postgres
    assert.equal(await recordTotpStep(ledger, user.id, step), true);
    assert.equal(await recordTotpStep(ledger, user.id, step), false, "replay of the same step");
    assert.equal(await recordTotpStep(ledger, user.id, step - 1), false, "older step");
    assert.equal(await recordTotpStep(ledger, user.id, step + 1), true);
    assert.equal((await getUser(ledger, user.id))?.lastTotpStep, step + 1);
    assert.equal(await recordTotpStep(ledger, "missing", step + 5), false);
    assert.equal(await recordTotpStep(ledger, user.id, -1), false);

    const results = await Promise.all(
      Array.from({ length: 8 }, () => recordTotpStep(ledger, user.id, step + 2)),
    );
    assert.equal(results.filter(Boolean).length, 1, "one of 8 concurrent uses of a code wins");
  },
);

forEachLedger(
  "[orgs] users: recovery codes are consumed once each, even concurrently",
  async (ledger) => {
    const user = await seedUser(ledger, "rc@example.com");
    assert.equal(await consumeRecoveryCode(ledger, user.id, "h1"), false, "none issued");
    await setRecoveryCodes(ledger, user.id, ["h1", "h2", "h3", "h4"]);
    assert.equal((await getUser(ledger, user.id))?.recoveryCodesLeft, 4);
    assert.equal(await consumeRecoveryCode(ledger, user.id, "h2"), true);
    assert.equal(await consumeRecoveryCode(ledger, user.id, "h2"), false, "second use");
    assert.equal(await consumeRecoveryCode(ledger, user.id, "nope"), false);
    assert.equal((await getUser(ledger, user.id))?.recoveryCodesLeft, 3);

    const same = await Promise.all(
      Array.from({ length: 6 }, () => consumeRecoveryCode(ledger, user.id, "h1")),
    );
    assert.equal(same.filter(Boolean).length, 1, "one of 6 concurrent uses of one code wins");
    const different = await Promise.all([
      consumeRecoveryCode(ledger, user.id, "h3"),
      consumeRecoveryCode(ledger, user.id, "h4"),
    ]);
    assert.deepEqual(different, [true, true], "different codes used together both work");
    assert.equal((await getUser(ledger, user.id))?.recoveryCodesLeft, 0);

    await setRecoveryCodes(ledger, user.id, ["n1"]);
    await setRecoveryCodes(ledger, user.id, []);
    assert.equal(await consumeRecoveryCode(ledger, user.id, "n1"), false, "replaced list");
  },
);
