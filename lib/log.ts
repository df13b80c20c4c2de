/**
 * A tiny structured logger: one JSON object per line, `{ level, time, msg, ...fields }`.
 *
 * Levels below the configured one are dropped. Values under keys that look sensitive
 * (`secret`, `token`, `password`, `authorization`, `cookie`, case-insensitive, at any depth)
 * are replaced by `"***"`, so passing a headers object or a config object never leaks a
 * credential. `Error` values are written as `{ name, message, stack }` (JSON.stringify would
 * write `{}`).
 *
 * @module
 */

/** Log levels, lowest first. */
export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = typeof LOG_LEVELS[number];

/** Extra structured data attached to a log line. */
export type LogFields = Record<string, unknown>;

/** Receives each finished JSON line; the default writes to the console. */
export type LogSink = (line: string, level: LogLevel) => void;

/** The logger passed around through `Services`. */
export interface Logger {
  /** The lowest level this logger writes. */
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (e.g. `{ requestId }`). */
  child(fields: LogFields): Logger;
}

/** Keys whose values are never written. */
export const SENSITIVE_KEY = /secret|token|password|authorization|cookie/i;

const REDACTED = "***";
const RESERVED_KEYS = new Set(["level", "time", "msg"]);
const MAX_DEPTH = 8;

/** Writes warn and error to stderr, the rest to stdout. */
const consoleSink: LogSink = (line, level) => {
  if (level === "warn" || level === "error") console.error(line);
  else console.log(line);
};

/**
 * Creates a logger writing JSON lines at `level` and above.
 *
 * @param level lowest level written
 * @param sink where lines go (tests pass a function that collects them)
 * @param now clock for the `time` field
 *
 * @example
 * ```ts
 * const log = createLogger("info");
 * log.info("server listening", { port: 8000 });
 * // {"level":"info","time":"2026-11-25T10:00:00.000Z","msg":"server listening","port":8000}
 * const reqLog = log.child({ requestId: "01J…" });
 * reqLog.warn("slow request", { ms: 1200, headers: { authorization: "Bearer x" } });
 * // …"headers":{"authorization":"***"}
 * ```
 */
export function createLogger(
  level: LogLevel = "info",
  sink: LogSink = consoleSink,
  now: () => Date = () => new Date(),
): Logger {
  return makeLogger(level, sink, now, {});
}

/**
 * Returns a copy of `value` with sensitive keys replaced by `"***"`, errors made
 * serializable, bigints turned into strings and cycles cut.
 *
 * @example
 * ```ts
 * redactFields({ user: "ann", apiToken: "abc", nested: { Password: "x" } });
 * // { user: "ann", apiToken: "***", nested: { Password: "***" } }
 * ```
 */
export function redactFields(fields: LogFields): LogFields {
  return redactValue(fields, 0, new WeakSet()) as LogFields;
}

function makeLogger(
  level: LogLevel,
  sink: LogSink,
  now: () => Date,
  bound: LogFields,
): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const write = (lineLevel: LogLevel, msg: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(lineLevel) < threshold) return;
    const extra = redactFields({ ...bound, ...fields });
    const line: LogFields = { level: lineLevel, time: now().toISOString(), msg };
    for (const [key, value] of Object.entries(extra)) {
      // A field may not overwrite level/time/msg; keep it under another name instead.
      line[RESERVED_KEYS.has(key) ? `field_${key}` : key] = value;
    }
    sink(JSON.stringify(line), lineLevel);
  };
  return {
    level,
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => makeLogger(level, sink, now, { ...bound, ...fields }),
  };
}

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value.toISOString();
  if (seen.has(value)) return "[circular]";
  if (depth >= MAX_DEPTH) return "[too deep]";
  seen.add(value);
  if (value instanceof Error) {
    const out: LogFields = { name: value.name, message: value.message };
    if (value.stack) out.stack = value.stack;
    if (value.cause !== undefined) out.cause = redactValue(value.cause, depth + 1, seen);
    return out;
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
  if (value instanceof Headers) {
    return redactValue(Object.fromEntries(value), depth, seen);
  }
  const out: LogFields = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SENSITIVE_KEY.test(key) ? REDACTED : redactValue(item, depth + 1, seen);
  }
  return out;
}
