/**
 * Public types of the Fresh-compatible layer: what route, layout, middleware and
 * island code sees. Mirrors Fresh 2's handler API on top of Hono.
 */
import type { ComponentType, VNode } from "preact";
import type { Context as HonoContext } from "hono";

/** HTTP methods a route handler object may define (uppercase, as in Fresh). */
export const HANDLER_METHODS = [
  "GET",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "HEAD",
  "OPTIONS",
] as const;
export type Method = typeof HANDLER_METHODS[number];

/** Redirect statuses accepted by `ctx.redirect`. */
export type RedirectStatus = 301 | 302 | 303 | 307 | 308;

/** The one per-request object handed to middleware and handlers. */
export interface FreshContext<State = Record<string, unknown>> {
  readonly req: Request;
  readonly url: URL;
  /** Decoded params; an absent `[[optional]]` or empty `[...rest]` is `""`. */
  readonly params: Record<string, string>;
  /** The matched pattern, e.g. `/hosts/:hostId`; `null` outside a route. */
  readonly route: string | null;
  readonly remoteAddr?: Deno.NetAddr;
  /** Correlates logs and error pages; echoed in `X-Request-Id`. */
  readonly requestId: string;
  /** Shared by every middleware and the handler of one request. */
  state: State;
  /** Set while rendering `_404` / `_500`. */
  readonly error?: unknown;
  /** Middleware only: runs the rest of the chain and returns its response. */
  next(): Promise<Response>;
  /** Renders JSX inside `_app` and the current route's layouts. */
  render(vnode: VNode, init?: ResponseInit): Promise<Response>;
  /** Same-origin redirect; refuses absolute and protocol-relative targets. */
  redirect(to: string, status?: RedirectStatus): Response;
  /** Escape hatch to the underlying Hono context. */
  readonly hono: HonoContext;
}

/** Marker for `page(data)` results, told apart from a `Response`. */
export const PAGE_RESPONSE: unique symbol = Symbol.for("fresh.page");

/** What `page(data, init)` returns: the default component renders `data`. */
export interface PageResponse<Data> {
  readonly [PAGE_RESPONSE]: true;
  readonly data: Data;
  readonly status?: number;
  readonly headers?: HeadersInit;
}

export type HandlerResult<Data> = Response | PageResponse<Data>;

export type HandlerFn<Data = unknown, State = Record<string, unknown>> = (
  ctx: FreshContext<State>,
) => HandlerResult<Data> | Promise<HandlerResult<Data>>;

export type HandlerByMethod<Data = unknown, State = Record<string, unknown>> = {
  [M in Method]?: HandlerFn<Data, State>;
};

export type RouteHandler<Data = unknown, State = Record<string, unknown>> =
  | HandlerFn<Data, State>
  | HandlerByMethod<Data, State>;

export type Middleware<State = Record<string, unknown>> = (
  ctx: FreshContext<State>,
) => Response | Promise<Response>;

/** Props of a page component. */
export interface PageProps<Data = unknown, State = Record<string, unknown>> {
  data: Data;
  url: URL;
  params: Record<string, string>;
  state: State;
  route: string | null;
}

/** Props of `_app`. */
export interface AppProps<State = Record<string, unknown>> {
  Component: ComponentType;
  state: State;
  url: URL;
}

/** Props of a `_layout`. */
export interface LayoutProps<State = Record<string, unknown>> {
  Component: ComponentType;
  state: State;
  url: URL;
  params: Record<string, string>;
  data: unknown;
}

/** Props of `_404` and `_500`. */
export interface ErrorPageProps<State = Record<string, unknown>> {
  error: unknown;
  status: number;
  message: string;
  requestId: string;
  url: URL;
  state: State;
}

/** `export const config` of a route or layout module. */
export interface RouteConfig {
  skipInheritedLayouts?: boolean;
  skipAppWrapper?: boolean;
}

/** A page component: sync, or async (Fresh's async routes; no hooks then). */
export type PageComponent<P> = (props: P) => VNode | null | Promise<VNode | null>;

/** Shape of any module under `routes/` as the manifest imports it. */
export interface RouteModule {
  /** A page component, or a middleware (array) in `_middleware`; validated at startup. */
  default?: unknown;
  handler?: unknown;
  config?: unknown;
  [key: string]: unknown;
}

/** The generated `fresh.gen.ts` default export. */
export interface Manifest {
  routes: Record<string, RouteModule>;
  islands: Record<string, Record<string, unknown>>;
  baseUrl: string;
}
