/**
 * Assembles the web app from the manifest, `fresh.config.ts`, the app config
 * and the opened services. Used by `main.ts` and by tests.
 */
import type { Hono, MiddlewareHandler } from "hono";
import {
  createApp,
  describeRoutes,
  type FreshBuild,
  type FreshMode,
  resolveBuild,
} from "./fresh/mod.ts";
import { assertEveryRouteHasPolicy } from "./auth/policy.ts";
import { ROUTE_POLICIES } from "./auth/route_policies.ts";
import { routeGuard } from "./auth/guard.ts";
import manifest from "../fresh.gen.ts";
import freshConfig from "../fresh.config.ts";
import type { Services } from "./services.ts";
import { listenToJobOutcomes } from "./remediation/outcomes.ts";
import type { State } from "./state.ts";

/** The project root (where `routes/`, `islands/` and `static/` live). */
export const PROJECT_ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** One JSON access-log line per request, with its request id. */
function accessLog(services: Services): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const path = c.req.path;
    const level = path === "/healthz" || path === "/readyz" || path.includes("/_app/")
      ? "debug"
      : "info";
    services.log[level]("request", {
      requestId: c.get("requestId" as never),
      method: c.req.method,
      path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  };
}

/** The build for the app's mode: tests never bundle, production loads `_fresh/`. */
export function buildFor(mode: FreshMode): Promise<FreshBuild> {
  return resolveBuild(mode, PROJECT_ROOT, manifest);
}

/**
 * Creates the Hono app.
 *
 * @example
 * ```ts
 * const app = createWebApp(services, await buildFor("development"));
 * Deno.serve(app.fetch);
 * ```
 */
export function createWebApp(services: Services, build: FreshBuild): Hono {
  const { config } = services;
  assertEveryRouteHasPolicy(describeRoutes(manifest), ROUTE_POLICIES);
  listenToJobOutcomes(); // runs follow their jobs' results (once per process)
  return createApp<State>(manifest, {
    basePath: freshConfig.basePath,
    middleware: [accessLog(services), ...(freshConfig.middleware ?? [])],
    security: {
      publicOrigin: config.publicOrigin,
      serverTiming: config.serverTiming,
      bodyLimit: config.bodyLimitBytes,
      csrfExempt: freshConfig.csrfExempt ?? [],
    },
    build,
    staticDir: freshConfig.staticDir ? `${PROJECT_ROOT}/${freshConfig.staticDir}` : undefined,
    initState: () => ({
      services,
      theme: "system",
      buildId: build.buildId,
      dev: config.appEnv !== "production",
      auth: null,
      ip: "unknown",
    }),
    authorize: routeGuard(ROUTE_POLICIES),
    onError: (error, info) => services.log.error("unhandled error", { ...info, error }),
  });
}
