/**
 * An in-memory route tree covering every routing rule, shaped like the
 * manifest `deno task gen` writes. Used by the app, security and render tests.
 */
import type { ComponentChildren } from "preact";
import {
  createApp,
  createDefine,
  HttpError,
  type Manifest,
  page,
  type RouteModule,
  stubBuild,
} from "@/lib/fresh/mod.ts";
import type { SecurityConfig } from "@/lib/fresh/security.ts";

export interface TestState {
  trace: string[];
}
const define = createDefine<TestState>();

const text = (s: string) => ({ default: () => <p class="page">{s}</p> });
const paramsPage = (label: string): RouteModule => ({
  default: ({ params }: { params: Record<string, string> }) => (
    <p class="page">{label} {JSON.stringify(params)}</p>
  ),
});
const tracer = (name: string): RouteModule => ({
  default: define.middleware((ctx) => {
    ctx.state.trace.push(name);
    return ctx.next();
  }),
});
const layout = (cls: string): RouteModule => ({
  default: ({ Component }: { Component: () => ComponentChildren }) => (
    <div class={cls}>
      <Component />
    </div>
  ),
});

export const routes: Record<string, RouteModule> = {
  "./routes/_app.tsx": {
    default: ({ Component }: { Component: () => ComponentChildren }) => (
      <html>
        <head>
          <title>fixture</title>
        </head>
        <body data-app="1">
          <Component />
        </body>
      </html>
    ),
  },
  "./routes/_layout.tsx": layout("root-layout"),
  "./routes/_middleware.ts": tracer("root"),
  "./routes/_404.tsx": {
    default: ({ url }: { url: URL }) => <p class="not-found">missing {url.pathname}</p>,
  },
  "./routes/_500.tsx": {
    default: (p: { status: number; message: string; requestId: string }) => (
      <p class="error">
        {p.status}|{p.message}|{p.requestId}
      </p>
    ),
  },
  "./routes/index.tsx": text("home"),
  "./routes/hosts/_layout.tsx": layout("hosts-layout"),
  "./routes/hosts/index.tsx": text("hosts index"),
  "./routes/hosts/new.tsx": text("hosts new"),
  "./routes/hosts/[hostId].tsx": paramsPage("host"),
  "./routes/docs/index.tsx": text("docs index"),
  "./routes/docs/[[version]]/index.tsx": paramsPage("docs version"),
  "./routes/files/[...path].tsx": paramsPage("files"),
  "./routes/[org]/settings.tsx": paramsPage("settings"),
  "./routes/admin/_middleware.ts": tracer("admin"),
  "./routes/admin/index.tsx": {
    default: ({ state }: { state: TestState }) => <p class="page">admin {state.trace.join(">")}</p>,
  },
  "./routes/administrator.tsx": {
    default: ({ state }: { state: TestState }) => <p class="page">adm {state.trace.join(">")}</p>,
  },
  "./routes/(console)/_middleware.ts": tracer("console-group"),
  "./routes/(console)/_layout.tsx": layout("console-layout"),
  "./routes/(console)/fleet.tsx": {
    default: ({ state }: { state: TestState }) => <p class="page">fleet {state.trace.join(">")}</p>,
  },
  "./routes/(console)/inner/_middleware.ts": tracer("console-inner"),
  "./routes/(console)/inner/deep.tsx": {
    default: ({ state }: { state: TestState }) => <p class="page">deep {state.trace.join(">")}</p>,
  },
  "./routes/plain.tsx": { ...text("plain"), config: { skipInheritedLayouts: true } },
  "./routes/bare.tsx": { ...text("bare"), config: { skipAppWrapper: true } },
  "./routes/api/items.ts": {
    handler: define.handlers({
      GET: () => Response.json({ ok: true, items: [] }),
      POST: async (ctx) => Response.json({ ok: true, got: await ctx.req.json() }, { status: 201 }),
    }),
  },
  "./routes/api/boom.ts": {
    handler: () => {
      throw new Error("database password is hunter2");
    },
  },
  "./routes/api/conflict.ts": {
    handler: () => {
      throw new HttpError(409, "Name is taken", { details: { field: "name" } });
    },
  },
  "./routes/boom.tsx": {
    handler: () => {
      throw new Error("internal detail that must not leak");
    },
  },
  "./routes/taken.tsx": {
    handler: () => {
      throw new HttpError(409, "Host name web-1 is taken");
    },
  },
  "./routes/redirect.ts": {
    handler: (ctx: { url: URL; redirect: (to: string, s?: 303) => Response }) =>
      ctx.redirect(ctx.url.searchParams.get("next") ?? "/", 303),
  },
  "./routes/raw.ts": {
    handler: () => new Response("raw", { headers: { "x-handler": "1", "set-cookie": "a=1" } }),
  },
  "./routes/async-page.tsx": {
    handler: define.handlers({ GET: () => page({ n: 41 }) }),
    default: async ({ data }: { data: { n: number } }) => {
      await Promise.resolve();
      return <p class="page">async {data.n + 1}</p>;
    },
  },
  "./routes/guarded/_middleware.ts": {
    default: define.middleware((ctx) =>
      ctx.req.headers.get("x-key") === "ok"
        ? ctx.next()
        : Response.json({ ok: false }, { status: 401 })
    ),
  },
  "./routes/guarded/index.tsx": text("guarded"),
  "./routes/rewrite/_middleware.ts": {
    default: define.middleware(async (ctx) => {
      const res = await ctx.next();
      return new Response(`rewritten from ${res.status}`, { status: 202 });
    }),
  },
  "./routes/rewrite/index.tsx": text("original"),
  "./routes/double-next/_middleware.ts": {
    default: define.middleware(async (ctx) => {
      await ctx.next();
      return await ctx.next();
    }),
  },
  "./routes/double-next/index.tsx": text("x"),
};

/** The catch-all precedence table of `fresh-layer.md` §2.5 needs its own tree. */
export const catchAllRoutes: Record<string, RouteModule> = {
  "./routes/index.tsx": text("home"),
  "./routes/hosts/new.tsx": text("hosts new"),
  "./routes/hosts/[hostId].tsx": paramsPage("host"),
  "./routes/[org]/settings.tsx": paramsPage("settings"),
  "./routes/[...rest].tsx": paramsPage("rest"),
};

export const testSecurity: SecurityConfig = {
  publicOrigin: "http://localhost",
  serverTiming: true,
  bodyLimit: 1024,
  csrfExempt: ["/api/agent"],
};

/** A Hono app over a fixture tree with a stub build. */
export function fixtureApp(
  tree: Record<string, RouteModule> = routes,
  opts: { basePath?: string; islands?: Manifest["islands"]; errors?: unknown[] } = {},
) {
  const manifest: Manifest = {
    routes: tree,
    islands: opts.islands ?? {},
    baseUrl: import.meta.url,
  };
  return createApp<TestState>(manifest, {
    basePath: opts.basePath,
    security: testSecurity,
    build: stubBuild(),
    initState: () => ({ trace: [] }),
    onError: (e) => opts.errors?.push(e),
  });
}
