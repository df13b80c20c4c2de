/**
 * The runner's log: one JSON object per line on stderr (journald keeps it), with a level, an
 * event name and fields. Tests collect the lines instead.
 *
 * @module
 */

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** A structured logger. */
export interface Logger {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** One log record. */
export interface LogRecord {
  ts: string;
  level: LogLevel;
  event: string;
  [field: string]: unknown;
}

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * A logger writing records at `level` and above to `sink` (default: JSON lines on stderr).
 *
 * @example
 * ```ts
 * const lines: LogRecord[] = [];
 * const log = createLogger("debug", (r) => lines.push(r));
 * log.warn("spool_overflow", { seq: 118 });
 * ```
 */
export function createLogger(
  level: LogLevel = "info",
  sink: (record: LogRecord) => void = (r) => console.error(JSON.stringify(r)),
): Logger {
  const write = (l: LogLevel) => (event: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[l] < ORDER[level]) return;
    sink({ ts: new Date().toISOString(), level: l, event, ...fields });
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}
