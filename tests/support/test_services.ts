/**
 * Real services for tests: in-memory KV, an in-memory SQLite ledger, a logger that collects
 * its lines, and a clock the test moves.
 */
import { loadConfig } from "@/lib/config.ts";
import { createLogger, type LogLevel } from "@/lib/log.ts";
import type { Mailer } from "@/lib/mail/mailer.ts";
import { type Clock, openServices, type Services } from "@/lib/services.ts";

/** A clock that only moves when told. */
export interface TestClock extends Clock {
  set(at: Date | string): void;
  advance(ms: number): void;
}

/** A {@link TestClock} starting at `start`. */
export function testClock(start: Date | string = "2026-11-25T10:00:00.000Z"): TestClock {
  let current = new Date(start).getTime();
  return {
    now: () => new Date(current),
    set: (at) => {
      current = new Date(at).getTime();
    },
    advance: (ms) => {
      current += ms;
    },
  };
}

/** Services plus what the test inspects; `using`-friendly. */
export interface TestServices extends Services, AsyncDisposable {
  clock: TestClock;
  /** Every log line, parsed. */
  logLines: Record<string, unknown>[];
}

/**
 * Opens test services. `migrate: false` leaves the ledger unmigrated. The mailer is the real one
 * from config: unconfigured unless `env.SMTP_URL` is set (point it at `startSmtpServer()` from
 * `tests/support/smtp.ts`); `mailer` replaces it.
 *
 * @example
 * ```ts
 * await using services = await openTestServices();
 * await using smtp = await startSmtpServer();
 * await using mailing = await openTestServices({ env: { SMTP_URL: smtp.url } });
 * ```
 */
export async function openTestServices(
  options: {
    migrate?: boolean;
    logLevel?: LogLevel;
    env?: Record<string, string>;
    mailer?: Mailer;
  } = {},
): Promise<TestServices> {
  const config = loadConfig({
    APP_ENV: "test",
    DENO_KV_PATH: ":memory:",
    DATABASE_URL: "file::memory:",
    APP_SECRET: "test-secret-test-secret-test-secret-0123",
    // The real KDF at a cost that keeps tests fast; production defaults to 15.
    PASSWORD_HASH_COST: "10",
    ...options.env,
  });
  const logLines: Record<string, unknown>[] = [];
  const log = createLogger(options.logLevel ?? "debug", (line) => logLines.push(JSON.parse(line)));
  const clock = testClock();
  const services = await openServices(config, log, { migrate: options.migrate, clock });
  let closed = false;
  return {
    ...services,
    mailer: options.mailer ?? services.mailer,
    clock,
    logLines,
    async [Symbol.asyncDispose]() {
      if (closed) return;
      closed = true;
      try {
        services.kv.close();
      } catch {
        // The test closed KV itself.
      }
      await services.ledger.close();
    },
  };
}
