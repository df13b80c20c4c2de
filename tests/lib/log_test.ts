import assert from "node:assert/strict";
import { createLogger, type LogLevel, redactFields } from "@/lib/log.ts";

const FIXED = new Date("2026-11-25T10:00:00.000Z");

function capture(level: LogLevel) {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const log = createLogger(level, (line) => {
    raw.push(line);
    lines.push(JSON.parse(line));
  }, () => FIXED);
  return { log, lines, raw };
}

Deno.test("[log] writes one JSON line with level, time, msg first, then fields", () => {
  const { log, raw } = capture("debug");
  log.info("server listening", { port: 8000 });
  assert.deepEqual(raw, [
    '{"level":"info","time":"2026-11-25T10:00:00.000Z","msg":"server listening","port":8000}',
  ]);
});

Deno.test("[log] drops lines below the configured level", () => {
  const { log, lines } = capture("warn");
  log.debug("d");
  log.info("i");
  log.warn("w");
  log.error("e");
  assert.deepEqual(lines.map((l) => l.level), ["warn", "error"]);
  assert.equal(log.level, "warn");
});

Deno.test("[log] child binds fields to every line; call fields win", () => {
  const { log, lines } = capture("info");
  const requestLog = log.child({ requestId: "req-1", route: "/a" });
  requestLog.info("handled", { route: "/b", status: 200 });
  requestLog.child({ hostId: "h1" }).warn("slow");
  log.info("unbound");
  assert.deepEqual(lines.map(({ time: _time, ...rest }) => rest), [
    { level: "info", msg: "handled", requestId: "req-1", route: "/b", status: 200 },
    { level: "warn", msg: "slow", requestId: "req-1", route: "/a", hostId: "h1" },
    { level: "info", msg: "unbound" },
  ]);
});

Deno.test("[log] redacts sensitive keys at any depth, including bound fields", () => {
  const { log, lines, raw } = capture("info");
  log.child({ apiToken: "bound-token" }).info("request", {
    headers: { Authorization: "Bearer abc", "content-type": "text/plain" },
    cookies: [{ name: "sid", value: "cookie-value" }],
    nested: { deeper: { dbPassword: "pw", APP_SECRET: "s3cret" } },
    list: [{ refresh_token: "rt" }],
    fetchHeaders: new Headers({ cookie: "sid=1", accept: "*/*" }),
  });
  assert.deepEqual(lines[0].headers, { Authorization: "***", "content-type": "text/plain" });
  assert.equal(lines[0].cookies, "***");
  assert.equal(lines[0].apiToken, "***");
  assert.deepEqual(lines[0].nested, { deeper: { dbPassword: "***", APP_SECRET: "***" } });
  assert.deepEqual(lines[0].list, [{ refresh_token: "***" }]);
  assert.deepEqual(lines[0].fetchHeaders, { accept: "*/*", cookie: "***" });
  for (const secret of ["bound-token", "Bearer abc", "cookie-value", "s3cret", "sid=1"]) {
    assert.ok(!raw[0].includes(secret), `${secret} leaked`);
  }
});

Deno.test("[log] serializes errors, bigints, dates and cycles; keeps reserved keys", () => {
  const { log, lines } = capture("info");
  const cyclic: Record<string, unknown> = { name: "loop" };
  cyclic.self = cyclic;
  const error = new Error("boom", { cause: new TypeError("inner") });
  log.error("failed", { error, count: 12n, at: FIXED, cyclic, msg: "shadow", level: "x" });
  const line = lines[0];
  assert.equal(line.msg, "failed");
  assert.equal(line.level, "error");
  assert.equal(line.field_msg, "shadow");
  assert.equal(line.field_level, "x");
  const logged = line.error as Record<string, unknown>;
  assert.equal(logged.name, "Error");
  assert.equal(logged.message, "boom");
  assert.match(String(logged.stack), /boom/);
  assert.equal((logged.cause as Record<string, unknown>).message, "inner");
  assert.equal(line.count, "12");
  assert.equal(line.at, FIXED.toISOString());
  assert.deepEqual(line.cyclic, { name: "loop", self: "[circular]" });
});

Deno.test("[log] redactFields leaves the input untouched", () => {
  const input = { user: "ann", session_cookie: "c", nested: { password: "p" } };
  assert.deepEqual(redactFields(input), {
    user: "ann",
    session_cookie: "***",
    nested: { password: "***" },
  });
  assert.equal(input.nested.password, "p");
});
