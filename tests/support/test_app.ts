/** The real web app over test services (in-memory KV and SQLite ledger). */
import type { Hono } from "hono";
import { buildFor, createWebApp } from "@/lib/web_app.ts";
import type { FreshMode } from "@/lib/fresh/mod.ts";
import { openTestServices, type TestServices } from "./test_services.ts";

/**
 * `mode: "development"` bundles the islands (browser tests); the default stub build does not.
 *
 * @example
 * ```ts
 * await using t = await createTestApp();
 * const res = await t.app.request("/healthz");
 * ```
 */
export async function createTestApp(
  opts: { env?: Record<string, string>; mode?: FreshMode; migrate?: boolean } = {},
): Promise<{ app: Hono; services: TestServices } & AsyncDisposable> {
  const services = await openTestServices({
    env: opts.env,
    migrate: opts.migrate,
    logLevel: "warn",
  });
  const app = createWebApp(services, await buildFor(opts.mode ?? "test"));
  return { app, services, [Symbol.asyncDispose]: () => services[Symbol.asyncDispose]() };
}
