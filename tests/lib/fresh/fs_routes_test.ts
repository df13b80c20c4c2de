import { deepEqual, equal, throws } from "node:assert/strict";
import {
  compareRoutes,
  groupMiddlewareFor,
  honoPatterns,
  isIgnoredRoutePath,
  layoutsFor,
  parseRouteFile,
  prefixMiddleware,
  RouteTreeError,
  sortRoutes,
} from "@/lib/fresh/fs_routes.ts";

const parse = (files: string[]) => files.map(parseRouteFile);

Deno.test("[fresh] fs_routes: file names become Hono patterns", () => {
  const table: Array<[string, string[]]> = [
    ["./routes/index.tsx", ["/"]],
    ["./routes/hosts/index.tsx", ["/hosts"]],
    ["./routes/hosts/[hostId].tsx", ["/hosts/:hostId"]],
    ["./routes/docs/[[version]].tsx", ["/docs/:version?"]],
    ["./routes/files/[...path].tsx", ["/files/:path{.+}", "/files"]],
    ["./routes/(console)/fleet.tsx", ["/fleet"]],
    ["./routes/[...rest].tsx", ["/:rest{.+}", "/"]],
  ];
  for (const [file, patterns] of table) {
    deepEqual(honoPatterns(parseRouteFile(file).segments), patterns, file);
  }
});

Deno.test("[fresh] fs_routes: special files and ignored paths", () => {
  equal(parseRouteFile("./routes/_app.tsx").kind, "app");
  equal(parseRouteFile("./routes/hosts/_layout.tsx").kind, "layout");
  equal(parseRouteFile("./routes/(g)/_middleware.ts").kind, "middleware");
  throws(() => parseRouteFile("./routes/hosts/_404.tsx"), /only allowed at the root/);
  throws(() => parseRouteFile("./routes/_nope.tsx"), /unknown special file/);
  for (const p of ["x_test.ts", "x.test.tsx", ".hidden/x.tsx", "(_parts)/card.tsx", "readme.md"]) {
    equal(isIgnoredRoutePath(p), true, p);
  }
  equal(isIgnoredRoutePath("(console)/fleet.tsx"), false);
});

Deno.test("[fresh] fs_routes: bad names are rejected with a fix", () => {
  throws(
    () => parseRouteFile("./routes/[id]@[v].tsx"),
    (e) => e instanceof RouteTreeError && /partial-segment/.test(e.message),
  );
  throws(() => parseRouteFile("./routes/[a-b].tsx"), /invalid parameter name/);
  throws(() => parseRouteFile("./routes/[...rest]/x.tsx"), /must be the last/);
  throws(
    () => sortRoutes(parse(["./routes/about.tsx", "./routes/about/index.tsx"])),
    /both answer \/about/,
  );
  throws(() => sortRoutes(parse(["./routes/(a)/x.tsx", "./routes/(b)/x.tsx"])), /both answer \/x/);
});

Deno.test("[fresh] fs_routes: precedence order of fresh-layer.md §2.5", () => {
  const files = parse([
    "./routes/[...rest].tsx",
    "./routes/[org]/settings.tsx",
    "./routes/files/[...path].tsx",
    "./routes/docs/[[version]]/index.tsx",
    "./routes/docs/index.tsx",
    "./routes/hosts/[hostId].tsx",
    "./routes/hosts/new.tsx",
    "./routes/hosts/index.tsx",
    "./routes/index.tsx",
  ]);
  deepEqual(sortRoutes(files).map((r) => honoPatterns(r.segments)[0]), [
    "/",
    "/docs",
    "/docs/:version?",
    "/files/:path{.+}",
    "/hosts",
    "/hosts/new",
    "/hosts/:hostId",
    "/:org/settings",
    "/:rest{.+}",
  ]);
  const seg = (f: string) => parseRouteFile(f).segments;
  equal(compareRoutes(seg("./routes/a/[x].tsx"), seg("./routes/a/[[x]].tsx")) < 0, true);
  equal(compareRoutes(seg("./routes/a/[[x]].tsx"), seg("./routes/a/[...x].tsx")) < 0, true);
});

Deno.test("[fresh] fs_routes: layouts and middleware scoping", () => {
  const files = parse([
    "./routes/_layout.tsx",
    "./routes/_middleware.ts",
    "./routes/admin/_middleware.ts",
    "./routes/[org]/_middleware.ts",
    "./routes/(console)/_layout.tsx",
    "./routes/(console)/_middleware.ts",
    "./routes/(console)/hosts/_layout.tsx",
    "./routes/(console)/hosts/[id].tsx",
    "./routes/other.tsx",
  ]);
  const host = files.find((f) => f.file.endsWith("[id].tsx"))!;
  const other = files.find((f) => f.file.endsWith("other.tsx"))!;
  deepEqual(layoutsFor(host, files).map((f) => f.file), [
    "./routes/_layout.tsx",
    "./routes/(console)/_layout.tsx",
    "./routes/(console)/hosts/_layout.tsx",
  ]);
  deepEqual(layoutsFor(other, files).map((f) => f.file), ["./routes/_layout.tsx"]);
  deepEqual(prefixMiddleware(files).map((m) => m.path), ["*", "/:org/*", "/admin/*"]);
  deepEqual(groupMiddlewareFor(host, files).map((f) => f.file), [
    "./routes/(console)/_middleware.ts",
  ]);
  deepEqual(groupMiddlewareFor(other, files), []);
});
