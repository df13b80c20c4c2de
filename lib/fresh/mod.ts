/**
 * The Fresh-compatible web layer: what the app imports.
 * See `docs/` and the design note `fresh-layer.md`.
 */
export { allowedMethods, createApp, type CreateAppOptions, type RouteInfo } from "./app.ts";
export { describeRoutes, type RouteDescription } from "./route_tree.ts";
export { createDefine, type DataOf, type Define, isPageResponse, page } from "./define.ts";
export { type ErrorBody, errorBody, HttpError, type HttpErrorOptions } from "./errors.ts";
export { defineConfig, type FreshConfig, type FreshMode, resolveBuild } from "./config.ts";
export { type FreshBuild, stubBuild } from "./build.ts";
export { asset } from "./static.ts";
export type { SecurityConfig } from "./security.ts";
export type * from "./types.ts";
