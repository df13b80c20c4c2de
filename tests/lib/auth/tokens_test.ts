import assert from "node:assert/strict";
import { consumeToken, issueToken, peekToken } from "@/lib/auth/tokens.ts";

const T0 = new Date("2026-11-25T10:00:00.000Z");
const at = (ms: number) => new Date(T0.getTime() + ms);
const PAYLOAD = { userId: "user-1", email: "ann@example.com" };
const TTL = 15 * 60_000;

function issue(kv: Deno.Kv, purpose: "magic_link" | "password_reset" = "magic_link") {
  return issueToken(kv, purpose, PAYLOAD, { ttlMs: TTL, now: T0 });
}

Deno.test("[auth] a token is 32 random bytes and KV never holds it", async () => {
  using kv = await Deno.openKv(":memory:");
  const token = await issue(kv);
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(await issue(kv), token);
  for await (const entry of kv.list({ prefix: [] })) {
    assert.doesNotMatch(JSON.stringify(entry.key) + JSON.stringify(entry.value), new RegExp(token));
  }
});

Deno.test("[auth] a token works once; the second use answers used", async () => {
  using kv = await Deno.openKv(":memory:");
  const token = await issue(kv);
  assert.deepEqual(await consumeToken(kv, "magic_link", token, at(1000)), PAYLOAD);
  assert.equal(await consumeToken(kv, "magic_link", token, at(2000)), "used");
});

Deno.test("[auth] a token expires after its ttl", async () => {
  using kv = await Deno.openKv(":memory:");
  const early = await issue(kv, "password_reset");
  const late = await issue(kv, "password_reset");
  assert.deepEqual(await consumeToken(kv, "password_reset", early, at(TTL - 1)), PAYLOAD);
  assert.equal(await consumeToken(kv, "password_reset", late, at(TTL)), "expired");
});

Deno.test("[auth] an expired token stays expired and is never consumed", async () => {
  using kv = await Deno.openKv(":memory:");
  const token = await issue(kv);
  assert.equal(await consumeToken(kv, "magic_link", token, at(TTL + 1)), "expired");
  assert.equal(await consumeToken(kv, "magic_link", token, at(TTL + 2)), "expired");
});

Deno.test("[auth] a token of one purpose is unknown to another; garbage is unknown", async () => {
  using kv = await Deno.openKv(":memory:");
  const token = await issue(kv, "magic_link");
  assert.equal(await consumeToken(kv, "password_reset", token, T0), "unknown");
  assert.deepEqual(await consumeToken(kv, "magic_link", token, T0), PAYLOAD, "still unused");
  assert.equal(await consumeToken(kv, "password_reset", token, T0), "unknown");
  for (const garbage of ["", "short", `${token}x`, token.replace(/^./, "!")]) {
    assert.equal(await consumeToken(kv, "magic_link", garbage, T0), "unknown");
  }
  const unissued = crypto.getRandomValues(new Uint8Array(32))
    .toBase64({ alphabet: "base64url", omitPadding: true });
  assert.equal(await consumeToken(kv, "magic_link", unissued, T0), "unknown");
});

Deno.test("[auth] concurrent consumes of one token give exactly one success", async () => {
  using kv = await Deno.openKv(":memory:");
  const token = await issue(kv);
  const results = await Promise.all(
    Array.from({ length: 10 }, () => consumeToken(kv, "magic_link", token, at(1000))),
  );
  assert.equal(results.filter((r) => typeof r !== "string").length, 1);
  assert.deepEqual(results.filter((r) => typeof r === "string"), Array(9).fill("used"));
});

Deno.test("[auth] issuing refuses bad lifetimes and purposes", async () => {
  using kv = await Deno.openKv(":memory:");
  await assert.rejects(
    () => issueToken(kv, "magic_link", PAYLOAD, { ttlMs: 0, now: T0 }),
    RangeError,
  );
  await assert.rejects(
    // An unknown purpose (say, from untyped input) is refused at run time too.
    () => issueToken(kv, "invite" as "magic_link", PAYLOAD, { ttlMs: TTL, now: T0 }),
    /purpose must be one of magic_link, password_reset/,
  );
});

Deno.test("[auth] peekToken says whether a token works without using it up", async () => {
  using kv = await Deno.openKv(":memory:");
  const token = await issue(kv, "password_reset");
  assert.equal(await peekToken(kv, "password_reset", token, at(1000)), "valid");
  assert.equal(await peekToken(kv, "password_reset", token, at(1000)), "valid", "still");
  assert.equal(await peekToken(kv, "magic_link", token, at(1000)), "unknown", "another purpose");
  assert.equal(await peekToken(kv, "password_reset", token, at(TTL)), "expired");
  assert.equal(await peekToken(kv, "password_reset", "short", at(0)), "unknown");
  assert.deepEqual(await consumeToken(kv, "password_reset", token, at(2000)), PAYLOAD);
  assert.equal(await peekToken(kv, "password_reset", token, at(3000)), "used");
});
