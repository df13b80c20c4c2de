import assert from "node:assert/strict";
import { appendAudit, type AuditInput } from "@/lib/audit/append.ts";
import { AUDIT_CSV_COLUMNS, csvCell, exportAudit, queryAudit } from "@/lib/audit/query.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { rejection } from "../../support/operators.ts";

const ORG_A = "01ORGA";
const ORG_B = "01ORGB";
const T0 = Date.parse("2026-11-25T10:00:00.000Z");
const minute = (n: number) => new Date(T0 + n * 60_000);

async function seed(ledger: Ledger) {
  const rows: [string, string, string, [string, string] | null, number][] = [
    [ORG_A, "alice", "org.member.add", ["user", "u1"], 0],
    [ORG_A, "bob", "org.member.remove", ["user", "u1"], 1],
    [ORG_A, "alice", "auth.sign_in", null, 2],
    [ORG_A, "alice", "auth.sign_in.failed", null, 3],
    [ORG_A, "carol", "org.invitation.create", ["invitation", "i1"], 4],
    [ORG_A, "alice", "host.update", ["host", "h1"], 5],
    [ORG_B, "mallory", "org.member.add", ["user", "u9"], 2],
  ];
  for (const [orgId, actor, action, target, at] of rows) {
    const input: AuditInput = {
      orgId,
      actor: { type: "user", id: actor, label: `${actor}@example.com` },
      action,
      target: target ? { type: target[0], id: target[1] } : null,
      summary: `${actor} ${action}`,
      ts: minute(at),
    };
    await appendAudit(ledger, input);
  }
}

const actions = (page: { entries: { action: string }[] }) => page.entries.map((e) => e.action);

forEachLedger("[audit] query: filters, newest first, only the org's own chain", async (ledger) => {
  await seed(ledger);
  const all = await queryAudit(ledger, ORG_A);
  assert.deepEqual(actions(all), [
    "host.update",
    "org.invitation.create",
    "auth.sign_in.failed",
    "auth.sign_in",
    "org.member.remove",
    "org.member.add",
  ]);
  assert.equal(all.nextCursor, null);
  assert.ok(all.entries.every((e) => e.orgId === ORG_A), "never org B's entries");
  assert.deepEqual(actions(await queryAudit(ledger, ORG_B)), ["org.member.add"]);
  assert.deepEqual((await queryAudit(ledger, "01NOSUCHORG")).entries, []);

  assert.deepEqual(actions(await queryAudit(ledger, ORG_A, { actorId: "alice" })), [
    "host.update",
    "auth.sign_in.failed",
    "auth.sign_in",
    "org.member.add",
  ]);
  assert.deepEqual(actions(await queryAudit(ledger, ORG_A, { actorId: "mallory" })), []);
  assert.deepEqual(actions(await queryAudit(ledger, ORG_A, { action: "auth.sign_in" })), [
    "auth.sign_in",
  ]);
  assert.deepEqual(actions(await queryAudit(ledger, ORG_A, { action: "auth." })), [
    "auth.sign_in.failed",
    "auth.sign_in",
  ]);
  assert.deepEqual(actions(await queryAudit(ledger, ORG_A, { action: "org.member." })), [
    "org.member.remove",
    "org.member.add",
  ]);
  assert.deepEqual(actions(await queryAudit(ledger, ORG_A, { action: "auth.sign_in." })), [
    "auth.sign_in.failed",
  ]);
  // `_` in a prefix is literal, not a LIKE wildcard: "auth.sign_in." must not match "auth.signxin.…".
  await appendAudit(ledger, {
    orgId: "01ORGC",
    actor: { type: "system", id: "t" },
    action: "auth.signxin.failed",
    summary: "x",
  });
  assert.deepEqual(actions(await queryAudit(ledger, "01ORGC", { action: "auth.sign_in." })), []);
  assert.deepEqual(actions(await queryAudit(ledger, "01ORGC", { action: "auth.signxin." })), [
    "auth.signxin.failed",
  ]);
  assert.deepEqual(
    actions(await queryAudit(ledger, ORG_A, { targetType: "user", targetId: "u1" })),
    [
      "org.member.remove",
      "org.member.add",
    ],
  );
  assert.deepEqual(actions(await queryAudit(ledger, ORG_A, { targetType: "host" })), [
    "host.update",
  ]);
  assert.deepEqual(
    actions(await queryAudit(ledger, ORG_A, { targetId: "u9" })),
    [],
    "org B's target",
  );
  assert.deepEqual(actions(await queryAudit(ledger, ORG_A, { from: minute(2), to: minute(4) })), [
    "auth.sign_in.failed",
    "auth.sign_in",
  ], "from inclusive, to exclusive");
});

forEachLedger("[audit] query: cursor paging by seq", async (ledger) => {
  await seed(ledger);
  const page1 = await queryAudit(ledger, ORG_A, { limit: 4 });
  assert.equal(page1.entries.length, 4);
  assert.equal(page1.nextCursor, 3);
  const page2 = await queryAudit(ledger, ORG_A, { limit: 4, before: page1.nextCursor ?? 0 });
  assert.deepEqual(page2.entries.map((e) => e.seq), [2, 1]);
  assert.equal(page2.nextCursor, null);
  const exact = await queryAudit(ledger, ORG_A, { limit: 6 });
  assert.equal(exact.nextCursor, null, "no empty last page");
  const filtered = await queryAudit(ledger, ORG_A, { actorId: "alice", limit: 2 });
  assert.deepEqual(filtered.entries.map((e) => e.seq), [6, 4]);
  const next = await queryAudit(ledger, ORG_A, {
    actorId: "alice",
    limit: 2,
    before: filtered.nextCursor ?? 0,
  });
  assert.deepEqual(next.entries.map((e) => e.seq), [3, 1]);
});

forEachLedger("[audit] query: bad filters are 400 naming the field", async (ledger) => {
  const cases: [Parameters<typeof queryAudit>[2], string][] = [
    [{ limit: 201 }, "limit"],
    [{ limit: 0 }, "limit"],
    [{ action: "Auth.%" }, "action"],
    [{ action: "x".repeat(101) }, "action"],
    [{ from: new Date("nope") }, "from"],
    [{ to: new Date("nope") }, "to"],
    [{ before: -1 }, "before"],
    [{ actorId: "a".repeat(201) }, "actorId"],
  ];
  for (const [query, field] of cases) {
    const error = await rejection(queryAudit(ledger, ORG_A, query));
    assert.equal(error.status, 400, field);
    assert.match(error.message, new RegExp(`^${field}: `));
  }
});

Deno.test("[audit] csvCell: quoting and formula-injection safety", () => {
  assert.equal(csvCell(null), "");
  assert.equal(csvCell(42), "42");
  assert.equal(csvCell("plain"), "plain");
  assert.equal(csvCell('say "hi", then'), '"say ""hi"", then"');
  assert.equal(csvCell("two\nlines"), '"two\nlines"');
  assert.equal(csvCell("cr\rhere"), '"cr\rhere"');
  for (const formula of ["=1+1", "+1", "-1", "@SUM(A1)", "\tTAB", "\rCR"]) {
    assert.ok(csvCell(formula).replace(/^"/, "").startsWith("'"), formula);
  }
  assert.equal(csvCell('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvCell("a=b"), "a=b", "only a leading sign matters");
});

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return await new Response(stream).text();
}

forEachLedger(
  "[audit] export: JSON lines and CSV page through everything, only that org",
  async (ledger) => {
    await seed(ledger);
    await appendAudit(ledger, {
      orgId: ORG_A,
      actor: { type: "user", id: "=cmd|' /C calc'!A0", label: 'Eve "the" tester, esq.' },
      action: "host.update",
      target: { type: "host", id: "@h2" },
      summary: "-2+3 line one\nline two",
      details: { note: "a,b" },
      ts: minute(6),
    });

    const jsonl = await text(exportAudit(ledger, ORG_A, {}, "jsonl", { pageSize: 2 }));
    const lines = jsonl.trimEnd().split("\n").map((line) => JSON.parse(line));
    assert.equal(lines.length, 7);
    assert.deepEqual(lines.map((e) => e.seq), [7, 6, 5, 4, 3, 2, 1]);
    assert.ok(lines.every((e) => e.chain === ORG_A));
    assert.equal(lines[0].summary, "-2+3 line one\nline two");
    assert.equal(lines[0].ts, minute(6).toISOString());
    assert.match(lines[0].hash, /^[0-9a-f]{64}$/);

    const csv = await text(exportAudit(ledger, ORG_A, { action: "host." }, "csv", { pageSize: 1 }));
    const [header, ...rows] = csv.split("\r\n");
    assert.equal(header, AUDIT_CSV_COLUMNS.join(","));
    assert.equal(rows.at(-1), "", "ends with CRLF");
    assert.equal(rows.length - 1, 2, "two host.update entries");
    const evil = rows[0];
    assert.ok(evil.startsWith("7,"), evil);
    assert.ok(
      evil.includes(`,user,'=cmd|' /C calc'!A0,"Eve ""the"" tester, esq.",host.update,host,'@h2,`),
      evil,
    );
    assert.ok(evil.includes(`"'-2+3 line one\nline two"`), evil);
    assert.ok(evil.includes(`"{""note"":""a,b""}"`), evil);

    assert.equal(await text(exportAudit(ledger, "01NOSUCHORG", {}, "csv")), header + "\r\n");
    assert.equal(await text(exportAudit(ledger, ORG_B, { actorId: "alice" }, "jsonl")), "");
    assert.throws(() => exportAudit(ledger, ORG_A, { action: "BAD" }, "csv"), /action: /);
  },
);
