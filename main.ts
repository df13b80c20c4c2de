/**
 * Entry point: config → logger → stores (+ migrations) → client build → app →
 * jobs → Deno.serve. SIGINT/SIGTERM stop accepting, finish in-flight requests
 * and job runs, and close the stores.
 */
import { type AppConfig, loadConfig, resolveAppSecret } from "./lib/config.ts";
import { createLogger, type Logger } from "./lib/log.ts";
import { closeServices, openServices, type Services } from "./lib/services.ts";
import { buildFor, createWebApp } from "./lib/web_app.ts";
import { registerJobs } from "./jobs/mod.ts";

export interface RunningServer {
  services: Services;
  server: Deno.HttpServer<Deno.NetAddr>;
  /** Graceful stop; idempotent. */
  shutdown(reason: string): Promise<void>;
}

/**
 * Boots the whole app. `jobs: false` leaves out crons and the queue listener
 * (tests that start several servers in one process).
 *
 * @example
 * ```ts
 * const running = await boot(loadConfig(), createLogger("info"));
 * await running.shutdown("done");
 * ```
 */
export async function boot(
  config: AppConfig,
  log: Logger,
  opts: { jobs?: boolean } = {},
): Promise<RunningServer> {
  const started = performance.now();
  const secret = await resolveAppSecret(config, log);
  const services = await openServices({ ...config, appSecret: secret }, log);
  const build = await buildFor(config.appEnv === "production" ? "production" : "development");
  const app = createWebApp(services, build);
  const stop = new AbortController();
  const jobs = opts.jobs !== false ? registerJobs(services, stop.signal) : null;
  const server = Deno.serve({
    hostname: config.hostname,
    port: config.port,
    onListen: (addr) =>
      log.info("listening", {
        url: `http://${addr.hostname}:${addr.port}`,
        publicUrl: config.appUrl,
        buildId: build.buildId,
        ledger: services.ledger.dialect,
        bootMs: Math.round(performance.now() - started),
      }),
  }, app.fetch);

  let stopping: Promise<void> | null = null;
  const shutdown = (reason: string) =>
    stopping ??= (async () => {
      log.info("shutting down", { reason });
      stop.abort();
      const timeout = setTimeout(() => {
        log.warn("in-flight requests did not finish in time; closing", {
          timeoutMs: config.shutdownTimeoutMs,
        });
        server.unref();
      }, config.shutdownTimeoutMs);
      await server.shutdown();
      clearTimeout(timeout);
      // Cron runs and queue messages in progress finish before the stores close (bounded:
      // an unfinished one is retried after the restart; every job is idempotent).
      if (jobs) await settleWithin(jobs.idle(), config.shutdownTimeoutMs, log);
      await closeServices(services);
      log.info("stopped");
    })();
  return { services, server, shutdown };
}

/** Waits for `work`, at most `ms`; says so when it gives up. */
async function settleWithin(work: Promise<void>, ms: number, log: Logger): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), ms));
  const outcome = await Promise.race([work.then(() => "done" as const), late]);
  clearTimeout(timer);
  if (outcome === "late") log.warn("jobs still running at shutdown; closing", { timeoutMs: ms });
}

if (import.meta.main) {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    Deno.exit(1);
  }
  const log = createLogger(config.logLevel);
  try {
    const running = await boot(config, log);
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, () => {
        running.shutdown(signal).then(() => Deno.exit(0), (e) => {
          log.error("shutdown failed", { error: e });
          Deno.exit(1);
        });
      });
    }
  } catch (e) {
    log.error("start-up failed", { error: e });
    Deno.exit(1);
  }
}
