/**
 * What every runner operation gets: its configuration, a logger, and the clock, randomness,
 * `fetch` and `sleep` it uses, so tests can replace them.
 *
 * @module
 */

import type { RunnerConfig } from "./config.ts";
import { createLogger, type Logger } from "./log.ts";

/** The runner's environment. */
export interface RunnerContext {
  config: RunnerConfig;
  log: Logger;
  /** Current time, ms since the epoch. */
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
  fetch: typeof fetch;
  /** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Sleeps `ms`, returning early when `signal` aborts.
 *
 * @example
 * ```ts
 * await sleep(1000, controller.signal);
 * ```
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * A context over the real clock, `fetch` and `Math.random`, with `overrides` applied.
 *
 * @example
 * ```ts
 * const ctx = createContext(await loadConfig());
 * ```
 */
export function createContext(
  config: RunnerConfig,
  overrides: Partial<Omit<RunnerContext, "config">> = {},
): RunnerContext {
  return {
    config,
    log: createLogger(config.logLevel),
    now: () => Date.now(),
    random: Math.random,
    fetch: (input, init) => fetch(input, init),
    sleep,
    ...overrides,
  };
}

/**
 * The §2.8 backoff with full jitter: `random(0, min(cap, base × 2^attempt))`, at least `min`.
 * `attempt` is 0 for the first retry.
 *
 * @example
 * ```ts
 * backoffMs(ctx, 3); // somewhere in [1000, 40000] with the defaults
 * ```
 */
export function backoffMs(ctx: RunnerContext, attempt: number): number {
  const { retryBaseMs, retryCapMs, retryMinMs } = ctx.config;
  const ceiling = Math.min(retryCapMs, retryBaseMs * 2 ** Math.min(attempt, 40));
  return Math.max(retryMinMs, Math.floor(ctx.random() * ceiling));
}
