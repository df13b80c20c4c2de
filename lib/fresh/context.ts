/**
 * The Fresh-style `ctx` on top of Hono's context: one object per request,
 * kept on the Hono context so `state` is shared by all middleware and the handler.
 */
import type { Context as HonoContext, MiddlewareHandler } from "hono";
import type { VNode } from "preact";
import { HttpError } from "./errors.ts";
import type { FreshContext, Middleware, RedirectStatus } from "./types.ts";

/** How `ctx.render` renders a vnode; supplied by the app for the current route. */
export type VNodeRenderer = (
  ctx: FreshContext<unknown>,
  vnode: VNode,
  init?: ResponseInit,
) => Response;

/** Internal, mutable side of a context, used only by the layer. */
export interface ContextInternals {
  params: Record<string, string>;
  route: string | null;
  error?: unknown;
  renderer: VNodeRenderer;
  /** Layout chain of the route being served; set by the dispatcher. */
  routeData?: unknown;
}

/** Options from the app needed to build a context. */
export interface ContextDeps<State> {
  basePath: string;
  initState: (req: Request) => State;
  renderer: VNodeRenderer;
}

const KEY = "fresh";

class Ctx<State> implements FreshContext<State> {
  readonly url: URL;
  state: State;
  readonly internals: ContextInternals;
  next: () => Promise<Response> = () => {
    throw new Error("ctx.next() is only available in middleware");
  };

  constructor(readonly hono: HonoContext, private readonly deps: ContextDeps<State>) {
    this.url = new URL(hono.req.url);
    this.state = deps.initState(hono.req.raw);
    this.internals = { params: {}, route: null, renderer: deps.renderer };
  }
  get req(): Request {
    return this.hono.req.raw;
  }
  get params(): Record<string, string> {
    return this.internals.params;
  }
  get route(): string | null {
    return this.internals.route;
  }
  get error(): unknown {
    return this.internals.error;
  }
  get remoteAddr(): Deno.NetAddr | undefined {
    const env = this.hono.env as { remoteAddr?: Deno.NetAddr } | undefined;
    return env?.remoteAddr;
  }
  get requestId(): string {
    return (this.hono.get("requestId" as never) as string | undefined) ?? "";
  }
  render(vnode: VNode, init?: ResponseInit): Promise<Response> {
    return Promise.resolve(this.internals.renderer(this as FreshContext<unknown>, vnode, init));
  }
  redirect(to: string, status: RedirectStatus = 302): Response {
    return new Response(null, {
      status,
      headers: { location: safeRedirectTarget(to, this.deps.basePath) },
    });
  }
}

/**
 * Validates a redirect target: only same-origin paths. A `?next=` value can
 * never become an open redirect.
 *
 * @example
 * ```ts
 * safeRedirectTarget("/hosts?x=1", "") // "/hosts?x=1"
 * safeRedirectTarget("//evil.example", "") // throws HttpError(400)
 * ```
 */
export function safeRedirectTarget(to: string, basePath: string): string {
  // Browsers treat "\" like "/" and strip tabs/newlines, so "/\evil" and "/\t/evil" leave the site.
  // deno-lint-ignore no-control-regex -- control characters are exactly what is refused
  if (!to.startsWith("/") || /^\/[\/\\]/.test(to) || /[\x00-\x1f\\]/.test(to)) {
    throw new HttpError(400, "Redirect target must be a path on this site, like /hosts.", {
      details: { field: "redirect" },
    });
  }
  return basePath && !to.startsWith(basePath + "/") && to !== basePath ? basePath + to : to;
}

/** The request's context, created on first use. */
export function contextFor<State>(c: HonoContext, deps: ContextDeps<State>): Ctx<State> {
  let ctx = c.get(KEY as never) as Ctx<State> | undefined;
  if (!ctx) {
    ctx = new Ctx(c, deps);
    c.set(KEY as never, ctx as never);
  }
  return ctx;
}

/**
 * Copies a handler's `Response` into one built by Hono, so headers queued with
 * `c.header()` (request id, …) are kept. A 101 passes untouched.
 */
export function toHonoResponse(c: HonoContext, res: Response): Response {
  if (res.status === 101) return res;
  return c.newResponse(res.body, res);
}

/**
 * Runs Fresh middleware as Hono middleware: `ctx.next()` runs the rest of the
 * chain; a different returned response replaces the chain's response.
 */
export function adaptMiddleware<State>(
  mws: Middleware<State>[],
  deps: ContextDeps<State>,
): MiddlewareHandler {
  return async (c, next) => {
    const ctx = contextFor(c, deps);
    const res = await runComposed(ctx, mws, async () => {
      await next();
      return c.res;
    });
    if (res !== c.res) {
      // `c.res = x` merges the previous response's headers; reset first so the
      // returned response is the response, as in Fresh.
      const replacement = toHonoResponse(c, res);
      c.res = undefined;
      c.res = replacement;
    }
  };
}

/** Composes route-level (group) middleware around a final handler. */
export async function runComposed<State>(
  ctx: FreshContext<State> & { next: () => Promise<Response> },
  mws: Middleware<State>[],
  final: () => Promise<Response>,
): Promise<Response> {
  const run = async (i: number): Promise<Response> => {
    if (i === mws.length) return await final();
    let called = false;
    ctx.next = () => {
      if (called) throw new Error("next() called multiple times");
      called = true;
      return run(i + 1);
    };
    return await mws[i](ctx);
  };
  return await run(0);
}
