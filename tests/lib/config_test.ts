import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  type AppConfig,
  ConfigError,
  describeConfig,
  loadConfig,
  resolveAppSecret,
} from "@/lib/config.ts";
import { createLogger } from "@/lib/log.ts";

const SECRET = "s".repeat(40);

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  assert.fail(`expected ConfigError for ${JSON.stringify(env)}`);
}

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const log = createLogger("debug", (line) => {
    raw.push(line);
    lines.push(JSON.parse(line));
  });
  return { log, lines, raw };
}

Deno.test("[config] defaults on an empty environment run on a bare machine", () => {
  const config = loadConfig({});
  assert.deepEqual(config, {
    appEnv: "development",
    port: 8000,
    hostname: "127.0.0.1",
    appUrl: "http://localhost:8000/",
    publicOrigin: "http://localhost:8000",
    remediationToolPrefix: "",
    notifyHttpTimeoutMs: 10_000,
    notifyAllowPrivateUrls: true,
    dataDir: "./data",
    denoKvPath: "data/kv.sqlite3",
    denoKvUrl: undefined,
    denoKvAccessToken: undefined,
    databaseUrl: "file:data/ledger.db",
    ledgerDialect: "sqlite",
    databasePoolSize: 10,
    appSecret: undefined,
    logLevel: "info",
    bodyLimitBytes: 1_048_576,
    serverTiming: true,
    shutdownTimeoutMs: 10_000,
    smtpUrl: undefined,
    smtpFrom: "VPS Sentry <sentry@localhost>",
    sessionIdleMinutes: 60,
    sessionMaxHours: 12,
    passwordHashCost: 15,
    auditHeadSink: "file:data/audit-heads.jsonl",
    auditRetentionDays: 400,
    heartbeat: { expectedMinutes: 5, staleMultiplier: 3, missingMultiplier: 12 },
  });
});

Deno.test("[config] derived defaults follow PORT and DATA_DIR; empty values count as unset", () => {
  const config = loadConfig({ PORT: "9001", DATA_DIR: "/srv/sentry", LOG_LEVEL: "", APP_URL: " " });
  assert.equal(config.port, 9001);
  assert.equal(config.appUrl, "http://localhost:9001/");
  assert.equal(config.denoKvPath, "/srv/sentry/kv.sqlite3");
  assert.equal(config.databaseUrl, "file:/srv/sentry/ledger.db");
  assert.equal(config.logLevel, "info");
});

Deno.test("[config] operator settings: SMTP, sessions, password cost, audit sink", () => {
  const config = loadConfig({
    SMTP_URL: "smtp://mailer:pw@127.0.0.1:2525",
    SMTP_FROM: "Sentry <alerts@example.com>",
    SESSION_IDLE_MINUTES: "30",
    PASSWORD_HASH_COST: "16",
    AUDIT_HEAD_SINK: "https://witness.example.com/heads",
  });
  assert.equal(config.smtpUrl, "smtp://mailer:pw@127.0.0.1:2525");
  assert.equal(config.sessionIdleMinutes, 30);
  assert.equal(config.passwordHashCost, 16);
  assert.equal(describeConfig(config).smtpUrl, "smtp://mailer:***@127.0.0.1:2525");
  for (
    const [name, value] of [["SMTP_URL", "http://x"], ["SMTP_FROM", "nobody"], [
      "PASSWORD_HASH_COST",
      "4",
    ], ["AUDIT_HEAD_SINK", "ftp://x"]]
  ) {
    assert.throws(() => loadConfig({ [name]: value }), new RegExp(`${name}: expected`), name);
  }
});

Deno.test("[config] explicit values are parsed and typed", () => {
  const config = loadConfig({
    APP_ENV: "production",
    APP_SECRET: SECRET,
    APP_URL: "https://sentry.example.com/console",
    DATABASE_URL: "postgresql://app:pw@db:5432/sentry",
    DENO_KV_URL: "https://api.deno.com/databases/abc/connect",
    DENO_KV_ACCESS_TOKEN: "kv-token",
    DENO_KV_PATH: ":memory:",
    LOG_LEVEL: "warn",
    BODY_LIMIT_BYTES: "2048",
    SHUTDOWN_TIMEOUT_MS: "0",
    HOSTNAME: "0.0.0.0",
    DATABASE_POOL_SIZE: "24",
  });
  assert.equal(config.databasePoolSize, 24);
  assert.equal(config.appEnv, "production");
  assert.equal(config.publicOrigin, "https://sentry.example.com");
  assert.equal(config.ledgerDialect, "postgres");
  assert.equal(config.denoKvPath, ":memory:");
  assert.equal(config.serverTiming, false, "SERVER_TIMING defaults to off in production");
  assert.equal(config.bodyLimitBytes, 2048);
  assert.equal(config.shutdownTimeoutMs, 0);
  assert.equal(config.hostname, "0.0.0.0");
  assert.equal(loadConfig({ SERVER_TIMING: "off" }).serverTiming, false);
  assert.equal(loadConfig({ SERVER_TIMING: "TRUE", APP_ENV: "test" }).serverTiming, true);
  assert.equal(loadConfig({ DATABASE_URL: "file::memory:" }).ledgerDialect, "sqlite");
});

Deno.test("[config] each bad value fails with a message naming the variable", () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: "abc" }, /PORT: expected an integer 1-65535, got "abc"/],
    [{ PORT: "70000" }, /PORT: expected an integer 1-65535, got "70000"/],
    [{ APP_URL: "ftp://x" }, /APP_URL: expected an http\(s\) URL .*, got "ftp:\/\/x"/],
    [{ DATABASE_URL: "mysql://root@db/sentry" }, /DATABASE_URL: expected "file:<path>"/],
    [{ APP_SECRET: "short" }, /APP_SECRET: expected at least 32 characters, got 5/],
    [{ APP_ENV: "production" }, /APP_SECRET: required when APP_ENV=production/],
    [{ APP_ENV: "staging" }, /APP_ENV: expected development\|production\|test, got "staging"/],
    [{ LOG_LEVEL: "loud" }, /LOG_LEVEL: expected debug\|info\|warn\|error, got "loud"/],
    [{ SERVER_TIMING: "maybe" }, /SERVER_TIMING: expected true\|false/],
    [{ BODY_LIMIT_BYTES: "0" }, /BODY_LIMIT_BYTES: expected a positive integer/],
    [{ DATABASE_POOL_SIZE: "0" }, /DATABASE_POOL_SIZE: expected an integer 1-100/],
    [{ DENO_KV_URL: "http://kv.example.com" }, /DENO_KV_URL: expected a KV Connect https:\/\//],
    [
      { HEARTBEAT_EXPECTED_MINUTES: "0" },
      /HEARTBEAT_EXPECTED_MINUTES: expected an integer 1-1440 \(minutes between pushes\), got "0"/,
    ],
    [{ HEARTBEAT_EXPECTED_MINUTES: "five" }, /HEARTBEAT_EXPECTED_MINUTES: expected an integer/],
    [{ HEARTBEAT_STALE_MULTIPLIER: "-2" }, /HEARTBEAT_STALE_MULTIPLIER: expected a number 1-1000/],
    [{ HEARTBEAT_MISSING_MULTIPLIER: "x" }, /HEARTBEAT_MISSING_MULTIPLIER: expected a number/],
    [
      { REMEDIATION_TOOL_PREFIX: "tools" },
      /REMEDIATION_TOOL_PREFIX: expected empty, or an absolute/,
    ],
    [{ REMEDIATION_TOOL_PREFIX: "/opt/../etc" }, /REMEDIATION_TOOL_PREFIX: expected empty/],
  ];
  for (const [env, message] of cases) {
    const error = configErrorOf(env);
    assert.match(error.message, message, JSON.stringify(env));
    assert.equal(error.issues.length, 1, JSON.stringify(error.issues));
  }
});

Deno.test("[config] heartbeat thresholds are set per deployment", () => {
  const config = loadConfig({
    HEARTBEAT_EXPECTED_MINUTES: "6",
    HEARTBEAT_STALE_MULTIPLIER: "2.5",
    HEARTBEAT_MISSING_MULTIPLIER: "10",
  });
  assert.deepEqual(config.heartbeat, {
    expectedMinutes: 6,
    staleMultiplier: 2.5,
    missingMultiplier: 10,
  });
});

Deno.test("[config] every bad variable is reported at once, secrets are never echoed", () => {
  const error = configErrorOf({
    PORT: "abc",
    APP_URL: "ftp://x",
    APP_SECRET: "hunter2-but-short",
    DATABASE_URL: "mysql://root:topsecretpw@db/sentry",
  });
  assert.deepEqual(error.issues.map((i) => i.variable).sort(), [
    "APP_SECRET",
    "APP_URL",
    "DATABASE_URL",
    "PORT",
  ]);
  assert.doesNotMatch(error.message, /hunter2|topsecretpw/);
  assert.match(error.message, /mysql:\/\/root:\*\*\*@db\/sentry/);
});

Deno.test("[config] describeConfig redacts secrets and URL passwords", () => {
  const config = loadConfig({
    APP_SECRET: SECRET,
    DATABASE_URL: "postgres://app:dbpassword@db:5432/sentry",
    DENO_KV_URL: "https://user:kvpass@kv.example.com/connect",
    DENO_KV_ACCESS_TOKEN: "kv-access-token",
  });
  const described = describeConfig(config);
  assert.equal(described.appSecret, "***");
  assert.equal(described.denoKvAccessToken, "***");
  assert.equal(described.databaseUrl, "postgres://app:***@db:5432/sentry");
  assert.equal(described.denoKvUrl, "https://user:***@kv.example.com/connect");
  assert.equal(described.port, 8000);
  const text = JSON.stringify(described);
  for (const secret of [SECRET, "dbpassword", "kvpass", "kv-access-token"]) {
    assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
  }
  assert.equal(describeConfig(loadConfig({})).appSecret, undefined);
});

Deno.test("[config] resolveAppSecret generates a 0600 secret once and reuses it", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "config_test_" });
  try {
    const config: AppConfig = loadConfig({ DATA_DIR: join(tmp, "nested", "data") });
    const path = join(config.dataDir, "app-secret");
    const first = capturingLogger();
    const secret = await resolveAppSecret(config, first.log);
    assert.match(secret, /^[A-Za-z0-9_-]{64}$/, "48 random bytes, base64url");
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal((await readFile(path, "utf8")).trim(), secret);
    assert.equal(first.lines.length, 1);
    assert.match(String(first.lines[0].msg), /generated/);
    assert.equal(first.lines[0].path, path);
    assert.ok(!first.raw.join("\n").includes(secret), "the secret is never logged");

    const second = capturingLogger();
    assert.equal(await resolveAppSecret(config, second.log), secret);
    assert.equal(second.lines.length, 1);
    assert.match(String(second.lines[0].msg), /loaded/);
    assert.ok(!second.raw.join("\n").includes(secret));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("[config] resolveAppSecret prefers APP_SECRET and writes nothing", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "config_test_" });
  try {
    const config = loadConfig({ DATA_DIR: tmp, APP_SECRET: SECRET });
    const { log, lines } = capturingLogger();
    assert.equal(await resolveAppSecret(config, log), SECRET);
    assert.deepEqual(lines, []);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(tmp)), []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("[config] resolveAppSecret rejects a truncated secret file", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "config_test_" });
  try {
    await Deno.writeTextFile(join(tmp, "app-secret"), "too-short\n", { mode: 0o600 });
    const { log } = capturingLogger();
    await assert.rejects(
      resolveAppSecret(loadConfig({ DATA_DIR: tmp }), log),
      /APP_SECRET: unset, and .*app-secret holds fewer than 32 characters; delete that file/,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
