/**
 * `createApp(manifest, options)`: registers the security preset, assets,
 * guards, middleware and routes on Hono in the order `fresh-layer.md` §2.6 gives.
 */
import { type Context as HonoContext, Hono, type MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { setMetric } from "hono/timing";
import { h, type VNode } from "preact";
import { type ContextDeps, contextFor, runComposed, toHonoResponse } from "./context.ts";
import { errorBody, HttpError } from "./errors.ts";
import { bodyLimit, csrfGuard, type SecurityConfig, securityPreset } from "./security.ts";
import { serveBuildAssets, serveStaticDir } from "./static.ts";
import type { FreshBuild } from "./build.ts";
import { renderDocument } from "./render.ts";
import { registerIslandModule } from "./islands.ts";
import { isPageResponse } from "./define.ts";
import { type Chrome, loadRouteTree, type RouteEntry } from "./route_tree.ts";
import { HANDLER_METHODS, type Manifest, type Method } from "./types.ts";
import type { ErrorPageProps, FreshContext, HandlerFn, HandlerResult } from "./types.ts";

/** Options of `createApp`. */
export interface CreateAppOptions<State> {
  /** Mount point, e.g. `/sentry`; empty for the root. */
  basePath?: string;
  /** Plain Hono middleware from `fresh.config.ts`, run after the security preset. */
  middleware?: MiddlewareHandler[];
  security: SecurityConfig;
  /** The client build: development bundle, loaded `_fresh/`, or `stubBuild()` in tests. */
  build: FreshBuild;
  /** Absolute path of `static/`; omitted: no static files. */
  staticDir?: string;
  /** A fresh `state` object per request. */
  initState: (req: Request) => State;
  /**
   * Runs before a route's group middleware and handler: throw `HttpError` to deny, or return a
   * `Response` (a redirect) to answer instead. Root and folder middleware have run already.
   */
  authorize?: (
    ctx: FreshContext<State>,
    route: RouteInfo,
  ) => void | Response | Promise<void | Response>;
  /** Called for every unexpected error (never shown to the client). */
  onError?: (error: unknown, info: { requestId: string; method: string; path: string }) => void;
}

/** What `authorize` learns about the matched route. */
export interface RouteInfo {
  /** Manifest key, e.g. `./routes/api/hosts/[hostId].ts`. */
  file: string;
  /** Hono pattern, e.g. `/api/hosts/:hostId`. */
  pattern: string;
  method: string;
}

type Renderer = (
  ctx: FreshContext<unknown>,
  content: VNode,
  init?: ResponseInit,
  data?: unknown,
) => Response;

const AsyncFunction = (async () => {}).constructor;

/** Allowed methods of a handler object: defined ones, plus HEAD when GET exists. */
export function allowedMethods(handler: Partial<Record<Method, unknown>>): Method[] {
  const defined = new Set(HANDLER_METHODS.filter((m) => typeof handler[m] === "function"));
  if (defined.has("GET")) defined.add("HEAD");
  return HANDLER_METHODS.filter((m) => defined.has(m));
}

/**
 * Builds the Hono app for a manifest.
 *
 * @example
 * ```ts
 * const app = createApp(manifest, { security, build: stubBuild(), initState: () => ({}) });
 * const res = await app.request("/healthz");
 * ```
 */
export function createApp<State>(manifest: Manifest, opts: CreateAppOptions<State>): Hono {
  const basePath = (opts.basePath ?? "").replace(/\/$/, "");
  const tree = loadRouteTree(manifest);
  for (const [file, mod] of Object.entries(manifest.islands)) registerIslandModule(file, mod);

  const rendererFor = (chrome: Chrome): Renderer => (ctx, content, init, data) => {
    const started = performance.now();
    const page = renderDocument({
      app: chrome.skipApp ? null : tree.app,
      layouts: chrome.layouts,
      content,
      state: ctx.state,
      url: ctx.url,
      params: ctx.params,
      data,
      build: opts.build,
      basePath,
      nonce: (ctx.hono.get("secureHeadersNonce" as never) as string | undefined) ?? "",
    });
    setMetric(ctx.hono, "render", performance.now() - started);
    const headers = new Headers(init?.headers);
    page.headers.forEach((v, k) => headers.has(k) || headers.set(k, v));
    return new Response(page.html, { status: init?.status ?? 200, headers });
  };

  const deps: ContextDeps<State> = {
    basePath,
    initState: opts.initState,
    renderer: rendererFor(tree.errorChrome),
  };

  const root = new Hono({ strict: true });
  const app = basePath ? root.basePath(basePath) : root;

  // (1) security preset (on the root: responses outside basePath get it too), configured middleware
  for (const mw of securityPreset(opts.security)) root.use("*", mw);
  for (const mw of opts.middleware ?? []) app.use("*", mw);
  // (2) one URL per page: /x/ → /x for GET and HEAD
  app.use("*", trailingSlashRedirect(basePath));
  // (3) build assets, then static files
  app.use("*", serveBuildAssets(() => opts.build, basePath));
  if (opts.staticDir) {
    app.use("*", serveStaticDir(opts.staticDir, { buildId: () => opts.build.buildId }));
  }
  // (4) guards for routed requests
  app.use("*", csrfGuard(opts.security));
  app.use("*", bodyLimit(opts.security.bodyLimit));
  // (5) root and folder middleware, outer to inner
  for (const { path, handler } of tree.prefixMiddleware(deps)) app.use(path, handler);
  // (6) routes in precedence order
  for (const entry of tree.routes) {
    const dispatch = routeDispatcher(entry, deps, rendererFor(entry), opts.authorize);
    for (const pattern of entry.patterns) app.all(pattern, dispatch);
  }
  // (7) not found and errors
  const renderError = (c: HonoContext, err: unknown): Response => {
    const requestId = (c.get("requestId" as never) as string | undefined) ?? "";
    if (err instanceof HTTPException && !(err instanceof HttpError)) {
      err = new HttpError(err.status >= 400 ? err.status : 500, err.message || undefined, {
        cause: err,
      });
    }
    const http = err instanceof HttpError ? err : undefined;
    if (!http || http.status >= 500) {
      opts.onError?.(err, { requestId, method: c.req.method, path: c.req.path });
    }
    const { status, body } = errorBody(err, requestId);
    const headers = new Headers(http?.headers);
    headers.set("cache-control", "no-store");
    const path = c.req.path.slice(basePath.length) || "/";
    if (path === "/api" || path.startsWith("/api/")) {
      headers.set("content-type", "application/json; charset=utf-8");
      return c.newResponse(JSON.stringify(body), status as 400, Object.fromEntries(headers));
    }
    try {
      const ctx = contextFor(c, deps);
      ctx.internals.error = err;
      const Page = (status === 404 ? tree.notFoundPage : tree.errorPage) ?? DefaultErrorPage;
      const props: ErrorPageProps<unknown> = {
        error: err,
        status,
        message: body.error.message,
        requestId,
        url: ctx.url,
        state: ctx.state,
      };
      const res = rendererFor(tree.errorChrome)(ctx as FreshContext<unknown>, h(Page, props), {
        status,
        headers,
      });
      return c.newResponse(res.body, res);
    } catch (renderErr) {
      opts.onError?.(renderErr, { requestId, method: c.req.method, path: c.req.path });
      return c.newResponse(`Internal error. Request id: ${requestId}\n`, {
        status: 500,
        headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "no-store" },
      });
    }
  };
  root.notFound((c) => renderError(c, new HttpError(404)));
  root.onError((err, c) => renderError(c, err));
  return root;
}

function trailingSlashRedirect(basePath: string): MiddlewareHandler {
  return async (c, next) => {
    const path = c.req.path;
    if (path.length > 1 && path.endsWith("/") && path !== basePath + "/") {
      if (c.req.method !== "GET" && c.req.method !== "HEAD") throw new HttpError(404);
      const target = path.replace(/\/+$/, "") || "/";
      return c.redirect(target + new URL(c.req.url).search, 308);
    }
    await next();
  };
}

/** The per-route Hono handler: group middleware, method dispatch, page rendering. */
function routeDispatcher<State>(
  entry: RouteEntry,
  deps: ContextDeps<State>,
  render: Renderer,
  authorize: CreateAppOptions<State>["authorize"],
) {
  return async (c: HonoContext): Promise<Response> => {
    const ctx = contextFor(c, deps);
    const raw = c.req.param() as Record<string, string | undefined>;
    ctx.internals.params = Object.fromEntries(entry.paramNames.map((n) => [n, raw[n] ?? ""]));
    ctx.internals.route = entry.patterns[0];
    ctx.internals.renderer = render;
    // An unsupported method is a 405 with Allow, before the policy check (which has no entry
    // for a method the route does not implement).
    const fn = pickHandler(entry, c.req.method);
    const denied = await authorize?.(ctx, {
      file: entry.file,
      pattern: entry.patterns[0],
      method: c.req.method,
    });
    if (denied) return toHonoResponse(c, denied);
    const res = await runComposed(ctx, entry.groupMiddleware as never[], async () => {
      const result = await fn(ctx as FreshContext<unknown>);
      return await toResponse(entry, ctx as FreshContext<unknown>, result, render);
    });
    return toHonoResponse(c, res);
  };
}

function pickHandler(entry: RouteEntry, method: string): HandlerFn<unknown, unknown> {
  const { handler } = entry;
  if (typeof handler === "function") return handler;
  const m = method.toUpperCase() as Method;
  const fn = handler[m] ?? (m === "HEAD" ? handler.GET : undefined);
  if (fn) return fn;
  const allow = allowedMethods(handler);
  throw new HttpError(405, `Use ${allow.join(", ")} on this URL.`, {
    headers: { allow: allow.join(", ") },
    details: { allow },
  });
}

async function toResponse(
  entry: RouteEntry,
  ctx: FreshContext<unknown>,
  result: HandlerResult<unknown>,
  render: Renderer,
): Promise<Response> {
  if (result instanceof Response) return result;
  if (!isPageResponse(result)) {
    throw new Error(`${entry.file}: a handler must return a Response or page(data).`);
  }
  const Page = entry.page;
  if (!Page) {
    throw new Error(
      `${entry.file}: the handler returned page() but the route has no default component.`,
    );
  }
  const props = {
    data: result.data,
    url: ctx.url,
    params: ctx.params,
    state: ctx.state,
    route: ctx.route,
  };
  // Async pages load their data here; rendering itself stays synchronous.
  const content = Page instanceof AsyncFunction
    ? ((await (Page as (p: typeof props) => Promise<VNode | null>)(props)) ?? h("main", null))
    : h(Page, props);
  return render(ctx, content, { status: result.status, headers: result.headers }, result.data);
}

function DefaultErrorPage(props: ErrorPageProps<unknown>): VNode {
  return h(
    "main",
    null,
    h("h1", null, String(props.status)),
    h("p", null, props.message),
    h("p", null, `Request id: ${props.requestId}`),
  );
}
