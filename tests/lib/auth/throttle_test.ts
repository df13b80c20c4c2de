import assert from "node:assert/strict";
import {
  checkSignInAllowed,
  recordSignInFailure,
  recordSignInSuccess,
  THROTTLE_LOCK_MS,
  THROTTLE_WINDOW_MS,
  throttleAddress,
} from "@/lib/auth/throttle.ts";

const T0 = new Date("2026-11-25T10:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const ANN = { email: "ann@example.com", ip: "203.0.113.7" };

/** Records `n` failures 100 ms apart from `startMs`; returns every lockNow list. */
async function fail(kv: Deno.Kv, n: number, who = ANN, startMs = 0) {
  const locked: string[][] = [];
  for (let i = 0; i < n; i++) {
    locked.push((await recordSignInFailure(kv, who, at(startMs + i * 100))).lockedNow);
  }
  return locked;
}

Deno.test("[auth] throttle: the first failures pass, then delays grow to at most 60 s", async () => {
  using kv = await Deno.openKv(":memory:");
  assert.deepEqual(await checkSignInAllowed(kv, ANN, T0), { ok: true });
  await fail(kv, 2);
  assert.deepEqual(await checkSignInAllowed(kv, ANN, at(200)), { ok: true });
  const delays: number[] = [];
  for (let n = 3; n <= 9; n++) {
    const last = at(n * 1000);
    await recordSignInFailure(kv, ANN, last);
    const check = await checkSignInAllowed(kv, ANN, last);
    assert.equal(check.ok, false);
    if (!check.ok) {
      assert.equal(check.scope, "account");
      assert.equal(check.locked, false);
      delays.push(check.retryAfterS);
    }
  }
  assert.deepEqual(delays, [1, 2, 4, 8, 16, 32, 60]);
  // The delay counts from the last failure.
  assert.deepEqual(await checkSignInAllowed(kv, ANN, at(9000 + 59_000)), {
    ok: false,
    retryAfterS: 1,
    scope: "account",
    locked: false,
  });
  assert.deepEqual(await checkSignInAllowed(kv, ANN, at(9000 + 60_000)), { ok: true });
});

Deno.test("[auth] throttle: 10 failures lock the account for 15 minutes, reported once", async () => {
  using kv = await Deno.openKv(":memory:");
  const locked = await fail(kv, 10);
  assert.deepEqual(locked.slice(0, 9), Array(9).fill([]));
  assert.deepEqual(locked[9], ["account"]);
  const lockedAt = 900;
  assert.deepEqual(await checkSignInAllowed(kv, ANN, at(lockedAt + 60_000)), {
    ok: false,
    retryAfterS: 14 * 60,
    scope: "account",
    locked: true,
  });
  // Further failures while locked do not report a new lockout.
  assert.deepEqual((await recordSignInFailure(kv, ANN, at(lockedAt + 1000))).lockedNow, []);
  const sameAccountOtherIp = { email: " ANN@example.com ", ip: "198.51.100.1" };
  const check = await checkSignInAllowed(kv, sameAccountOtherIp, at(lockedAt + 2000));
  assert.equal(check.ok, false, "the lock follows the account (normalized e-mail) to any address");
  assert.deepEqual(await checkSignInAllowed(kv, { ...ANN, email: "bob@example.com" }, T0), {
    ok: true,
  });
});

Deno.test("[auth] throttle: a lockout expires after 15 minutes and the count starts over", async () => {
  using kv = await Deno.openKv(":memory:");
  await fail(kv, 10);
  const end = 900 + THROTTLE_LOCK_MS;
  assert.equal((await checkSignInAllowed(kv, ANN, at(end - 1))).ok, false);
  assert.deepEqual(await checkSignInAllowed(kv, ANN, at(end)), { ok: true });
  await recordSignInFailure(kv, ANN, at(end + 1000));
  assert.deepEqual(await checkSignInAllowed(kv, ANN, at(end + 1000)), { ok: true });
});

Deno.test("[auth] throttle: failures are forgotten 15 minutes after the last one", async () => {
  using kv = await Deno.openKv(":memory:");
  await fail(kv, 5);
  assert.equal((await checkSignInAllowed(kv, ANN, at(400))).ok, false);
  await recordSignInFailure(kv, ANN, at(400 + THROTTLE_WINDOW_MS));
  assert.deepEqual(await checkSignInAllowed(kv, ANN, at(400 + THROTTLE_WINDOW_MS)), { ok: true });
});

Deno.test("[auth] throttle: unknown e-mails are throttled exactly like known ones", async () => {
  using kv = await Deno.openKv(":memory:");
  const ghost = { email: "nobody-here@example.com", ip: "192.0.2.55" };
  const locked = await fail(kv, 10, ghost);
  assert.deepEqual(locked[9], ["account"]);
  assert.equal((await checkSignInAllowed(kv, ghost, at(1000))).ok, false);
});

Deno.test("[auth] throttle: one address failing on many e-mails is delayed, then locked", async () => {
  using kv = await Deno.openKv(":memory:");
  const ip = "198.51.100.23";
  const locks: string[][] = [];
  for (let i = 0; i < 50; i++) {
    const who = { email: `user${i}@example.com`, ip };
    locks.push((await recordSignInFailure(kv, who, at(i * 100))).lockedNow);
    if (i === 19) {
      const check = await checkSignInAllowed(kv, { email: "fresh@example.com", ip }, at(i * 100));
      assert.deepEqual(check, { ok: false, retryAfterS: 1, scope: "ip", locked: false });
    }
  }
  assert.deepEqual(locks.findIndex((l) => l.length > 0), 49);
  assert.deepEqual(locks[49], ["ip"]);
  const fresh = { email: "fresh@example.com", ip };
  assert.deepEqual(await checkSignInAllowed(kv, fresh, at(4900 + 1000)), {
    ok: false,
    retryAfterS: 15 * 60 - 1,
    scope: "ip",
    locked: true,
  });
  assert.deepEqual(await checkSignInAllowed(kv, { ...fresh, ip: "198.51.100.24" }, at(5000)), {
    ok: true,
  });
  assert.deepEqual(await checkSignInAllowed(kv, fresh, at(4900 + THROTTLE_LOCK_MS)), { ok: true });
});

Deno.test("[auth] throttle: the longer wait wins when account and address both block", async () => {
  using kv = await Deno.openKv(":memory:");
  await fail(kv, 10); // account locked for 15 min, address has 10 failures (no delay yet)
  for (let i = 0; i < 15; i++) {
    await recordSignInFailure(kv, { email: `x${i}@example.com`, ip: ANN.ip }, at(1000 + i));
  }
  const check = await checkSignInAllowed(kv, ANN, at(2000));
  assert.equal(check.ok, false);
  if (!check.ok) assert.deepEqual([check.scope, check.locked], ["account", true]);
});

Deno.test("[auth] throttle: success clears the account counter but not the address", async () => {
  using kv = await Deno.openKv(":memory:");
  const ip = "203.0.113.99";
  for (let i = 0; i < 25; i++) {
    await recordSignInFailure(kv, { email: "ann@example.com", ip }, at(i));
  }
  await recordSignInSuccess(kv, { email: "ANN@example.com", ip });
  const other = await checkSignInAllowed(kv, { email: "ann@example.com", ip: "192.0.2.1" }, at(30));
  assert.deepEqual(other, { ok: true }, "the account counter is gone");
  const same = await checkSignInAllowed(kv, { email: "ann@example.com", ip }, at(30));
  assert.equal(same.ok, false);
  if (!same.ok) assert.equal(same.scope, "ip");
});

Deno.test("[auth] throttle: concurrent failures are all counted", async () => {
  using kv = await Deno.openKv(":memory:");
  const results = await Promise.all(
    Array.from({ length: 20 }, () => recordSignInFailure(kv, ANN, T0)),
  );
  const lockEvents = results.filter((r) => r.lockedNow.includes("account")).length;
  assert.equal(lockEvents, 1, "exactly one of the 20 reports the account lockout");
  // 20 failures at the address: its delay starts (2^0 s), proving none was lost.
  const check = await checkSignInAllowed(kv, { email: "other@example.com", ip: ANN.ip }, T0);
  assert.deepEqual(check, { ok: false, retryAfterS: 1, scope: "ip", locked: false });
  const [more] = await Promise.all([
    recordSignInFailure(kv, { email: "z@example.com", ip: ANN.ip }, at(1)),
    ...Array.from(
      { length: 29 },
      (_, i) => recordSignInFailure(kv, { email: `p${i}@example.com`, ip: ANN.ip }, at(1)),
    ),
  ]);
  assert.deepEqual(more.lockedNow.includes("account"), false);
  const ipCheck = await checkSignInAllowed(kv, { email: "q@example.com", ip: ANN.ip }, at(2));
  assert.deepEqual(ipCheck, { ok: false, retryAfterS: 15 * 60, scope: "ip", locked: true });
});

Deno.test("[auth] throttle addresses: IPv6 by /64, IPv4-mapped as IPv4", () => {
  assert.equal(throttleAddress("203.0.113.7"), "203.0.113.7");
  assert.equal(throttleAddress("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(throttleAddress("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(throttleAddress("2001:0DB8:0001:0002:ffff:1:2:3"), "2001:db8:1:2::/64");
  assert.equal(throttleAddress("[2001:db8::1]"), "2001:db8:0:0::/64");
  assert.equal(throttleAddress("::1"), "0:0:0:0::/64");
  assert.equal(throttleAddress("fe80::1%eth0"), "fe80:0:0:0::/64");
  assert.equal(throttleAddress(""), "unknown");
});
