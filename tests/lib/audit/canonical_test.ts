import assert from "node:assert/strict";
import {
  canonicalJson,
  entryHash,
  GENESIS_HASH,
  type HashedAuditFields,
} from "@/lib/audit/canonical.ts";

Deno.test("[audit] canonicalJson: sorted keys, no whitespace, ISO dates, undefined dropped", () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [1, "x", null], c: true }, u: undefined, at: new Date(0) }),
    '{"a":{"c":true,"d":[1,"x",null]},"at":"1970-01-01T00:00:00.000Z","b":1}',
  );
  assert.equal(canonicalJson({ z: 1, a: 2 }), canonicalJson({ a: 2, z: 1 }));
  assert.equal(canonicalJson([undefined, () => 1, NaN, Infinity, -0]), "[null,null,null,null,0]");
  assert.equal(canonicalJson(10n), '"10"');
  assert.equal(canonicalJson("é\n\"'"), JSON.stringify("é\n\"'"));
  assert.equal(canonicalJson(undefined), "null");
  assert.equal(
    canonicalJson({ nested: { deep: { z: 1, y: [{ b: 2, a: 1 }] } } }),
    '{"nested":{"deep":{"y":[{"a":1,"b":2}],"z":1}}}',
  );
  const shared = { x: 1 };
  assert.equal(
    canonicalJson({ a: shared, b: shared }),
    '{"a":{"x":1},"b":{"x":1}}',
    "a repeated object is not a cycle",
  );
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => canonicalJson(cyclic), /cycle/);
});

const base: HashedAuditFields = {
  chain: "01ORG",
  seq: 1,
  id: "01ENTRY",
  ts: "2026-11-25T10:00:00.000Z",
  actorType: "user",
  actorId: "01USER",
  actorLabel: "ops@example.com",
  action: "org.member.add",
  targetType: "user",
  targetId: "01OTHER",
  requestId: "req-1",
  ip: "203.0.113.9",
  userAgent: "Mozilla/5.0",
  summary: "added",
  details: '{"role":"ops"}',
  prevHash: GENESIS_HASH,
};

Deno.test("[audit] entryHash: hex SHA-256 that covers every field", () => {
  const hash = entryHash(base);
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(GENESIS_HASH, "0".repeat(64));
  assert.equal(entryHash({ ...base }), hash, "deterministic");
  const changes: Partial<HashedAuditFields>[] = [
    { chain: "01OTHERORG" },
    { seq: 2 },
    { id: "01ENTRY2" },
    { ts: "2026-11-25T10:00:00.001Z" },
    { actorType: "system" },
    { actorId: "01USER2" },
    { actorLabel: null },
    { action: "org.member.remove" },
    { targetType: null },
    { targetId: "01X" },
    { requestId: null },
    { ip: "203.0.113.10" },
    { userAgent: "curl" },
    { summary: "added!" },
    { details: '{"role":"admin"}' },
    { details: null },
    { prevHash: "f".repeat(64) },
  ];
  for (const change of changes) {
    assert.notEqual(entryHash({ ...base, ...change }), hash, JSON.stringify(change));
  }
  // Only the listed fields count: an extra property (say, the stored hash) changes nothing.
  assert.equal(entryHash({ ...base, hash: "x" } as HashedAuditFields), hash);
});
