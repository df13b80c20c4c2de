/**
 * The one place that reads environment variables. {@link loadConfig} validates them with a single
 * zod schema and returns a typed, camelCased {@link AppConfig}; every variable has a default that
 * runs on a bare machine (embedded KV and SQLite under `./data`, a generated secret), except
 * `APP_SECRET`, which production must set.
 *
 * An empty value (`PORT=` in a `.env` file) counts as unset. `.env` files are read by Deno itself
 * (`deno run --env-file=.env`), before this module sees `Deno.env`.
 *
 * @module
 */

import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { DatabaseUrlError, parseDatabaseUrl, redactUrl } from "./db/ledger/database_url.ts";
import { LOG_LEVELS, type Logger } from "./log.ts";

/** Every environment variable the app reads. */
export const ENV_VARS = [
  "APP_ENV",
  "PORT",
  "HOSTNAME",
  "APP_URL",
  "DATA_DIR",
  "DENO_KV_PATH",
  "DENO_KV_URL",
  "DENO_KV_ACCESS_TOKEN",
  "DATABASE_URL",
  "DATABASE_POOL_SIZE",
  "APP_SECRET",
  "LOG_LEVEL",
  "BODY_LIMIT_BYTES",
  "SERVER_TIMING",
  "SHUTDOWN_TIMEOUT_MS",
  "SMTP_URL",
  "SMTP_FROM",
  "SESSION_IDLE_MINUTES",
  "SESSION_MAX_HOURS",
  "PASSWORD_HASH_COST",
  "AUDIT_HEAD_SINK",
  "AUDIT_RETENTION_DAYS",
  "HEARTBEAT_EXPECTED_MINUTES",
  "HEARTBEAT_STALE_MULTIPLIER",
  "HEARTBEAT_MISSING_MULTIPLIER",
  "REMEDIATION_TOOL_PREFIX",
  "NOTIFY_HTTP_TIMEOUT_MS",
  "NOTIFY_ALLOW_PRIVATE_URLS",
] as const;

/** Name of one variable in {@link ENV_VARS}. */
export type EnvVar = typeof ENV_VARS[number];

/** Minimum length of `APP_SECRET` (and of a stored generated secret). */
export const APP_SECRET_MIN_LENGTH = 32;

/** File name of the generated secret inside `DATA_DIR`. */
export const APP_SECRET_FILE = "app-secret";

/** One bad variable. */
export interface ConfigIssue {
  variable: string;
  message: string;
}

/** Thrown by {@link loadConfig}; `message` lists every bad variable, one per line. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(
      `Invalid environment configuration (fix these variables, e.g. in .env):\n` +
        issues.map((i) => `  ${i.variable}: ${i.message}`).join("\n"),
    );
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** Error text of a rejected value: `expected <what>, got "<value>"`. */
const expected = (what: string) => ({
  error: (issue: { input?: unknown }) => `expected ${what}, got ${JSON.stringify(issue.input)}`,
});

const integerString = (min: number, max: number) => (value: string) =>
  /^\d+$/.test(value) && Number(value) >= min && Number(value) <= max;

const BOOLEAN_WORDS: Record<string, boolean> = {
  true: true,
  "1": true,
  yes: true,
  on: true,
  false: false,
  "0": false,
  no: false,
  off: false,
};

const httpUrl = (value: string) => {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
};

/** A positive decimal such as `3` or `2.5`, within `min`-`max`. */
const decimal = (min: number, max: number, what: string) =>
  z.string().refine(
    (v) => /^\d+(\.\d+)?$/.test(v) && Number(v) >= min && Number(v) <= max,
    expected(what),
  ).transform(Number).optional();

const integer = (min: number, max: number, what: string) =>
  z.string().refine(integerString(min, max), expected(what)).transform(Number).optional();

/** The environment schema: raw variables in, {@link AppConfig} out. */
export const envSchema = z.object({
  APP_ENV: z.enum(["development", "production", "test"], expected("development|production|test"))
    .default("development"),
  PORT: integer(1, 65535, "an integer 1-65535"),
  HOSTNAME: z.string().default("127.0.0.1"),
  APP_URL: z.string().refine(httpUrl, expected("an http(s) URL such as https://sentry.example.com"))
    .optional(),
  DATA_DIR: z.string().default("./data"),
  DENO_KV_PATH: z.string().optional(),
  DENO_KV_URL: z.string().refine(
    // http:// only for a local denokv server.
    (v) =>
      httpUrl(v) && (v.startsWith("https://") || /^http:\/\/(localhost|127\.0\.0\.1)[:/]/.test(v)),
    {
      error: (issue) =>
        `expected a KV Connect https:// URL, got ${JSON.stringify(redactUrl(String(issue.input)))}`,
    },
  ).optional(),
  DENO_KV_ACCESS_TOKEN: z.string().optional(),
  DATABASE_URL: z.string().superRefine((value, ctx) => {
    try {
      parseDatabaseUrl(value);
    } catch (error) {
      if (!(error instanceof DatabaseUrlError)) throw error;
      ctx.addIssue({ code: "custom", message: error.message });
    }
  }).optional(),
  DATABASE_POOL_SIZE: integer(1, 100, "an integer 1-100 (connections)"),
  APP_SECRET: z.string().refine((v) => v.length >= APP_SECRET_MIN_LENGTH, {
    // Never echo the secret itself.
    error: (issue) =>
      `expected at least ${APP_SECRET_MIN_LENGTH} characters, got ${
        String(issue.input).length
      } (generate one with: openssl rand -base64 48)`,
  }).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS, expected(LOG_LEVELS.join("|"))).default("info"),
  BODY_LIMIT_BYTES: integer(1, Number.MAX_SAFE_INTEGER, "a positive integer number of bytes"),
  SERVER_TIMING: z.string().refine(
    (v) => v.toLowerCase() in BOOLEAN_WORDS,
    expected("true|false (or 1|0, yes|no, on|off)"),
  ).transform((v) => BOOLEAN_WORDS[v.toLowerCase()]).optional(),
  SHUTDOWN_TIMEOUT_MS: integer(0, 3_600_000, "an integer 0-3600000 (milliseconds)"),
  SMTP_URL: z.string().refine(
    (v) => /^smtps?:\/\/[^/]+/.test(v),
    {
      error: (issue) =>
        `expected smtp://user:pass@host:587 or smtps://…:465, got ${
          JSON.stringify(redactUrl(String(issue.input)))
        }`,
    },
  ).optional(),
  SMTP_FROM: z.string().refine(
    (v) => /^[^<>]*<[^@\s<>]+@[^@\s<>]+>$|^[^@\s<>]+@[^@\s<>]+$/.test(v),
    expected('an address like "VPS Sentry <sentry@example.com>"'),
  ).default("VPS Sentry <sentry@localhost>"),
  SESSION_IDLE_MINUTES: integer(1, 10_080, "an integer 1-10080 (minutes)"),
  SESSION_MAX_HOURS: integer(1, 8_760, "an integer 1-8760 (hours)"),
  PASSWORD_HASH_COST: integer(10, 20, "an integer 10-20 (scrypt log2 N; 15 is 32 MiB)"),
  AUDIT_HEAD_SINK: z.string().refine(
    (v) => v.startsWith("file:") || httpUrl(v),
    expected("file:<path> or an http(s) URL"),
  ).optional(),
  AUDIT_RETENTION_DAYS: integer(1, 36_500, "an integer 1-36500 (days)"),
  HEARTBEAT_EXPECTED_MINUTES: integer(1, 1_440, "an integer 1-1440 (minutes between pushes)"),
  HEARTBEAT_STALE_MULTIPLIER: decimal(1, 1_000, "a number 1-1000 (e.g. 3)"),
  HEARTBEAT_MISSING_MULTIPLIER: decimal(1, 1_000, "a number 1-1000 (e.g. 12)"),
  REMEDIATION_TOOL_PREFIX: z.string().refine(
    (v) => v === "" || (/^(\/[A-Za-z0-9._-]+)+$/.test(v) && !/\/\.\.?(\/|$)/.test(v)),
    expected('empty, or an absolute directory without "." or ".." segments, e.g. /opt/tools'),
  ).optional(),
  NOTIFY_HTTP_TIMEOUT_MS: integer(100, 60_000, "an integer 100-60000 (milliseconds)"),
  NOTIFY_ALLOW_PRIVATE_URLS: z.string().refine(
    (v) => v.toLowerCase() in BOOLEAN_WORDS,
    expected("true|false (or 1|0, yes|no, on|off)"),
  ).transform((v) => BOOLEAN_WORDS[v.toLowerCase()]).optional(),
}).superRefine((env, ctx) => {
  if (env.APP_ENV === "production" && env.APP_SECRET === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["APP_SECRET"],
      message: `required when APP_ENV=production (at least ${APP_SECRET_MIN_LENGTH} characters; ` +
        `generate one with: openssl rand -base64 48)`,
    });
  }
}).transform((env) => {
  const port = env.PORT ?? 8000;
  const appUrl = new URL(env.APP_URL ?? `http://localhost:${port}`);
  const databaseUrl = env.DATABASE_URL ?? `file:${join(env.DATA_DIR, "ledger.db")}`;
  return {
    appEnv: env.APP_ENV,
    port,
    hostname: env.HOSTNAME,
    /** Normalized `APP_URL` (`href`). */
    appUrl: appUrl.href,
    /** Scheme, host and port of `APP_URL`: what `Origin` headers are compared with. */
    publicOrigin: appUrl.origin,
    dataDir: env.DATA_DIR,
    denoKvPath: env.DENO_KV_PATH ?? join(env.DATA_DIR, "kv.sqlite3"),
    denoKvUrl: env.DENO_KV_URL,
    denoKvAccessToken: env.DENO_KV_ACCESS_TOKEN,
    databaseUrl,
    ledgerDialect: parseDatabaseUrl(databaseUrl).dialect,
    /** Postgres pool size of the app (concurrent ingest transactions); unused with SQLite. */
    databasePoolSize: env.DATABASE_POOL_SIZE ?? 10,
    /** Unset outside production: use {@link resolveAppSecret}. */
    appSecret: env.APP_SECRET,
    logLevel: env.LOG_LEVEL,
    bodyLimitBytes: env.BODY_LIMIT_BYTES ?? 1_048_576,
    serverTiming: env.SERVER_TIMING ?? env.APP_ENV !== "production",
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS ?? 10_000,
    /** Unset: e-mail features say "not configured" instead of failing silently. */
    smtpUrl: env.SMTP_URL,
    smtpFrom: env.SMTP_FROM,
    sessionIdleMinutes: env.SESSION_IDLE_MINUTES ?? 60,
    sessionMaxHours: env.SESSION_MAX_HOURS ?? 12,
    /** scrypt cost as log2(N); each +1 doubles time and memory. */
    passwordHashCost: env.PASSWORD_HASH_COST ?? 15,
    auditHeadSink: env.AUDIT_HEAD_SINK ?? `file:${join(env.DATA_DIR, "audit-heads.jsonl")}`,
    auditRetentionDays: env.AUDIT_RETENTION_DAYS ?? 400,
    /**
     * Heartbeat thresholds (agent-protocol Part 5): fresh ≤ E, delayed ≤ E × stale, stale ≤
     * E × max(missing, stale + 1), missing after. Pass to `heartbeatState` as its options.
     */
    heartbeat: {
      expectedMinutes: env.HEARTBEAT_EXPECTED_MINUTES ?? 5,
      staleMultiplier: env.HEARTBEAT_STALE_MULTIPLIER ?? 3,
      missingMultiplier: env.HEARTBEAT_MISSING_MULTIPLIER ?? 12,
    },
    /**
     * Prepended to every catalog executable (`/usr/sbin/ufw` → `<prefix>/usr/sbin/ufw`) in plans
     * and allow rules: for fleets whose tools live under another root, and for end-to-end tests
     * that put recording programs there. Empty on a normal Debian/Ubuntu fleet.
     */
    remediationToolPrefix: env.REMEDIATION_TOOL_PREFIX ?? "",
    /** How long one webhook/Slack/Discord send may take before it counts as failed (ms). */
    notifyHttpTimeoutMs: env.NOTIFY_HTTP_TIMEOUT_MS ?? 10_000,
    /**
     * Whether notification URLs may point at loopback, private or link-local addresses
     * (docs/notifications.md); default: allowed outside production, refused in production.
     */
    notifyAllowPrivateUrls: env.NOTIFY_ALLOW_PRIVATE_URLS ?? env.APP_ENV !== "production",
  };
});

/** The validated configuration. */
export type AppConfig = z.output<typeof envSchema>;

/**
 * Reads and validates the environment, throwing {@link ConfigError} that names every bad
 * variable at once.
 *
 * @example
 * ```ts
 * const config = loadConfig(); // from Deno.env
 * const test = loadConfig({ APP_ENV: "test", DATA_DIR: "/tmp/x" });
 * test.port; // 8000
 * loadConfig({ PORT: "abc" }); // throws ConfigError: … PORT: expected an integer 1-65535, got "abc"
 * ```
 */
export function loadConfig(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): AppConfig {
  const known: Partial<Record<EnvVar, string>> = {};
  for (const name of ENV_VARS) {
    const value = env[name]?.trim();
    if (value) known[name] = value;
  }
  const result = envSchema.safeParse(known);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: issue.path.map(String).join(".") || "environment",
      message: issue.message,
    })),
  );
}

/**
 * Returns `APP_SECRET`, or outside production a generated one: 48 random bytes (base64url),
 * created once at `<DATA_DIR>/app-secret` with mode 0600 and reused on later starts, so sessions
 * survive restarts on a bare machine. Logs one line with the file path, never the secret.
 *
 * @example
 * ```ts
 * const secret = await resolveAppSecret(config, log);
 * // {"level":"info",…,"msg":"APP_SECRET not set: generated a new secret","path":"data/app-secret"}
 * ```
 */
export async function resolveAppSecret(config: AppConfig, log: Logger): Promise<string> {
  if (config.appSecret !== undefined) return config.appSecret;
  if (config.appEnv === "production") {
    throw new ConfigError([{
      variable: "APP_SECRET",
      message: "required when APP_ENV=production",
    }]);
  }
  const path = join(config.dataDir, APP_SECRET_FILE);
  await mkdir(config.dataDir, { recursive: true });
  const secret = crypto.getRandomValues(new Uint8Array(48))
    .toBase64({ alphabet: "base64url", omitPadding: true });
  try {
    // `wx` fails if the file exists, so two processes starting together keep one secret.
    await writeFile(path, secret + "\n", { mode: 0o600, flag: "wx" });
    await chmod(path, 0o600); // `mode` is subject to the umask
    log.info("APP_SECRET not set: generated a new secret", { path, hint: "set APP_SECRET" });
    return secret;
  } catch (error) {
    if (!(error instanceof Error && "code" in error && error.code === "EEXIST")) throw error;
  }
  const stored = (await readFile(path, "utf8")).trim();
  if (stored.length < APP_SECRET_MIN_LENGTH) {
    throw new ConfigError([{
      variable: "APP_SECRET",
      message: `unset, and ${path} holds fewer than ${APP_SECRET_MIN_LENGTH} characters; ` +
        `delete that file to generate a new secret, or set APP_SECRET`,
    }]);
  }
  if (((await stat(path)).mode & 0o077) !== 0) {
    log.warn("secret file is readable by other users; run chmod 600 on it", { path });
  }
  log.info("APP_SECRET not set: loaded the generated secret", { path });
  return stored;
}

/**
 * A copy of the config that is safe to log: secrets become `"***"`, URL passwords too.
 *
 * @example
 * ```ts
 * log.info("config", describeConfig(config));
 * // … "databaseUrl":"postgres://app:***@db/sentry", "appSecret":"***" …
 * ```
 */
export function describeConfig(config: AppConfig): Record<string, unknown> {
  const secret = (value: string | undefined) => value === undefined ? undefined : "***";
  return {
    ...config,
    appUrl: redactUrl(config.appUrl),
    databaseUrl: redactUrl(config.databaseUrl),
    denoKvUrl: config.denoKvUrl === undefined ? undefined : redactUrl(config.denoKvUrl),
    denoKvAccessToken: secret(config.denoKvAccessToken),
    appSecret: secret(config.appSecret),
    smtpUrl: config.smtpUrl === undefined ? undefined : redactUrl(config.smtpUrl),
    auditHeadSink: redactUrl(config.auditHeadSink),
  };
}
