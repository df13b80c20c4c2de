/**
 * The runner's configuration file (default `/etc/vps-sentry-runner/config.json`, overridable
 * with `--config`). Every key is optional; a missing file means all defaults. Unknown keys and
 * values of the wrong type are errors that name the key, so a typo never silently falls back
 * to a default.
 *
 * @module
 */

/** Default path of the configuration file. */
export const DEFAULT_CONFIG_PATH = "/etc/vps-sentry-runner/config.json";

/** The runner's settings. */
export interface RunnerConfig {
  /** Root-owned state directory (key, seq, spools, ledger), mode 0700. */
  stateDir: string;
  /** Where the agent publishes `status.json`, `last.json` and `diff.json`. */
  statusDir: string;
  /** Send `last.json` in the envelope (it is not sanitized, §1.8). */
  includeLast: boolean;
  /** Send `diff.json` in the envelope. */
  includeDiff: boolean;
  /** The job allowlist (§3.4). */
  allowlistPath: string;
  /** The local kill switch: while this path exists every job is refused (§3.3 check 12). */
  killSwitchPath: string;
  /** Owner uid the allowlist file and every executable must have (root: 0). */
  trustedUid: number;
  /** Local maximum of the per-stream output tail, bytes (a job may ask for less). */
  maxOutputBytes: number;
  /** Time between SIGTERM and SIGKILL of a timed-out step, ms. */
  killGraceMs: number;
  /** Long-poll `wait` of `GET /api/agent/jobs`, seconds (0-25). */
  pollWaitSec: number;
  /** Jobs waiting behind the running one. */
  maxQueuedJobs: number;
  /** Snapshot spool bound: entries. */
  spoolMaxEntries: number;
  /** Snapshot spool bound: bytes. */
  spoolMaxBytes: number;
  /** Result spool bound: entries (the oldest is dropped beyond it). */
  resultSpoolMax: number;
  /** Total time of one HTTP request (except the long poll, which gets `wait + 10` s), ms. */
  requestTimeoutMs: number;
  /** Backoff: `random(0, min(cap, base × 2^attempt))`, at least `min`, ms. */
  retryBaseMs: number;
  retryCapMs: number;
  retryMinMs: number;
  /** How long `push` keeps retrying before it leaves the spool to `run`/the drain timer, s. */
  pushMaxWaitSec: number;
  /**
   * argv run before the fresh snapshot that follows a succeeded execute job (§3.7), so the
   * snapshot is newly collected; null to push the current `status.json` as it is.
   */
  refreshCommand: string[] | null;
  /** Timeout of {@link refreshCommand}, ms. */
  refreshTimeoutMs: number;
  /** Log level: debug, info, warn or error. */
  logLevel: "debug" | "info" | "warn" | "error";
}

/** The defaults: production paths, protocol limits. */
export const DEFAULT_CONFIG: Readonly<RunnerConfig> = Object.freeze({
  stateDir: "/var/lib/vps-sentry-runner",
  statusDir: "/var/lib/vps-sentry/public",
  includeLast: true,
  includeDiff: true,
  allowlistPath: "/etc/vps-sentry-runner/allowlist",
  killSwitchPath: "/etc/vps-sentry-runner/jobs.disabled",
  trustedUid: 0,
  maxOutputBytes: 65_536,
  killGraceMs: 5_000,
  pollWaitSec: 25,
  maxQueuedJobs: 20,
  spoolMaxEntries: 288,
  spoolMaxBytes: 64 * 1024 * 1024,
  resultSpoolMax: 500,
  requestTimeoutMs: 30_000,
  retryBaseMs: 5_000,
  retryCapMs: 300_000,
  retryMinMs: 1_000,
  pushMaxWaitSec: 120,
  refreshCommand: ["/usr/bin/systemctl", "start", "vps-sentry.service"],
  refreshTimeoutMs: 60_000,
  logLevel: "info",
});

/** A configuration problem; the message names the file and the key. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

type Rule = (value: unknown) => string | null;

const absPath: Rule = (v) =>
  typeof v === "string" && v.startsWith("/") && !v.includes("\0")
    ? null
    : "must be an absolute path";
const bool: Rule = (v) => typeof v === "boolean" ? null : "must be true or false";
const int = (min: number, max: number): Rule => (v) =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max
    ? null
    : `must be an integer from ${min} to ${max}`;

const RULES: Record<keyof RunnerConfig, Rule> = {
  stateDir: absPath,
  statusDir: absPath,
  includeLast: bool,
  includeDiff: bool,
  allowlistPath: absPath,
  killSwitchPath: absPath,
  trustedUid: int(0, 0xffff_fffe),
  maxOutputBytes: int(1, 262_144),
  killGraceMs: int(0, 60_000),
  pollWaitSec: int(0, 25),
  maxQueuedJobs: int(1, 1000),
  spoolMaxEntries: int(1, 100_000),
  spoolMaxBytes: int(1024, 1024 * 1024 * 1024),
  resultSpoolMax: int(1, 100_000),
  requestTimeoutMs: int(100, 600_000),
  retryBaseMs: int(1, 3_600_000),
  retryCapMs: int(1, 3_600_000),
  retryMinMs: int(0, 3_600_000),
  pushMaxWaitSec: int(0, 3600),
  refreshCommand: (v) =>
    v === null || (Array.isArray(v) && v.length > 0 && v.every((a) => typeof a === "string") &&
        (v[0] as string).startsWith("/"))
      ? null
      : "must be null or an argv array whose first element is an absolute path",
  refreshTimeoutMs: int(1000, 600_000),
  logLevel: (v) =>
    ["debug", "info", "warn", "error"].includes(v as string)
      ? null
      : 'must be "debug", "info", "warn" or "error"',
};

/**
 * Validates a parsed configuration object against the rules and merges it over the defaults.
 * `source` names the file in error messages.
 *
 * @example
 * ```ts
 * parseConfig({ stateDir: "/tmp/runner" }, "test"); // defaults with stateDir replaced
 * ```
 */
export function parseConfig(input: unknown, source = "config"): RunnerConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ConfigError(`${source}: must be a JSON object`);
  }
  const out: Record<string, unknown> = { ...DEFAULT_CONFIG };
  for (const [key, value] of Object.entries(input)) {
    const rule = RULES[key as keyof RunnerConfig];
    if (!rule) {
      throw new ConfigError(
        `${source}: unknown key "${key}" (known keys: ${Object.keys(RULES).join(", ")})`,
      );
    }
    const problem = rule(value);
    if (problem) {
      throw new ConfigError(`${source}: "${key}" ${problem} (got ${JSON.stringify(value)})`);
    }
    out[key] = value;
  }
  const config = out as unknown as RunnerConfig;
  if (config.retryMinMs > config.retryCapMs) {
    throw new ConfigError(`${source}: "retryMinMs" must not exceed "retryCapMs"`);
  }
  return config;
}

/**
 * Loads the configuration file; a missing file gives the defaults unless `required` (an
 * explicit `--config`). `overrides` (command-line options) are validated the same way.
 *
 * @example
 * ```ts
 * const config = await loadConfig("/etc/vps-sentry-runner/config.json", { statusDir: "/tmp/s" });
 * ```
 */
export async function loadConfig(
  path: string = DEFAULT_CONFIG_PATH,
  overrides: Partial<RunnerConfig> = {},
  required = false,
): Promise<RunnerConfig> {
  let parsed: unknown = {};
  try {
    const text = await Deno.readTextFile(path);
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`);
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if (!(error instanceof Deno.errors.NotFound) || required) {
      throw new ConfigError(`${path}: cannot read the configuration file (${error})`);
    }
  }
  const base = parseConfig(parsed, path);
  return parseConfig({ ...stripDefaults(base), ...overrides }, `${path} + command line`);
}

/** The members of `config` that differ from the defaults (so a re-parse keeps them). */
function stripDefaults(config: RunnerConfig): Partial<RunnerConfig> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (JSON.stringify(value) !== JSON.stringify(DEFAULT_CONFIG[key as keyof RunnerConfig])) {
      out[key] = value;
    }
  }
  return out as Partial<RunnerConfig>;
}
