/**
 * Everything domain code needs, opened once and passed around (never imported as a global), so
 * tests run the same code on in-memory KV, a fresh ledger and a movable clock.
 *
 * @module
 */

import type { AppConfig } from "./config.ts";
import { openKv } from "./db/kv.ts";
import { type Ledger, migrateToLatest, openLedger } from "./db/ledger/mod.ts";
import type { Logger } from "./log.ts";
import { createMailer, type Mailer } from "./mail/mailer.ts";

/** The source of "now"; tests pass a clock they can move. */
export interface Clock {
  now(): Date;
}

/** The real clock. */
export const systemClock: Clock = { now: () => new Date() };

/** Stores, config, logger, clock and the outgoing mailer. */
export interface Services {
  config: AppConfig;
  kv: Deno.Kv;
  ledger: Ledger;
  log: Logger;
  clock: Clock;
  /** SMTP from `SMTP_URL`; `configured` is false (and `send` answers 503) when it is unset. */
  mailer: Mailer;
}

/** Options of {@link openServices}. */
export interface OpenServicesOptions {
  /**
   * Bring the ledger up to date before returning (default true, so a bare machine starts with
   * no setup step). Pass false where migrations run separately (`deno task db:migrate`).
   */
  migrate?: boolean;
  /** Defaults to {@link systemClock}. */
  clock?: Clock;
}

/**
 * Opens KV and the ledger from `config` and (by default) migrates the ledger. If anything fails,
 * what was already opened is closed again.
 *
 * @example
 * ```ts
 * const log = createLogger(config.logLevel);
 * const services = await openServices(config, log);
 * try {
 *   // … serve …
 * } finally {
 *   await closeServices(services);
 * }
 * ```
 */
export async function openServices(
  config: AppConfig,
  log: Logger,
  options: OpenServicesOptions = {},
): Promise<Services> {
  const { migrate = true, clock = systemClock } = options;
  const kv = await openKv(config);
  let ledger: Ledger | undefined;
  try {
    // A long-running process: WAL checkpoints of an SQLite file run off the commit path.
    ledger = await openLedger(config.databaseUrl, {
      backgroundCheckpoints: true,
      maxConnections: config.databasePoolSize,
    });
    if (migrate) {
      const results = await migrateToLatest(ledger);
      for (const r of results) {
        log.info("ledger migration applied", { migration: r.migrationName, status: r.status });
      }
    }
    log.debug("services opened", {
      kv: config.denoKvUrl ? "kv-connect" : config.denoKvPath,
      ledger: ledger.dialect,
    });
    return { config, kv, ledger, log, clock, mailer: createMailer(config, { log }) };
  } catch (error) {
    await ledger?.close();
    kv.close();
    throw error;
  }
}

/**
 * Closes KV (which also ends `listenQueue`) and the ledger. Safe to call once per
 * {@link openServices}.
 *
 * @example
 * ```ts
 * await closeServices(services);
 * ```
 */
export async function closeServices(services: Services): Promise<void> {
  try {
    services.kv.close();
  } finally {
    await services.ledger.close();
  }
}
