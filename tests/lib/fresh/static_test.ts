import assert from "node:assert/strict";
import { Hono } from "hono";
import type { FreshBuild } from "../../../lib/fresh/build.ts";
import { asset, serveBuildAssets, serveStaticDir } from "../../../lib/fresh/static.ts";

const JS = "text/javascript; charset=utf-8";
const IMMUTABLE = "public, max-age=31536000, immutable";
const enc = (s: string) => new TextEncoder().encode(s);

const build: FreshBuild = {
  buildId: "0123456789abcdef",
  runtime: "lib/fresh/runtime/client.js",
  entries: { "islands/Counter.tsx": "islands/Counter.js" },
  preload: { "islands/Counter.js": ["chunk-ABC.js"] },
  files: new Map([
    ["islands/Counter.js", { contents: enc('import"../chunk-ABC.js";'), contentType: JS }],
    ["chunk-ABC.js", { contents: enc("export const x = 1;"), contentType: JS }],
    ["islands/Counter.js.map", { contents: enc("{}"), contentType: "application/json" }],
  ]),
};

/** An app like createApp's: assets, then static files, then routes and a not-found page. */
async function makeApp(basePath = "") {
  const tmp = await Deno.makeTempDir({ prefix: "fresh_static_" });
  const dir = `${tmp}/static`;
  await Deno.mkdir(`${dir}/css`, { recursive: true });
  await Deno.mkdir(`${dir}/docs`);
  await Deno.writeTextFile(`${dir}/logo.svg`, "<svg/>");
  await Deno.writeTextFile(`${dir}/css/site.css`, "body{}");
  await Deno.writeTextFile(`${dir}/.hidden`, "hidden");
  await Deno.writeTextFile(`${tmp}/secret.txt`, "TOP SECRET");
  const app = new Hono();
  app.use(serveBuildAssets(() => build, basePath));
  app.use(serveStaticDir(dir, { buildId: () => build.buildId }));
  app.get("/docs", (c) => c.text("docs route"));
  app.post("/form", (c) => c.text("posted"));
  app.notFound((c) => c.text("not found page", 404));
  return {
    app,
    async [Symbol.asyncDispose]() {
      await Deno.remove(tmp, { recursive: true });
    },
  };
}

Deno.test("[fresh] static: /_app/<current id>/ serves from memory, immutable", async () => {
  await using t = await makeApp();
  const res = await t.app.request(`/_app/${build.buildId}/islands/Counter.js`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), JS);
  assert.equal(res.headers.get("cache-control"), IMMUTABLE);
  assert.equal(res.headers.get("etag"), `"${build.buildId}"`);
  assert.equal(await res.text(), 'import"../chunk-ABC.js";');

  const map = await t.app.request(`/_app/${build.buildId}/islands/Counter.js.map`);
  assert.equal(map.status, 200);
  assert.equal(map.headers.get("content-type"), "application/json");
  await map.body?.cancel();

  const again = await t.app.request(`/_app/${build.buildId}/chunk-ABC.js`, {
    headers: { "If-None-Match": `"${build.buildId}"` },
  });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), "");
});

Deno.test("[fresh] static: HEAD on a build asset has headers, no body", async () => {
  await using t = await makeApp();
  const res = await t.app.request(`/_app/${build.buildId}/chunk-ABC.js`, { method: "HEAD" });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-length"), "19");
  assert.equal(res.headers.get("cache-control"), IMMUTABLE);
  assert.equal(await res.text(), "");
});

Deno.test("[fresh] static: an old build id or unknown file answers 404 no-store", async () => {
  await using t = await makeApp();
  for (
    const path of [
      "/_app/ffffffffffffffff/islands/Counter.js", // never the current file under an old id
      `/_app/${build.buildId}/islands/Nope.js`,
      `/_app/${build.buildId}`,
      "/_app/",
    ]
  ) {
    const res = await t.app.request(path);
    assert.equal(res.status, 404, path);
    assert.equal(res.headers.get("cache-control"), "no-store", path);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    await res.body?.cancel();
  }
});

Deno.test("[fresh] static: other methods on /_app/ get 405 with Allow", async () => {
  await using t = await makeApp();
  const res = await t.app.request(`/_app/${build.buildId}/chunk-ABC.js`, { method: "POST" });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "GET, HEAD");
  await res.body?.cancel();
});

Deno.test("[fresh] static: build assets honour basePath", async () => {
  await using t = await makeApp("/console");
  const ok = await t.app.request(`/console/_app/${build.buildId}/chunk-ABC.js`);
  assert.equal(ok.status, 200);
  await ok.body?.cancel();
  const outside = await t.app.request(`/_app/${build.buildId}/chunk-ABC.js`);
  assert.equal(await outside.text(), "not found page", "outside the base path: next()");
});

Deno.test("[fresh] static: files get a weak ETag, no-cache, and 304 on If-None-Match", async () => {
  await using t = await makeApp();
  const res = await t.app.request("/logo.svg");
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "image/svg+xml; charset=utf-8");
  assert.equal(res.headers.get("cache-control"), "no-cache");
  assert.equal(res.headers.get("content-length"), "6");
  const etag = res.headers.get("etag")!;
  assert.match(etag, /^W\/"[0-9a-f]+-[0-9a-f]+"$/);
  assert.equal(await res.text(), "<svg/>");

  const cached = await t.app.request("/logo.svg", { headers: { "If-None-Match": etag } });
  assert.equal(cached.status, 304);
  assert.equal(cached.headers.get("etag"), etag);
  assert.equal(await cached.text(), "");

  const other = await t.app.request("/logo.svg", { headers: { "If-None-Match": 'W/"1-1"' } });
  assert.equal(other.status, 200);
  await other.body?.cancel();

  const nested = await t.app.request("/css/site.css");
  assert.equal(nested.headers.get("content-type"), "text/css; charset=utf-8");
  assert.equal(await nested.text(), "body{}");

  const head = await t.app.request("/logo.svg", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), "6");
  assert.equal(await head.text(), "");
});

Deno.test("[fresh] static: ?v=<current build id> is immutable, another v is not", async () => {
  await using t = await makeApp();
  assert.equal(asset("/logo.svg", build.buildId), `/logo.svg?v=${build.buildId}`);
  const res = await t.app.request(asset("/logo.svg", build.buildId));
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("cache-control"), IMMUTABLE);
  await res.body?.cancel();
  const old = await t.app.request("/logo.svg?v=old");
  assert.equal(old.headers.get("cache-control"), "no-cache");
  await old.body?.cancel();
});

Deno.test("[fresh] static: other methods on an existing file get 405 with Allow", async () => {
  await using t = await makeApp();
  const res = await t.app.request("/logo.svg", { method: "POST" });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get("allow"), "GET, HEAD");
  await res.body?.cancel();
  const route = await t.app.request("/form", { method: "POST" });
  assert.equal(await route.text(), "posted", "no file: routes answer");
});

Deno.test("[fresh] static: traversal never leaves the directory", async () => {
  await using t = await makeApp();
  for (
    const path of [
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/css/%2e%2e/%2e%2e/secret.txt",
      "/..%2fsecret.txt",
      "/%2e%2e%2fsecret.txt",
      "/css/..%2F..%2Fsecret.txt",
      "/css%5c..%5c..%5csecret.txt",
      "/logo.svg%00.txt",
      "/%E0%A4%A",
    ]
  ) {
    const res = await t.app.request(path);
    assert.equal(res.status, 404, path);
    assert.doesNotMatch(await res.text(), /TOP SECRET/, path);
  }
});

Deno.test("[fresh] static: missing files, directories and dot-files fall through", async () => {
  await using t = await makeApp();
  const missing = await t.app.request("/nope.png");
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), "not found page");
  const dir = await t.app.request("/docs");
  assert.equal(dir.status, 200);
  assert.equal(await dir.text(), "docs route");
  const hidden = await t.app.request("/.hidden");
  assert.equal(await hidden.text(), "not found page");
  const under = await t.app.request("/logo.svg/x");
  assert.equal(await under.text(), "not found page", "a path below a file");
  // Names longer than the file system takes (ENAMETOOLONG) are no files: the routes answer.
  for (const path of [`/${"a".repeat(300)}`, `/css/${"é".repeat(130)}`, `/x/${"b".repeat(5000)}`]) {
    const long = await t.app.request(path);
    assert.equal(long.status, 404, path.slice(0, 20));
    assert.equal(await long.text(), "not found page");
  }
});

Deno.test("[fresh] static: asset() appends v to an existing query", () => {
  assert.equal(asset("/a.css?x=1", "b c"), "/a.css?x=1&v=b%20c");
});
