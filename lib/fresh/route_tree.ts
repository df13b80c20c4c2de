/**
 * Loads the manifest's route modules into a validated tree: routes in
 * precedence order with their layouts, group middleware and handlers.
 * Every mistake a route file can make is reported here, at startup.
 */
import type { ComponentType } from "preact";
import type { MiddlewareHandler } from "hono";
import {
  groupMiddlewareFor,
  honoPatterns,
  layoutsFor,
  parseRouteFile,
  prefixMiddleware,
  type RouteFile,
  RouteTreeError,
  sortRoutes,
} from "./fs_routes.ts";
import { adaptMiddleware, type ContextDeps } from "./context.ts";
import { page } from "./define.ts";
import {
  HANDLER_METHODS,
  type HandlerByMethod,
  type HandlerFn,
  type Manifest,
  type Method,
  type Middleware,
  type RouteConfig,
  type RouteModule,
} from "./types.ts";

// deno-lint-ignore no-explicit-any -- props of user components vary
type AnyComponent = ComponentType<any>;

/** What wraps a page: layouts (outer to inner) and whether `_app` is skipped. */
export interface Chrome {
  layouts: AnyComponent[];
  skipApp: boolean;
}

/** One route ready to register. */
export interface RouteEntry extends Chrome {
  file: string;
  patterns: string[];
  paramNames: string[];
  handler: HandlerFn<unknown, unknown> | HandlerByMethod<unknown, unknown>;
  page: AnyComponent | null;
  groupMiddleware: Middleware<unknown>[];
}

export interface RouteTree {
  app: AnyComponent | null;
  routes: RouteEntry[];
  notFoundPage: AnyComponent | null;
  errorPage: AnyComponent | null;
  /** `_404`/`_500` get `_app` and the root layout only. */
  errorChrome: Chrome;
  prefixMiddleware<S>(deps: ContextDeps<S>): Array<{ path: string; handler: MiddlewareHandler }>;
}

const CONFIG_KEYS = new Set(["skipInheritedLayouts", "skipAppWrapper"]);

function readConfig(file: string, mod: RouteModule): RouteConfig {
  const config = mod.config;
  if (config === undefined) return {};
  if (typeof config !== "object" || config === null) {
    throw new RouteTreeError(`${file}: export const config must be an object.`);
  }
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.has(key)) {
      throw new RouteTreeError(
        `${file}: unknown config key "${key}". Allowed: ${[...CONFIG_KEYS].join(", ")}.`,
      );
    }
  }
  return config as RouteConfig;
}

function readHandler(file: string, mod: RouteModule): RouteEntry["handler"] {
  const { handler } = mod;
  if (handler === undefined) {
    if (!mod.default) {
      throw new RouteTreeError(`${file}: a route exports a default component, a handler, or both.`);
    }
    return { GET: () => page(undefined) };
  }
  if (typeof handler === "function") {
    if (handler.length >= 2) {
      throw new RouteTreeError(`${file}: Fresh 1.x (req, ctx) handler: use (ctx) and ctx.req.`);
    }
    return handler as HandlerFn<unknown, unknown>;
  }
  if (typeof handler !== "object" || handler === null) {
    throw new RouteTreeError(`${file}: handler must be a function or an object of methods.`);
  }
  for (const [key, fn] of Object.entries(handler)) {
    if (!(HANDLER_METHODS as readonly string[]).includes(key)) {
      const hint = (HANDLER_METHODS as readonly string[]).includes(key.toUpperCase())
        ? ` Write it in uppercase: ${key.toUpperCase()}.`
        : ` Allowed: ${HANDLER_METHODS.join(", ")}.`;
      throw new RouteTreeError(`${file}: handler key "${key}" is not an HTTP method.${hint}`);
    }
    if (typeof fn !== "function") {
      throw new RouteTreeError(`${file}: handler.${key} must be a function.`);
    }
    if (fn.length >= 2) {
      throw new RouteTreeError(
        `${file}: Fresh 1.x (req, ctx) handler in ${key}: use (ctx) and ctx.req.`,
      );
    }
  }
  return handler as HandlerByMethod<unknown, unknown>;
}

function middlewareOf(file: string, mod: RouteModule): Middleware<unknown>[] {
  const list = Array.isArray(mod.default) ? mod.default : [mod.default];
  for (const mw of list) {
    if (typeof mw !== "function") {
      throw new RouteTreeError(
        `${file}: export default a middleware function or an array of them.`,
      );
    }
    if (mw.length >= 2) {
      throw new RouteTreeError(
        `${file}: Fresh 1.x (req, ctx) middleware: use (ctx) and ctx.next().`,
      );
    }
  }
  return list as Middleware<unknown>[];
}

/**
 * Validates and loads the manifest's routes.
 *
 * @example
 * ```ts
 * const tree = loadRouteTree(manifest);
 * tree.routes.map((r) => r.patterns[0]); // ["/", "/hosts", "/hosts/:hostId", …]
 * ```
 */
export function loadRouteTree(manifest: Manifest): RouteTree {
  const files: RouteFile[] = Object.keys(manifest.routes).map(parseRouteFile);
  const mod = (f: RouteFile) => manifest.routes[f.file];
  const component = (
    f: RouteFile | undefined,
  ) => (f ? (mod(f).default as AnyComponent) ?? null : null);
  const find = (kind: RouteFile["kind"]) => files.find((f) => f.kind === kind);
  const rootLayouts = files.filter((f) => f.kind === "layout" && f.dirs.length === 0);

  const routes = sortRoutes(files).map((route): RouteEntry => {
    const m = mod(route);
    const config = readConfig(route.file, m);
    let layouts = config.skipInheritedLayouts ? [] : layoutsFor(route, files);
    const cut = layouts.findLastIndex((l) => readConfig(l.file, mod(l)).skipInheritedLayouts);
    if (cut > 0) layouts = layouts.slice(cut);
    return {
      file: route.file,
      patterns: honoPatterns(route.segments),
      paramNames: route.segments.flatMap((s) => s.kind === "static" ? [] : [s.name]),
      handler: readHandler(route.file, m),
      page: (m.default as AnyComponent | undefined) ?? null,
      layouts: layouts.map((l) => component(l)!),
      skipApp: config.skipAppWrapper === true,
      groupMiddleware: groupMiddlewareFor(route, files).flatMap((f) =>
        middlewareOf(f.file, mod(f))
      ),
    };
  });

  return {
    app: component(find("app")),
    routes,
    notFoundPage: component(find("404")),
    errorPage: component(find("500")),
    errorChrome: { layouts: rootLayouts.map((l) => component(l)!), skipApp: false },
    prefixMiddleware: (deps) =>
      prefixMiddleware(files).map(({ path, file }) => ({
        path,
        handler: adaptMiddleware(middlewareOf(file.file, mod(file)), deps as ContextDeps<unknown>),
      })),
  };
}

/** A route file and the methods it answers (`"ALL"` for a handler function). */
export interface RouteDescription {
  file: string;
  pattern: string;
  methods: Method[] | "ALL";
}

/**
 * Lists every route of a manifest with its methods, for checks such as "every route has an
 * authorization policy".
 *
 * @example
 * ```ts
 * describeRoutes(manifest).find((r) => r.pattern === "/healthz")?.methods; // ["GET"]
 * ```
 */
export function describeRoutes(manifest: Manifest): RouteDescription[] {
  return loadRouteTree(manifest).routes.map((r) => ({
    file: r.file,
    pattern: r.patterns[0],
    methods: typeof r.handler === "function"
      ? "ALL"
      : HANDLER_METHODS.filter((m) =>
        typeof (r.handler as HandlerByMethod<unknown, unknown>)[m] === "function"
      ),
  }));
}
