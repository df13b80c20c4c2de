import assert from "node:assert/strict";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import {
  authenticateHostBearer,
  bearerToken,
  createHostKey,
  getHostKey,
  hashHostToken,
  HOST_TOKEN_PATTERN,
  keyState,
  LAST_USED_WRITE_INTERVAL_MS,
  listHostKeys,
  lookupHostToken,
  normalizeScopes,
  parseHostScope,
  parseHostToken,
  parseStoredScopes,
  revokeHostKey,
  rotateHostKey,
  tokenPrefix,
} from "@/lib/hosts/keys.ts";
import type { Host } from "@/lib/hosts/registry.ts";
import { setIngestMode } from "@/lib/hosts/registry.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { rejection, seedOrg } from "../../support/operators.ts";
import { at, seedHost, T0 } from "../../support/hosts.ts";

const SAMPLE = "vs1_Q2hhbmdlTWVOb3RBUmVhbFRva2VuMTIz";

Deno.test("[keys] token format, hash and display prefix (agent-protocol §4.1-4.2)", async () => {
  assert.deepEqual(parseHostToken(SAMPLE), { version: 1 });
  assert.deepEqual(parseHostToken(`vs9999_${"A".repeat(32)}`), { version: 9999 });
  for (
    const bad of [
      "",
      "vs0_" + "A".repeat(32),
      "vs10000_" + "A".repeat(32),
      "vs01_" + "A".repeat(32),
      "vs1_" + "A".repeat(31),
      "vs1_" + "A".repeat(33),
      "vs1_" + "A".repeat(31) + "=",
      "VS1_" + "A".repeat(32),
      ` ${SAMPLE}`,
    ]
  ) {
    assert.equal(parseHostToken(bad), null, bad);
  }
  assert.equal(
    await hashHostToken(SAMPLE),
    "6ace4a54b93878346a5f7af01d21bdba733b902f62af066d7e76d2692d1600a3",
  );
  assert.equal(tokenPrefix(SAMPLE), "vs1_Q2hhbmdlTW...");
  assert.equal(bearerToken(`Bearer ${SAMPLE}`), SAMPLE);
  assert.equal(bearerToken(`bEaReR   ${SAMPLE} `), SAMPLE);
  assert.equal(bearerToken("Bearer a b"), "a b", "malformed, not missing");
  for (const none of [null, "", "Bearer", "Bearer   ", `Basic ${SAMPLE}`, `Bearer${SAMPLE}`]) {
    assert.equal(bearerToken(none), null, String(none));
  }
});

Deno.test("[keys] scopes: canonical order, de-duplicated, defaults, fail closed", () => {
  assert.deepEqual(
    normalizeScopes(["host.history.read", "HOST.STATUS.WRITE", "host.history.read"], "api"),
    ["host.status.write", "host.history.read"],
  );
  assert.deepEqual(normalizeScopes(undefined, "api"), [
    "host.status.write",
    "host.status.read",
    "host.history.read",
  ]);
  assert.deepEqual(normalizeScopes(undefined, "enroll"), [
    "host.status.write",
    "host.status.read",
    "host.jobs.pull",
    "host.jobs.report",
  ]);
  assert.deepEqual(normalizeScopes(["host.jobs.report", "host.jobs.pull"], "enroll"), [
    "host.jobs.pull",
    "host.jobs.report",
  ]);
  assert.deepEqual(normalizeScopes([], "api"), []);
  for (
    const [scopes, code] of [[["host.admin"], "unknown_scope"], [[7], "unknown_scope"]] as const
  ) {
    assert.throws(() => normalizeScopes(scopes, "api"), { status: 400, code });
  }
  assert.throws(() => normalizeScopes(["host.jobs.pull"], "api"), {
    status: 400,
    code: "scope_not_allowed",
  });
  assert.equal(parseHostScope(" Host.Status.Read "), "host.status.read");
  assert.throws(() => parseHostScope("root"), { status: 400, code: "unknown_scope" });
  assert.deepEqual(parseStoredScopes('["host.status.read","bogus","host.status.write"]'), [
    "host.status.write",
    "host.status.read",
  ]);
  for (const damaged of [null, "", "[]", "not json", '{"a":1}', "[1,2]"]) {
    assert.deepEqual(parseStoredScopes(damaged), [], String(damaged));
  }
});

Deno.test("[keys] keyState: revoked, then expired, then grace, else active", () => {
  const none = { revokedAt: null, expiresAt: null, graceUntil: null };
  assert.equal(keyState(none, T0), "active");
  assert.equal(keyState({ ...none, expiresAt: T0 }, T0), "expired");
  assert.equal(keyState({ ...none, expiresAt: at(1) }, T0), "active");
  assert.equal(keyState({ ...none, revokedAt: T0, expiresAt: T0 }, T0), "revoked");
  assert.equal(keyState({ ...none, graceUntil: at(60), revokedAt: at(60) }, T0), "grace");
  assert.equal(keyState({ ...none, graceUntil: at(60), revokedAt: at(60) }, at(60)), "revoked");
});

async function setup(ledger: Ledger) {
  const org = await seedOrg(ledger, "acme");
  const host = await seedHost(ledger, org, "web-1");
  const other = await seedHost(ledger, org, "web-2");
  return { org, host, other };
}

/** Authenticates `token` for `host` at `now` with `host.status.write`. */
function auth(
  ledger: Ledger,
  host: Pick<Host, "id">,
  token: string | null,
  now: Date,
  requiredScope: Parameters<typeof authenticateHostBearer>[1]["requiredScope"] =
    "host.status.write",
) {
  return authenticateHostBearer(ledger, {
    hostId: host.id,
    authorization: token === null ? null : `Bearer ${token}`,
    requiredScope,
    now,
    ip: "203.0.113.7",
  });
}

forEachLedger("[keys] createHostKey stores only the hash; versions count up", async (ledger) => {
  const { org, host, other } = await setup(ledger);
  const first = await createHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    label: " agent ",
    now: T0,
  });
  assert.match(first.token, HOST_TOKEN_PATTERN);
  assert.match(first.token, /^vs1_/);
  assert.deepEqual(first.key, {
    id: first.key.id,
    orgId: org.id,
    hostId: host.id,
    kind: "api",
    prefix: `${first.token.slice(0, 14)}...`,
    version: 1,
    label: "agent",
    scopes: ["host.status.write", "host.status.read", "host.history.read"],
    createdAt: T0,
    expiresAt: null,
    graceUntil: null,
    revokedAt: null,
    revokedReason: null,
    rotatedFromKeyId: null,
    lastUsedAt: null,
    lastUsedIp: null,
  });
  const row = await ledger.db.selectFrom("host_keys").selectAll()
    .where("id", "=", first.key.id).executeTakeFirstOrThrow();
  assert.equal(row.token_hash, await hashHostToken(first.token));
  assert.ok(!JSON.stringify(row).includes(first.token.slice(4)), "no plaintext stored");

  const second = await createHostKey(ledger, { orgId: org.id, hostId: host.id, now: T0 });
  assert.equal(second.key.version, 2);
  assert.match(second.token, /^vs2_/);
  const enroll = await createHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    kind: "enroll",
    now: T0,
  });
  assert.deepEqual([enroll.key.kind, enroll.key.version], ["enroll", 3]);
  assert.deepEqual(enroll.key.expiresAt, at(86_400), "enrollment tokens expire in 24 h");
  assert.equal(
    (await createHostKey(ledger, { orgId: org.id, hostId: other.id, now: T0 }))
      .key.version,
    1,
    "versions are per host",
  );

  await ledger.db.updateTable("host_keys").set({ version: 9999 })
    .where("id", "=", second.key.id).execute();
  const clamped = await createHostKey(ledger, { orgId: org.id, hostId: host.id, now: T0 });
  assert.equal(clamped.key.version, 9999);
  assert.match(clamped.token, /^vs9999_/);

  const listed = await listHostKeys(ledger, org.id, host.id);
  assert.deepEqual(listed.map((k) => k.version), [9999, 3, 9999, 1]);
  assert.ok(listed.every((k) => !("tokenHash" in k) && !("token_hash" in k)));
  assert.deepEqual(await getHostKey(ledger, org.id, host.id, first.key.id), first.key);

  for (
    const [input, status, code] of [
      [{ scopes: ["host.jobs.pull"] }, 400, "scope_not_allowed"],
      [{ scopes: ["nope"] }, 400, "unknown_scope"],
      [{ expiresAt: T0 }, 400, "invalid_input"],
      [{ label: "x".repeat(81) }, 400, "invalid_input"],
    ] as const
  ) {
    const refused = await rejection(
      createHostKey(ledger, { orgId: org.id, hostId: host.id, now: T0, ...input }),
    );
    assert.deepEqual([refused.status, refused.code], [status, code], JSON.stringify(input));
  }
});

forEachLedger("[keys] organization scoping: another org's host or key is 404", async (ledger) => {
  const { org, host } = await setup(ledger);
  const intruder = await seedOrg(ledger, "intruder");
  const { key } = await createHostKey(ledger, { orgId: org.id, hostId: host.id, now: T0 });
  for (
    const attempt of [
      () => createHostKey(ledger, { orgId: intruder.id, hostId: host.id, now: T0 }),
      () => listHostKeys(ledger, intruder.id, host.id),
      () => rotateHostKey(ledger, { orgId: intruder.id, hostId: host.id, now: T0 }),
    ]
  ) {
    const denied = await rejection(attempt());
    assert.deepEqual([denied.status, denied.code], [404, "host_not_found"]);
  }
  const revoke = await rejection(
    revokeHostKey(ledger, { orgId: intruder.id, hostId: host.id, keyId: key.id, now: T0 }),
  );
  assert.deepEqual([revoke.status, revoke.code], [404, "key_not_found"]);
  assert.equal(await getHostKey(ledger, intruder.id, host.id, key.id), null);
  assert.equal(keyState((await getHostKey(ledger, org.id, host.id, key.id))!, T0), "active");
});

forEachLedger("[keys] bearer authentication refuses with the codes of §1.10", async (ledger) => {
  const { org, host, other } = await setup(ledger);
  const { key, token } = await createHostKey(ledger, { orgId: org.id, hostId: host.id, now: T0 });
  const ok = await auth(ledger, host, token, T0);
  assert.deepEqual([ok.host.id, ok.key.id, ok.state, ok.deprecatedUntil], [
    host.id,
    key.id,
    "active",
    undefined,
  ]);

  const refusedWith = async (promise: Promise<unknown>, status: number, code: string) => {
    const e = await rejection(promise);
    assert.deepEqual([e.status, e.code], [status, code]);
  };
  await refusedWith(auth(ledger, host, null, T0), 401, "missing_token");
  await refusedWith(
    authenticateHostBearer(ledger, {
      hostId: host.id,
      authorization: `Basic ${token}`,
      requiredScope: null,
      now: T0,
      ip: "x",
    }),
    401,
    "missing_token",
  );
  await refusedWith(auth(ledger, host, SAMPLE, T0), 401, "invalid_token"); // well-formed, unknown
  await refusedWith(auth(ledger, other, token, T0), 401, "invalid_token"); // another host's key
  await refusedWith(auth(ledger, { id: "h_nosuchhost" }, token, T0), 401, "invalid_token");
  await refusedWith(auth(ledger, { id: "bad host id!" }, token, T0), 401, "invalid_token");

  // A malformed token is refused before any lookup: a ledger that throws on use proves it.
  const noLookups = {
    get db(): Ledger["db"] {
      throw new Error("the ledger was queried");
    },
  };
  for (const malformed of ["vs1_short", `${token}x`, "Bearer", "vs1_" + "!".repeat(32)]) {
    await refusedWith(
      authenticateHostBearer(noLookups, {
        hostId: host.id,
        authorization: `Bearer ${malformed}`,
        requiredScope: "host.status.write",
        now: T0,
        ip: "x",
      }),
      401,
      "invalid_token",
    );
  }

  const readOnly = await createHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    scopes: ["host.status.read"],
    now: T0,
  });
  await refusedWith(auth(ledger, host, readOnly.token, T0), 403, "insufficient_scope");
  assert.equal((await auth(ledger, host, readOnly.token, T0, "host.status.read")).state, "active");
  assert.equal((await auth(ledger, host, readOnly.token, T0, null)).state, "active");

  const expiring = await createHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    expiresAt: at(3600),
    now: T0,
  });
  assert.equal((await auth(ledger, host, expiring.token, at(3599))).state, "active");
  await refusedWith(auth(ledger, host, expiring.token, at(3600)), 401, "key_expired");

  const enroll = await createHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    kind: "enroll",
    now: T0,
  });
  await refusedWith(auth(ledger, host, enroll.token, T0, null), 401, "invalid_token");
  assert.equal((await lookupHostToken(ledger, enroll.token))?.kind, "enroll", "enroll finds it");

  await setIngestMode(ledger, org.id, host.id, "signed");
  const statusPost = authenticateHostBearer(ledger, {
    hostId: host.id,
    authorization: `Bearer ${token}`,
    requiredScope: "host.status.write",
    now: T0,
    ip: "203.0.113.7",
    statusPost: true,
  });
  await refusedWith(statusPost, 401, "signed_ingest_required");
  // Only the status post is refused: the key still holds (and verifies) its write scope.
  assert.equal((await auth(ledger, host, token, T0)).state, "active");
  assert.equal((await auth(ledger, host, token, T0, "host.status.read")).state, "active");
  await setIngestMode(ledger, org.id, host.id, "bearer");

  await revokeHostKey(ledger, { orgId: org.id, hostId: host.id, keyId: key.id, now: at(10) });
  await refusedWith(auth(ledger, host, token, at(10)), 401, "key_revoked");
  const revoked = await rejection(auth(ledger, host, token, at(10)));
  assert.match(revoked.message, /create a new key/);
});

forEachLedger("[keys] rotate without grace: the old key stops at once", async (ledger) => {
  const { org, host } = await setup(ledger);
  const none = await rejection(rotateHostKey(ledger, { orgId: org.id, hostId: host.id, now: T0 }));
  assert.deepEqual([none.status, none.code], [409, "no_source_key"]);
  const old = await createHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    label: "agent",
    scopes: ["host.status.write"],
    now: T0,
  });
  const rotated = await rotateHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    reason: "leaked",
    now: at(60),
  });
  assert.deepEqual(
    [rotated.key.version, rotated.key.rotatedFromKeyId, rotated.key.label, rotated.key.scopes],
    [2, old.key.id, "agent", ["host.status.write"]],
    "scopes and label default to the source's",
  );
  assert.equal(rotated.source.id, old.key.id);
  assert.deepEqual(rotated.source.revokedAt, at(60));
  assert.equal(rotated.source.revokedReason, `rotated_to:${rotated.key.prefix};leaked`);
  assert.deepEqual(await getHostKey(ledger, org.id, host.id, old.key.id), rotated.source);
  assert.equal((await rejection(auth(ledger, host, old.token, at(60)))).code, "key_revoked");
  assert.equal((await auth(ledger, host, rotated.token, at(60))).state, "active");

  const again = await rejection(rotateHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    sourceKeyId: old.key.id,
    now: at(61),
  }));
  assert.deepEqual([again.status, again.code], [409, "no_source_key"], "a revoked source");
});

forEachLedger("[keys] rotate with grace: both keys work until graceUntil", async (ledger) => {
  const { org, host, other } = await setup(ledger);
  const old = await createHostKey(ledger, { orgId: org.id, hostId: host.id, now: T0 });
  const rotated = await rotateHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    graceSeconds: 3600,
    now: at(100),
  });
  assert.deepEqual(rotated.source.graceUntil, at(3700));
  assert.equal(rotated.source.revokedReason, `rotated_to:${rotated.key.prefix}`);

  const during = await auth(ledger, host, old.token, at(3699));
  assert.deepEqual([during.state, during.deprecatedUntil], ["grace", at(3700).toISOString()]);
  const fresh = await auth(ledger, host, rotated.token, at(3699));
  assert.deepEqual([fresh.state, fresh.deprecatedUntil], ["active", undefined]);
  assert.equal((await rejection(auth(ledger, host, old.token, at(3700)))).code, "key_revoked");

  // The default source is the newest *active* key: the one in grace is skipped.
  const third = await rotateHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    graceSeconds: 60,
    now: at(200),
  });
  assert.equal(third.source.id, rotated.key.id);
  // Rotating a key already in grace never extends its grace.
  const fourth = await rotateHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    sourceKeyId: rotated.key.id,
    graceSeconds: 604_800,
    now: at(210),
  });
  assert.deepEqual(fourth.source.graceUntil, at(260));

  const stale = await rejection(
    rotateHostKey(ledger, {
      orgId: org.id,
      hostId: host.id,
      sourceKeyId: old.key.id,
      now: at(3700),
    }),
  );
  assert.deepEqual([stale.status, stale.code], [409, "no_source_key"]);
  const otherKey = await createHostKey(ledger, { orgId: org.id, hostId: other.id, now: T0 });
  const foreign = await rejection(
    rotateHostKey(ledger, {
      orgId: org.id,
      hostId: host.id,
      sourceKeyId: otherKey.key.id,
      now: at(300),
    }),
  );
  assert.deepEqual([foreign.status, foreign.code], [404, "key_not_found"]);
  for (const graceSeconds of [-1, 604_801, 1.5]) {
    const bad = await rejection(
      rotateHostKey(ledger, { orgId: org.id, hostId: host.id, graceSeconds, now: at(300) }),
    );
    assert.deepEqual([bad.status, bad.code], [400, "invalid_input"], String(graceSeconds));
  }
});

forEachLedger("[keys] revoke is immediate, idempotent and cancels grace", async (ledger) => {
  const { org, host } = await setup(ledger);
  const old = await createHostKey(ledger, { orgId: org.id, hostId: host.id, now: T0 });
  const rotated = await rotateHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    graceSeconds: 3600,
    now: T0,
  });
  assert.equal((await auth(ledger, host, old.token, at(10))).state, "grace");
  const first = await revokeHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    keyId: old.key.id,
    now: at(10),
  });
  assert.equal(first.alreadyRevoked, false);
  assert.deepEqual([first.key.revokedAt, first.key.graceUntil], [at(10), at(10)]);
  assert.equal(first.key.revokedReason, `rotated_to:${rotated.key.prefix}`, "reason kept");
  assert.equal((await rejection(auth(ledger, host, old.token, at(10)))).code, "key_revoked");

  const second = await revokeHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    keyId: old.key.id,
    reason: "again",
    now: at(20),
  });
  assert.equal(second.alreadyRevoked, true);
  assert.deepEqual(second.key, first.key, "a repeat changes nothing");

  const withReason = await revokeHostKey(ledger, {
    orgId: org.id,
    hostId: host.id,
    keyId: rotated.key.id,
    reason: "host decommissioned",
    now: at(30),
  });
  assert.equal(withReason.key.revokedReason, "host decommissioned");
  const concurrent = await Promise.all(
    Array.from(
      { length: 4 },
      () =>
        revokeHostKey(ledger, {
          orgId: org.id,
          hostId: host.id,
          keyId: rotated.key.id,
          now: at(40),
        }),
    ),
  );
  assert.ok(concurrent.every((r) => r.alreadyRevoked));
  const missing = await rejection(
    revokeHostKey(ledger, { orgId: org.id, hostId: host.id, keyId: "nope", now: T0 }),
  );
  assert.deepEqual([missing.status, missing.code], [404, "key_not_found"]);
});

forEachLedger("[keys] last use is written at most once a minute per key", async (ledger) => {
  const { org, host } = await setup(ledger);
  const { key, token } = await createHostKey(ledger, { orgId: org.id, hostId: host.id, now: T0 });
  const lastUsed = async () => {
    const k = await getHostKey(ledger, org.id, host.id, key.id);
    return [k?.lastUsedAt?.toISOString() ?? null, k?.lastUsedIp ?? null];
  };
  const first = await auth(ledger, host, token, at(0));
  assert.equal(first.touched, true);
  assert.deepEqual(first.key.lastUsedAt, at(0));
  assert.deepEqual(await lastUsed(), [at(0).toISOString(), "203.0.113.7"]);
  const within = LAST_USED_WRITE_INTERVAL_MS / 1000 - 1;
  assert.equal((await auth(ledger, host, token, at(within))).touched, false);
  assert.deepEqual(await lastUsed(), [at(0).toISOString(), "203.0.113.7"]);
  assert.equal((await auth(ledger, host, token, at(within + 1))).touched, true);
  assert.deepEqual(await lastUsed(), [at(within + 1).toISOString(), "203.0.113.7"]);

  const base = { hostId: host.id, authorization: `Bearer ${token}`, requiredScope: null };
  const forced = await authenticateHostBearer(ledger, {
    ...base,
    now: at(70),
    ip: "198.51.100.1",
    touch: "always",
  });
  assert.equal(forced.touched, true);
  const never = await authenticateHostBearer(ledger, {
    ...base,
    now: at(500),
    ip: "198.51.100.2",
    touch: "never",
  });
  assert.equal(never.touched, false);
  assert.deepEqual(await lastUsed(), [at(70).toISOString(), "198.51.100.1"]);

  // Concurrent requests after the interval: one write wins, the rest see it done.
  const burst = await Promise.all(
    Array.from({ length: 8 }, () => auth(ledger, host, token, at(200))),
  );
  assert.equal(burst.filter((r) => r.touched).length, 1);
  assert.deepEqual((await lastUsed())[0], at(200).toISOString());
});
