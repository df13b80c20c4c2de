/**
 * `fresh.config.ts` types and the build each mode uses: development bundles
 * in memory at startup, production loads `_fresh/`, tests use a stub.
 */
import type { MiddlewareHandler } from "hono";
import { bundleIslands, type FreshBuild, loadBuild, stubBuild } from "./build.ts";
import type { Manifest } from "./types.ts";

export interface FreshConfig {
  /** Mount point such as `/sentry`; no trailing slash. Empty: the root. */
  basePath?: string;
  /** Folder of static files, relative to the project root. */
  staticDir?: string;
  /** Path prefixes authenticated by key or signature, exempt from the browser CSRF check. */
  csrfExempt?: string[];
  /** Plain Hono middleware, run after the security preset on every request. */
  middleware?: MiddlewareHandler[];
}

export type FreshMode = "development" | "production" | "test";

/**
 * Checks and returns the web-layer configuration.
 *
 * @example
 * ```ts
 * export default defineConfig({ staticDir: "static", csrfExempt: ["/api/agent"] });
 * ```
 */
export function defineConfig(config: FreshConfig): FreshConfig {
  const base = config.basePath ?? "";
  if (base !== "" && (!base.startsWith("/") || base.endsWith("/"))) {
    throw new Error(
      `fresh.config.ts: basePath "${base}" must start with "/" and not end with "/".`,
    );
  }
  for (const p of config.csrfExempt ?? []) {
    if (!p.startsWith("/")) {
      throw new Error(`fresh.config.ts: csrfExempt entry "${p}" must start with "/".`);
    }
  }
  return config;
}

/** Island source files of a manifest, relative to the project (`islands/Clock.tsx`). */
export function islandFiles(manifest: Manifest): string[] {
  return Object.keys(manifest.islands).map((f) => f.replace(/^\.\//, ""));
}

/**
 * The client build for a mode.
 *
 * @example
 * ```ts
 * const build = await resolveBuild("development", root, manifest);
 * ```
 */
export async function resolveBuild(
  mode: FreshMode,
  root: string,
  manifest: Manifest,
): Promise<FreshBuild> {
  if (mode === "test") return stubBuild();
  if (mode === "production") return await loadBuild(`${root.replace(/\/$/, "")}/_fresh`);
  return await bundleIslands({ root, islandFiles: islandFiles(manifest), mode: "development" });
}
