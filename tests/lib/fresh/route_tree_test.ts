import { deepEqual, throws } from "node:assert/strict";
import { loadRouteTree } from "@/lib/fresh/route_tree.ts";
import type { RouteModule } from "@/lib/fresh/mod.ts";

const tree = (routes: Record<string, RouteModule>) =>
  loadRouteTree({ routes, islands: {}, baseUrl: import.meta.url });
const Page = () => null;

Deno.test("[fresh] route tree: startup rejects Fresh 1.x and malformed route modules", () => {
  const bad: Array<[RouteModule, RegExp]> = [
    [
      { handler: (_req: Request, _ctx: unknown) => new Response() },
      /Fresh 1\.x \(req, ctx\) handler/,
    ],
    [{ handler: { GET: (_req: Request, _ctx: unknown) => new Response() } }, /Fresh 1\.x/],
    [
      { handler: { get: () => new Response() } },
      /"get" is not an HTTP method\. Write it in uppercase: GET/,
    ],
    [{ handler: { FETCH: () => new Response() } }, /"FETCH" is not an HTTP method\. Allowed: GET/],
    [{ handler: { GET: "nope" } }, /handler\.GET must be a function/],
    [{ handler: 42 }, /handler must be a function or an object/],
    [{ default: Page, config: { routeOverride: "/x" } }, /unknown config key "routeOverride"/],
    [{}, /a default component, a handler, or both/],
  ];
  for (const [mod, message] of bad) {
    throws(() => tree({ "./routes/x.tsx": mod }), message);
  }
  throws(
    () =>
      tree({ "./routes/_middleware.ts": { default: "x" }, "./routes/x.tsx": { default: Page } })
        .prefixMiddleware({
          basePath: "",
          initState: () => ({}),
          renderer: () => new Response(),
        }),
    /export default a middleware function/,
  );
});

Deno.test("[fresh] route tree: a page without handler gets GET; patterns and params", () => {
  const t = tree({
    "./routes/hosts/[hostId]/keys/[[keyId]].tsx": { default: Page },
    "./routes/files/[...path].tsx": { default: Page },
  });
  deepEqual(t.routes.map((r) => [r.patterns, r.paramNames]), [
    [["/files/:path{.+}", "/files"], ["path"]],
    [["/hosts/:hostId/keys/:keyId?"], ["hostId", "keyId"]],
  ]);
  deepEqual(Object.keys(t.routes[0].handler), ["GET"]);
});
