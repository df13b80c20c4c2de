/**
 * `page()` and `createDefine()`: identity helpers that let TypeScript infer
 * `ctx` and a page's `data` from its handler, as in Fresh 2.
 */
import type { ComponentType, VNode } from "preact";
import {
  type AppProps,
  type HandlerByMethod,
  type HandlerFn,
  type HandlerResult,
  type LayoutProps,
  type Middleware,
  PAGE_RESPONSE,
  type PageComponent,
  type PageProps,
  type PageResponse,
  type RouteHandler,
} from "./types.ts";

/**
 * Tells the dispatcher to render the route's default component with `data`.
 *
 * @example
 * ```ts
 * return page({ host }, { status: 201, headers: { "x-thing": "1" } });
 * ```
 */
export function page<Data>(
  data: Data,
  init: { status?: number; headers?: HeadersInit } = {},
): PageResponse<Data> {
  return { [PAGE_RESPONSE]: true, data, status: init.status, headers: init.headers };
}

/** True when a handler returned `page(...)` rather than a `Response`. */
export function isPageResponse(value: unknown): value is PageResponse<unknown> {
  return typeof value === "object" && value !== null && PAGE_RESPONSE in value;
}

/** Extracts the page data type from a handler, for `define.page<typeof handler>`. */
export type DataOf<H> = H extends HandlerFn<infer D, infer _S> ? D
  : H extends HandlerByMethod<infer D, infer _S> ? D
  : never;

// A handler may answer some requests with a Response (a redirect): only page() results carry data.
type PageData<R> = R extends Response ? never : R extends HandlerResult<infer D> ? D : never;
type HandlerData<H> = H extends (...args: never[]) => infer R ? PageData<Awaited<R>>
  : H extends Record<string, unknown> ? { [K in keyof H]: HandlerData<H[K]> }[keyof H]
  : never;

export interface Define<State> {
  handlers<H extends RouteHandler<unknown, State>>(handlers: H): H;
  page<H = never>(
    component: PageComponent<PageProps<HandlerData<H>, State>>,
  ): PageComponent<PageProps<HandlerData<H>, State>>;
  middleware<M extends Middleware<State> | Middleware<State>[]>(mw: M): M;
  layout(component: (props: LayoutProps<State>) => VNode | null): ComponentType<LayoutProps<State>>;
  app(component: (props: AppProps<State>) => VNode | null): ComponentType<AppProps<State>>;
}

/**
 * Makes typed identity helpers for one app state type.
 *
 * @example
 * ```ts
 * export const define = createDefine<State>();
 * export const handler = define.handlers({ GET: (ctx) => page({ n: 1 }) });
 * export default define.page<typeof handler>(({ data }) => <p>{data.n}</p>);
 * ```
 */
export function createDefine<State>(): Define<State> {
  return {
    handlers: (h) => h,
    page: (c) => c,
    middleware: (m) => m,
    layout: (c) => c,
    app: (c) => c,
  };
}
