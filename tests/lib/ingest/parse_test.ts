import assert from "node:assert/strict";
import { HttpError } from "@/lib/fresh/errors.ts";
import { parseStatusPush } from "@/lib/ingest/parse.ts";
import { checkJsonLimits, formatPath, scanNestingDepth } from "@/lib/ingest/json_guard.ts";
import { normalizeTimestamp } from "@/lib/ingest/timestamp.ts";
import {
  fixtureBytes,
  fixtureNames,
  NON_STATUS_FIXTURES,
  STATUS_FIXTURES,
} from "../../support/agent_fixtures.ts";

const enc = new TextEncoder();
const HOST = { id: "01HOSTID", name: "web-1", slug: "web-1" };
const NOW = new Date("2026-11-25T17:00:00.000Z");

function parse(
  body: string | Uint8Array,
  extra: Partial<Parameters<typeof parseStatusPush>[1]> = {},
) {
  const bytes = typeof body === "string" ? enc.encode(body) : body;
  return parseStatusPush(bytes, { receivedAt: NOW, host: HOST, ...extra });
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The error a body is refused with; fails the test on success or on a non-HttpError. */
async function refusal(body: string | Uint8Array): Promise<HttpError> {
  try {
    await parse(body);
  } catch (e) {
    assert.ok(e instanceof HttpError, `expected an HttpError, got ${e}`);
    return e;
  }
  assert.fail("expected a refusal");
}

Deno.test("[ingest] every agent fixture parses with the README's counts", async () => {
  const names = fixtureNames();
  assert.deepEqual(
    names,
    [...Object.keys(STATUS_FIXTURES), ...NON_STATUS_FIXTURES].sort(),
    "a new fixture needs a row in tests/support/agent_fixtures.ts",
  );
  for (const [name, want] of Object.entries(STATUS_FIXTURES)) {
    const bytes = fixtureBytes(name);
    const host = { id: "01X", name: want.host, slug: "x" };
    const p = await parseStatusPush(bytes, { receivedAt: new Date(want.ts), host });
    assert.deepEqual(p.counts, want.counts, name);
    assert.equal(p.ts, want.ts, name);
    assert.deepEqual(p.warnings, [], name);
    assert.equal(p.payloadHash, await sha256Hex(bytes), name);
    assert.match(p.payloadHash, /^[0-9a-f]{64}$/);
    assert.equal(p.payloadBytes, bytes.byteLength);
    assert.equal(p.reportedHost, want.host);
    assert.equal(p.agentVersion, "1.0.0");
  }
  for (const name of NON_STATUS_FIXTURES) {
    // Valid JSON objects are accepted whatever they hold: §1.11, "any JSON object is accepted".
    const p = await parse(fixtureBytes(name));
    assert.equal(p.counts.alertsCount, 0);
    assert.deepEqual(p.warnings, ["ingest_ts_invalid_or_missing"]);
  }
});

Deno.test("[ingest] the envelope: base = status, last/diff/ok kept; bare status has none", async () => {
  const env = await parse(fixtureBytes("envelope-real.json"));
  const raw = JSON.parse(new TextDecoder().decode(fixtureBytes("envelope-real.json")));
  assert.deepEqual(env.base, raw.status);
  assert.deepEqual(env.last, raw.last);
  assert.deepEqual(env.diff, raw.diff);
  assert.equal(env.okFlag, true);
  const bare = await parse(fixtureBytes("status-real-debian.json"));
  assert.equal(bare.last, null);
  assert.equal(bare.diff, null);
  assert.equal(bare.okFlag, true);
  const notOk = await parse(JSON.stringify({ status: { host: "web-1" }, ok: false, last: 5 }));
  assert.equal(notOk.okFlag, false);
  assert.equal(notOk.last, null);
  // `status` that is not an object: the body itself is the base.
  const odd = await parse(JSON.stringify({ status: "up", host: "web-1" }));
  assert.equal(odd.base.status, "up");
});

Deno.test("[ingest] base keeps unknown members as they arrived and drops `_` members", async () => {
  const body = {
    host: "web-1",
    _internal: { x: 1 },
    _: 1,
    extra: { nested: [1, "two", null, { deep: true }] },
    ts: "",
    vitals: null,
    weird_number: 1.5e300,
  };
  const p = await parse(JSON.stringify(body));
  const { _internal: _a, _: _b, ...rest } = body;
  assert.deepEqual(p.base, rest);
  assert.equal(Object.getPrototypeOf(p.base), Object.prototype);
  const env = await parse(JSON.stringify({ status: { _secret: 1, host: "web-1" }, _meta: 2 }));
  assert.deepEqual(env.base, { host: "web-1" });
});

Deno.test("[ingest] ts: agent forms normalized; missing or bad → receive time + warning", async () => {
  const cases: Array<[unknown, string | null]> = [
    ["2026-11-25T16:56:15.675201+00:00", "2026-11-25T16:56:15.675Z"],
    ["2026-11-25T16:56:15+00:00", "2026-11-25T16:56:15.000Z"],
    ["2026-11-25T16:56:15Z", "2026-11-25T16:56:15.000Z"],
    ["2026-11-25T16:56:15.4Z", "2026-11-25T16:56:15.400Z"],
    ["2026-11-25T18:56:15.675201+02:00", "2026-11-25T16:56:15.675Z"],
    ["2026-11-25T16:26:15-00:30", "2026-11-25T16:56:15.000Z"],
    ["2026-11-25t16:56:15z", "2026-11-25T16:56:15.000Z"],
    ["", null],
    ["2026-11-25T16:56:15", null],
    ["2026-02-30T00:00:00Z", null],
    ["2026-13-01T00:00:00Z", null],
    ["2026-11-25T24:00:00Z", null],
    ["2026-11-25T16:56:15+24:00", null],
    ["yesterday", null],
    [1764089775, null],
    [null, null],
    [{ iso: "2026-11-25T16:56:15Z" }, null],
  ];
  for (const [ts, want] of cases) {
    const p = await parse(JSON.stringify({ host: "web-1", ts }));
    if (want === null) {
      assert.equal(p.ts, NOW.toISOString(), String(ts));
      assert.deepEqual(p.warnings, ["ingest_ts_invalid_or_missing"], String(ts));
    } else {
      assert.equal(p.ts, want, String(ts));
      assert.deepEqual(p.warnings, [], String(ts));
    }
  }
  const missing = await parse(JSON.stringify({ host: "web-1" }));
  assert.deepEqual(missing.warnings, ["ingest_ts_invalid_or_missing"]);
  assert.equal(missing.receivedAt, NOW.toISOString());
  // Envelope: `base.ts ?? body.ts`.
  const outer = await parse(
    JSON.stringify({ status: { host: "web-1" }, ts: "2026-11-25T16:59:00Z" }),
  );
  assert.equal(outer.ts, "2026-11-25T16:59:00.000Z");
  assert.equal(normalizeTimestamp("0050-01-01T00:00:00Z"), "0050-01-01T00:00:00.000Z");
  assert.equal(normalizeTimestamp("2026-06-30T23:59:60Z"), "2026-06-30T23:59:59.999Z");
});

Deno.test("[ingest] clock skew over 30 min is a warning, never a refusal", async () => {
  const at = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString();
  const skew = async (minutes: number) =>
    (await parse(JSON.stringify({ host: "web-1", ts: at(minutes) }))).warnings;
  assert.deepEqual(await skew(-30), []);
  assert.deepEqual(await skew(30), []);
  assert.deepEqual(await skew(-31), ["ingest_clock_skew_high:31m"]);
  assert.deepEqual(await skew(45), ["ingest_clock_skew_high:45m"]);
  assert.deepEqual(await skew(-60 * 24 * 3), ["ingest_clock_skew_high:4320m"]);
  const p = await parse(JSON.stringify({ host: "web-1", ts: at(-90) }));
  assert.equal(p.ts, at(-90), "the payload ts is kept even when skewed");
});

Deno.test("[ingest] counts follow §1.10 steps 6–7 exactly", async () => {
  const counts = async (body: Record<string, unknown>) => {
    const p = await parse(JSON.stringify({ host: "web-1", ts: NOW.toISOString(), ...body }));
    return { counts: p.counts, warnings: p.warnings };
  };
  assert.deepEqual(await counts({}), {
    counts: {
      alertsCount: 0,
      publicPortsTotalCount: 0,
      publicPortsCount: 0,
      unexpectedPublicPortsCount: null,
      expectedPublicPorts: null,
    },
    warnings: [],
  });
  const mismatch = await counts({ alerts: [{}, {}, {}], alerts_count: 2 });
  assert.equal(mismatch.counts.alertsCount, 2, "alerts_count wins when it is a number");
  assert.deepEqual(mismatch.warnings, ["ingest_alerts_count_mismatch"]);
  assert.equal((await counts({ alerts: [{}], alerts_count: null })).counts.alertsCount, 1);
  assert.deepEqual((await counts({ alerts_count: 7 })).warnings, [], "no list, no mismatch");
  const ports = await counts({
    ports_public: [{}, {}, {}],
    ports_public_unexpected: [{}],
    expected_public_ports: ["tcp:22", 5, null, "udp:68"],
  });
  assert.deepEqual(ports.counts, {
    alertsCount: 0,
    publicPortsTotalCount: 3,
    publicPortsCount: 1,
    unexpectedPublicPortsCount: 1,
    expectedPublicPorts: ["tcp:22", "udp:68"],
  });
  const declared = await counts({
    ports_public: [{}],
    public_ports_count: 60,
    unexpected_public_ports_count: 0,
    ports_public_unexpected: [{}],
    expected_public_ports: [],
  });
  assert.equal(declared.counts.publicPortsTotalCount, 60, "counted before the 50-item cap");
  assert.equal(declared.counts.publicPortsCount, 0, "a known 0 is not unknown");
  assert.equal(declared.counts.expectedPublicPorts, null);
  const nulls = await counts({ public_ports_count: null, unexpected_public_ports_count: null });
  assert.equal(nulls.counts.publicPortsCount, 0);
  assert.equal(nulls.counts.unexpectedPublicPortsCount, null);
});

Deno.test("[ingest] host mismatch and disabled host are warnings", async () => {
  const warn = async (host: unknown, extra = {}) =>
    (await parse(JSON.stringify({ host, ts: NOW.toISOString() }), extra)).warnings;
  assert.deepEqual(await warn("web-1"), []);
  assert.deepEqual(await warn("WEB-1"), [], "hostnames are case-insensitive");
  assert.deepEqual(await warn("01HOSTID"), [], "the host id matches");
  assert.deepEqual(
    await warn("web-2", { host: { id: "h", name: "Web One", slug: "web-2" } }),
    [],
    "the slug matches",
  );
  assert.deepEqual(await warn("db-9"), ["ingest_host_mismatch:db-9"]);
  assert.deepEqual(await warn("a\u0000b"), ["ingest_host_mismatch:a?b"]);
  assert.deepEqual(await warn(undefined), [], "no reported host, nothing to compare");
  assert.deepEqual(await warn("web-1", { host: { ...HOST, disabled: true } }), [
    "ingest_host_disabled",
  ]);
  const p = await parse(JSON.stringify({ host: "db-9" }), { host: { ...HOST, disabled: true } });
  assert.deepEqual(p.warnings, [
    "ingest_ts_invalid_or_missing",
    "ingest_host_mismatch:db-9",
    "ingest_host_disabled",
  ]);
});

Deno.test("[ingest] size limits: exactly maxBytes is accepted, one more byte is 413", async () => {
  // Padded with JSON whitespace: the limit is on bytes, not on what they mean.
  const at = (size: number) => {
    const head = '{"host":"web-1"';
    return head + " ".repeat(size - head.length - 1) + "}";
  };
  const ok = await parse(at(1_000_000));
  assert.equal(ok.payloadBytes, 1_000_000);
  const e = await refusal(at(1_000_001));
  assert.equal(e.status, 413);
  assert.equal(e.code, "payload_too_large");
  await assert.rejects(() => parse(at(101), { maxBytes: 100 }), { status: 413 });
});

Deno.test("[ingest] structural limits are enforced at their boundaries", async () => {
  const nest = (n: number) => '{"x":' + "[".repeat(n - 1) + "]".repeat(n - 1) + "}";
  await parse(nest(64));
  const deep = await refusal(nest(65));
  assert.equal(deep.code, "invalid_payload");
  assert.match(deep.message, /^x(\[0\]){63}: expected nesting of at most 64 levels$/);
  await parse(JSON.stringify({ alerts: Array.from({ length: 10_000 }, () => ({})) }));
  await parse(JSON.stringify({ s: "a".repeat(256 * 1024) }));
  assert.equal(
    (await refusal(JSON.stringify({ s: "a".repeat(256 * 1024 + 1) }))).code,
    "invalid_payload",
  );
  assert.deepEqual(checkJsonLimits({ a: [1, { b: "x" }] }), null);
  assert.equal(
    formatPath(["self_integrity", "/usr/local/bin/vps-sentry"]),
    'self_integrity["/usr/local/bin/vps-sentry"]',
  );
  assert.equal(formatPath([]), "(body)");
});

Deno.test("[ingest] the text depth scan and the value walk agree on the path", () => {
  const deep = (inner: string, n: number) => "[".repeat(n) + inner + "]".repeat(n);
  const bodies = [
    `{"a":{"b\\"c":[1,{"d":${deep("0", 70)}}]}}`,
    `{"s":"[[[{{{\\"]]]","t":[0,1,${deep("", 80)}]}`,
    `{"x":[${"[],".repeat(5)}${deep("", 64)}]}`,
    `{"ok":${deep("", 63)}}`,
    `{"k":"${"[".repeat(100)}"}`,
  ];
  for (const text of bodies) {
    const walked = checkJsonLimits(JSON.parse(text));
    const scanned = scanNestingDepth(text, 64);
    assert.equal(scanned, walked?.path ?? null, text.slice(0, 40));
  }
  assert.equal(scanNestingDepth('{"a":[[1]]}', 2), "a[0]");
});

Deno.test("[ingest] parsing a __proto__ body pollutes nothing", async () => {
  await refusal('{"__proto__":{"polluted":true},"alerts":[{"__proto__":{"polluted":true}}]}');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
});

const invalidUtf8 = (bytes: number[]) =>
  new Uint8Array([...enc.encode('{"host":"'), ...bytes, ...enc.encode('"}')]);
const deepArrays = (n: number) => '{"x":' + "[".repeat(n) + "]".repeat(n) + "}";
const deepObjects = (n: number) => '{"a":'.repeat(n) + "1" + "}".repeat(n);
const big = (n: number, item: unknown) => Array.from({ length: n }, () => item);

/** [name, body, status, code, path of the first issue (invalid_payload only)] */
const HOSTILE: Array<[string, string | Uint8Array, number, string, string?]> = [
  ["empty body", "", 400, "empty_body"],
  ["1,000,001 bytes", `{"p":"${"x".repeat(1_000_001 - 8)}"}`, 413, "payload_too_large"],
  ["invalid UTF-8 byte 0xff", invalidUtf8([0xff]), 400, "invalid_json"],
  ["overlong UTF-8 encoding", invalidUtf8([0xc0, 0xaf]), 400, "invalid_json"],
  ["UTF-8 encoded surrogate", invalidUtf8([0xed, 0xa0, 0x80]), 400, "invalid_json"],
  ["truncated UTF-8 sequence", invalidUtf8([0xe2, 0x82]), 400, "invalid_json"],
  ["Latin-1 text", invalidUtf8([0xe9, 0x74, 0xe9]), 400, "invalid_json"],
  ["not JSON", "hello", 400, "invalid_json"],
  ["whitespace only", "   \n", 400, "invalid_json"],
  ["truncated JSON", '{"host":', 400, "invalid_json"],
  ["trailing comma", '{"host":"a",}', 400, "invalid_json"],
  ["NaN literal", '{"alerts_count":NaN}', 400, "invalid_json"],
  ["single quotes", "{'host':'a'}", 400, "invalid_json"],
  ["two documents", '{"a":1}{"b":2}', 400, "invalid_json"],
  ["[]", "[]", 400, "not_an_object"],
  ['"x"', '"x"', 400, "not_an_object"],
  ["null", "null", 400, "not_an_object"],
  ["42", "42", 400, "not_an_object"],
  ["true", "true", 400, "not_an_object"],
  ["array of statuses", '[{"host":"a"}]', 400, "not_an_object"],
  ["host number", '{"host":42}', 400, "invalid_payload", "host"],
  ["host null", '{"host":null}', 400, "invalid_payload", "host"],
  ["version array", '{"version":[]}', 400, "invalid_payload", "version"],
  ["alerts object", '{"alerts":{}}', 400, "invalid_payload", "alerts"],
  ["alerts string", '{"alerts":"x"}', 400, "invalid_payload", "alerts"],
  ["alert number", '{"alerts":[1]}', 400, "invalid_payload", "alerts[0]"],
  ["alert null", '{"alerts":[{},null]}', 400, "invalid_payload", "alerts[1]"],
  ["alert array", '{"alerts":[[]]}', 400, "invalid_payload", "alerts[0]"],
  [
    "alert severity number",
    '{"alerts":[{},{},{},{"severity":1}]}',
    400,
    "invalid_payload",
    "alerts[3].severity",
  ],
  ["alert title object", '{"alerts":[{"title":{}}]}', 400, "invalid_payload", "alerts[0].title"],
  ["alert code boolean", '{"alerts":[{"code":true}]}', 400, "invalid_payload", "alerts[0].code"],
  ["alert detail array", '{"alerts":[{"detail":[]}]}', 400, "invalid_payload", "alerts[0].detail"],
  ["alerts_count string", '{"alerts_count":"1"}', 400, "invalid_payload", "alerts_count"],
  [
    "public_ports_count bool",
    '{"public_ports_count":true}',
    400,
    "invalid_payload",
    "public_ports_count",
  ],
  [
    "unexpected count object",
    '{"unexpected_public_ports_count":{}}',
    400,
    "invalid_payload",
    "unexpected_public_ports_count",
  ],
  ["ports_public object", '{"ports_public":{}}', 400, "invalid_payload", "ports_public"],
  ["ports_local string", '{"ports_local":"x"}', 400, "invalid_payload", "ports_local"],
  [
    "ports_public_unexpected number",
    '{"ports_public_unexpected":5}',
    400,
    "invalid_payload",
    "ports_public_unexpected",
  ],
  [
    "expected_public_ports string",
    '{"expected_public_ports":"udp:68"}',
    400,
    "invalid_payload",
    "expected_public_ports",
  ],
  ["auth array", '{"auth":[]}', 400, "invalid_payload", "auth"],
  ["threat string", '{"threat":"none"}', 400, "invalid_payload", "threat"],
  ["vitals number", '{"vitals":5}', 400, "invalid_payload", "vitals"],
  [
    "project_storage boolean",
    '{"project_storage":true}',
    400,
    "invalid_payload",
    "project_storage",
  ],
  ["garbage_estimate array", '{"garbage_estimate":[]}', 400, "invalid_payload", "garbage_estimate"],
  ["envelope ok string", '{"status":{},"ok":"yes"}', 400, "invalid_payload", "ok"],
  [
    "envelope status.alerts object",
    '{"status":{"alerts":{}}}',
    400,
    "invalid_payload",
    "status.alerts",
  ],
  [
    "non-object status, bad body alerts",
    '{"status":[],"alerts":5}',
    400,
    "invalid_payload",
    "alerts",
  ],
  ["10,001 alerts", JSON.stringify({ alerts: big(10_001, {}) }), 400, "invalid_payload", "alerts"],
  [
    "10,001 numbers in vitals",
    JSON.stringify({ vitals: { top: big(10_001, 0) } }),
    400,
    "invalid_payload",
    "vitals.top",
  ],
  ["100,000 nulls", JSON.stringify({ x: big(100_000, null) }), 400, "invalid_payload", "x"],
  ["10,000 nested arrays", deepArrays(10_000), 400, "invalid_payload"],
  ["10,000 nested objects", deepObjects(10_000), 400, "invalid_payload"],
  ["400,000 nested arrays (1 MB)", deepArrays(400_000), 400, "invalid_payload"],
  ["deep top-level array", "[".repeat(5_000) + "]".repeat(5_000), 400, "not_an_object"],
  [
    "deep and unterminated",
    '{"x":' + "[".repeat(5_000),
    400,
    "invalid_payload",
    "x" + "[0]".repeat(63),
  ],
  ["__proto__ at the top", '{"__proto__":{"polluted":true}}', 400, "invalid_payload", "__proto__"],
  [
    "__proto__ in an alert",
    '{"alerts":[{"__proto__":{"x":1}}]}',
    400,
    "invalid_payload",
    "alerts[0].__proto__",
  ],
  [
    "constructor key",
    '{"constructor":{"prototype":{"x":1}}}',
    400,
    "invalid_payload",
    "constructor",
  ],
  [
    "prototype deep in last",
    '{"status":{},"last":{"a":[{"prototype":1}]}}',
    400,
    "invalid_payload",
    "last.a[0].prototype",
  ],
  [
    "__proto__ inside a _reserved member",
    '{"_x":{"__proto__":{}}}',
    400,
    "invalid_payload",
    "_x.__proto__",
  ],
  [
    "string over 256 KiB",
    JSON.stringify({ detail: "x".repeat(262_145) }),
    400,
    "invalid_payload",
    "detail",
  ],
  ["key over 256 KiB", JSON.stringify({ ["k".repeat(262_145)]: 1 }), 400, "invalid_payload"],
];

Deno.test("[ingest] hostile and malformed bodies: each its own 4xx, only HttpError", async () => {
  assert.ok(HOSTILE.length >= 40, `${HOSTILE.length} cases`);
  for (const [name, body, status, code, path] of HOSTILE) {
    const e = await refusal(body);
    assert.equal(e.status, status, name);
    assert.equal(e.code, code, `${name}: ${e.message}`);
    if (code === "invalid_payload") {
      const issues = (e.details as { issues: Array<{ path: string; expected: string }> }).issues;
      assert.ok(issues.length >= 1 && issues.length <= 20, name);
      assert.equal(e.message, `${issues[0].path}: expected ${issues[0].expected}`, name);
      assert.ok(e.message.length < 500, `${name}: message stays short`);
      if (path !== undefined) assert.equal(issues[0].path, path, name);
    }
  }
});

Deno.test("[ingest] the first shape issue names the path and type", async () => {
  const e = await refusal('{"alerts":[{},{},{},{"severity":1}],"host":5}');
  assert.equal(e.message, "host: expected a string");
  assert.deepEqual((e.details as { issues: unknown[] }).issues, [
    { path: "host", expected: "a string" },
    { path: "alerts[3].severity", expected: "a string" },
  ]);
  const only = await refusal('{"alerts":[{},{},{},{"severity":1}]}');
  assert.equal(only.message, "alerts[3].severity: expected a string");
  const many = await refusal(JSON.stringify({ alerts: big(500, 1) }));
  assert.equal(
    (many.details as { issues: unknown[] }).issues.length,
    20,
    "listed issues are capped",
  );
});

Deno.test('[ingest] accepted variations: nulls, {}, "" timestamps, BOM, unknown members', async () => {
  const bodies = [
    { vitals: null, project_storage: null, garbage_estimate: null, auth: null, threat: null },
    { vitals: {}, project_storage: {}, garbage_estimate: {} },
    { baseline_last_accepted_ts: "", alerts_count: null, public_ports_count: null },
    { alerts: [{ title: "A" }, { severity: "bogus" }, { project: 5, path: [] }] },
    { ports_public: [1, "x", null], expected_public_ports: [1, null] },
    { status: "not an object, so a plain member" },
    { status: {}, ok: true, last: [], diff: "x" },
    { _host: 5, _alerts: "x" },
  ];
  for (const body of bodies) await parse(JSON.stringify(body));
  const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('{"host":"web-1"}')]);
  assert.equal((await parse(bom)).reportedHost, "web-1");
});
