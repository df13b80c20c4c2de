import { deepEqual, equal, match, ok } from "node:assert/strict";
import { fetchPage } from "@/lib/fresh/testing.ts";
import { catchAllRoutes, fixtureApp, routes } from "./fixture_app.tsx";

const app = fixtureApp();
const pageText = async (path: string, a = app) =>
  (await fetchPage(a, path)).doc.querySelector(".page")?.textContent;

Deno.test("[fresh] routes: URL → page table (precedence, params, optional, rest, groups)", async () => {
  const table: Array<[string, string]> = [
    ["/", "home"],
    ["/hosts", "hosts index"],
    ["/hosts/new", "hosts new"],
    ["/hosts/web-1", 'host {"hostId":"web-1"}'],
    ["/hosts/caf%C3%A9", 'host {"hostId":"café"}'],
    ["/docs", "docs index"],
    ["/docs/v2", 'docs version {"version":"v2"}'],
    ["/files", 'files {"path":""}'],
    ["/files/a/b", 'files {"path":"a/b"}'],
    ["/acme/settings", 'settings {"org":"acme"}'],
    ["/fleet", "fleet root>console-group"],
  ];
  for (const [path, expected] of table) {
    equal(await pageText(path), expected, path);
  }
});

Deno.test("[fresh] routes: catch-all tree keeps static before dynamic before catch-all", async () => {
  const app = fixtureApp(catchAllRoutes);
  const table: Array<[string, string]> = [
    ["/", "home"],
    ["/hosts/new", "hosts new"],
    ["/hosts/x", 'host {"hostId":"x"}'],
    ["/acme/settings", 'settings {"org":"acme"}'],
    ["/acme/other", 'rest {"rest":"acme/other"}'],
    ["/a/b/c", 'rest {"rest":"a/b/c"}'],
  ];
  for (const [path, expected] of table) equal(await pageText(path, app), expected, path);
});

Deno.test("[fresh] middleware: order root → folder, group scoped to its routes", async () => {
  equal(await pageText("/admin"), "admin root>admin");
  equal(await pageText("/administrator"), "adm root");
  equal(await pageText("/fleet"), "fleet root>console-group");
  equal(await pageText("/inner/deep"), "deep root>console-group>console-inner");
  // a 404 under /admin/ still runs root and folder middleware, then the 404 page
  const res = await app.request("/admin/unknown");
  equal(res.status, 404);
});

Deno.test("[fresh] middleware: short-circuit, replacement and double next()", async () => {
  equal((await app.request("/guarded")).status, 401);
  equal((await app.request("/guarded", { headers: { "x-key": "ok" } })).status, 200);
  const rewritten = await app.request("/rewrite");
  equal(rewritten.status, 202);
  equal(await rewritten.text(), "rewritten from 200");
  ok(rewritten.headers.get("x-request-id"), "replacement keeps the request id");
  const errors: unknown[] = [];
  const res = await fixtureApp(routes, { errors }).request("/double-next");
  equal(res.status, 500);
  match(String(errors[0]), /next\(\) called multiple times/);
});

Deno.test("[fresh] layouts: _app wraps root layout wraps folder and group layouts", async () => {
  const { doc } = await fetchPage(app, "/hosts/web-1");
  ok(doc.querySelector("body[data-app] > .root-layout > .hosts-layout > .page"));
  ok((await fetchPage(app, "/fleet")).doc.querySelector(".root-layout > .console-layout > .page"));
  const plain = await fetchPage(app, "/plain");
  ok(plain.doc.querySelector("body[data-app] > .page"), "skipInheritedLayouts drops layouts");
  equal(plain.doc.querySelector(".root-layout"), null);
  const bare = await fetchPage(app, "/bare");
  ok(!bare.html.includes("data-app"), "skipAppWrapper drops _app");
  ok(bare.doc.querySelector(".root-layout > .page"));
});

Deno.test("[fresh] pages: async page components and document headers", async () => {
  const { status, headers, html } = await fetchPage(app, "/async-page");
  equal(status, 200);
  ok(html.startsWith("<!DOCTYPE html>"));
  ok(html.includes("async 42"));
  equal(headers.get("content-type"), "text/html; charset=utf-8");
  equal(headers.get("cache-control"), "no-store");
  ok(!html.includes("<script"), "a page without islands ships no JavaScript");
  equal(headers.get("link"), null);
});

Deno.test("[fresh] errors: 404 and 500 pages, JSON under /api, nothing internal leaks", async () => {
  const missing = await fetchPage(app, "/nope/nothing");
  equal(missing.status, 404);
  equal(missing.doc.querySelector(".not-found")?.textContent, "missing /nope/nothing");
  ok(missing.doc.querySelector("body[data-app] > .root-layout > .not-found"));

  const errors: unknown[] = [];
  const boomApp = fixtureApp(routes, { errors });
  const boom = await fetchPage(boomApp, "/boom");
  equal(boom.status, 500);
  const [status, message, requestId] = boom.doc.querySelector(".error")!.textContent!.split("|");
  equal(status, "500");
  ok(!boom.html.includes("internal detail"), "the error message stays on the server");
  equal(requestId, boom.headers.get("x-request-id"));
  equal(errors.length, 1);
  match(message, /Something went wrong/);

  const taken = await fetchPage(app, "/taken");
  equal(taken.status, 409);
  equal(taken.doc.querySelector(".error")?.textContent?.split("|")[1], "Host name web-1 is taken");

  const apiBoom = await app.request("/api/boom");
  equal(apiBoom.status, 500);
  equal(apiBoom.headers.get("content-type"), "application/json; charset=utf-8");
  const body = await apiBoom.json();
  deepEqual(Object.keys(body), ["ok", "error"]);
  equal(body.ok, false);
  equal(body.error.code, "internal");
  ok(!JSON.stringify(body).includes("hunter2"));
  equal(body.error.requestId, apiBoom.headers.get("x-request-id"));

  const conflict = await (await app.request("/api/conflict")).json();
  deepEqual(conflict.error.details, { field: "name" });
  equal(conflict.error.code, "conflict");
  const apiMissing = await app.request("/api/missing");
  equal(apiMissing.status, 404);
  equal((await apiMissing.json()).error.code, "not_found");
});

Deno.test("[fresh] errors: a throwing error page falls back to plain text", async () => {
  const tree = {
    ...routes,
    "./routes/_500.tsx": {
      default: () => {
        throw new Error("bad page");
      },
    },
  };
  const res = await fixtureApp(tree).request("/boom");
  equal(res.status, 500);
  match(res.headers.get("content-type") ?? "", /^text\/plain/);
  match(await res.text(), /Request id: /);
});

Deno.test("[fresh] methods: HEAD from GET, 405 with Allow", async () => {
  const head = await app.request("/hosts/web-1", { method: "HEAD" });
  equal(head.status, 200);
  equal(await head.text(), "");
  const post = await app.request("/hosts/web-1", {
    method: "POST",
    headers: { origin: "http://localhost" },
  });
  equal(post.status, 405);
  equal(post.headers.get("allow"), "GET, HEAD");
  const del = await app.request("/api/items", {
    method: "DELETE",
    headers: { "content-type": "application/json" },
  });
  equal(del.status, 405);
  equal(del.headers.get("allow"), "GET, POST, HEAD");
  deepEqual((await del.json()).error.details, { allow: ["GET", "POST", "HEAD"] });
  const created = await app.request("/api/items", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ a: 1 }),
  });
  equal(created.status, 201);
  deepEqual(await created.json(), { ok: true, got: { a: 1 } });
});

Deno.test("[fresh] trailing slash: GET redirects 308 with the query, other methods 404", async () => {
  const res = await app.request("/hosts/web-1/?tab=keys");
  equal(res.status, 308);
  equal(res.headers.get("location"), "/hosts/web-1?tab=keys");
  equal(
    (await app.request("/api/items/", {
      method: "POST",
      headers: { "content-type": "application/json" },
    })).status,
    404,
  );
  equal((await app.request("/")).status, 200);
});

Deno.test("[fresh] redirects: same-origin paths only", async () => {
  const good = await app.request("/redirect?next=/hosts");
  equal(good.status, 303);
  equal(good.headers.get("location"), "/hosts");
  for (
    const next of [
      "//evil.example",
      "https://evil.example",
      "/\\evil.example",
      "javascript:alert(1)",
      "/\t/evil",
    ]
  ) {
    const res = await app.request(`/redirect?next=${encodeURIComponent(next)}`);
    equal(res.status, 400, next);
  }
});

Deno.test("[fresh] responses: raw handler responses keep queued headers and cookies", async () => {
  const res = await app.request("/raw", { headers: { "x-request-id": "abc-123" } });
  equal(res.headers.get("x-handler"), "1");
  equal(res.headers.get("x-request-id"), "abc-123");
  equal(res.headers.get("set-cookie"), "a=1");
  const generated = await app.request("/raw", { headers: { "x-request-id": "bad id <script>" } });
  match(generated.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
});

Deno.test("[fresh] basePath: everything mounts under it", async () => {
  const based = fixtureApp(routes, { basePath: "/sentry" });
  equal(await pageText("/sentry/hosts/new", based), "hosts new");
  equal((await based.request("/hosts/new")).status, 404);
  equal((await based.request("/sentry/nope")).status, 404);
  const api = await based.request("/sentry/api/missing");
  equal((await api.json()).error.code, "not_found");
  equal(
    (await based.request("/sentry/redirect?next=/hosts")).headers.get("location"),
    "/sentry/hosts",
  );
});
