import { equal, match, ok } from "node:assert/strict";
import { fixtureApp } from "./fixture_app.tsx";

const app = fixtureApp();
const json = { "content-type": "application/json" };

Deno.test("[fresh] security: headers on pages, API answers and 404s, with the right values", async () => {
  for (const path of ["/", "/api/items", "/nope"]) {
    const res = await app.request(path);
    const h = res.headers;
    const csp = h.get("content-security-policy") ?? "";
    match(csp, /default-src 'self'/, path);
    match(csp, /script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}'/, path);
    ok(!csp.includes("unsafe-inline"), `${path}: no unsafe-inline`);
    ok(!csp.includes("unsafe-eval"), `${path}: no unsafe-eval`);
    match(csp, /frame-ancestors 'none'/);
    match(csp, /object-src 'none'/);
    match(csp, /base-uri 'none'/);
    equal(h.get("x-content-type-options"), "nosniff");
    equal(h.get("x-frame-options"), "DENY");
    equal(h.get("referrer-policy"), "same-origin");
    equal(h.get("cross-origin-opener-policy"), "same-origin");
    equal(h.get("cross-origin-resource-policy"), "same-origin");
    match(h.get("permissions-policy") ?? "", /camera=\(\), microphone=\(\), geolocation=\(\)/);
    match(h.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    match(h.get("server-timing") ?? "", /total;dur=/);
    equal(h.get("x-powered-by"), null);
    equal(h.get("strict-transport-security"), null, "no HSTS over plain http");
  }
});

Deno.test("[fresh] security: each request gets its own nonce", async () => {
  const nonce = async () =>
    /'nonce-([^']+)'/.exec((await app.request("/")).headers.get("content-security-policy")!)![1];
  const a = await nonce(), b = await nonce();
  ok(a !== b);
});

Deno.test("[fresh] security: HSTS when served over https", async () => {
  const res = await app.request("https://localhost/");
  equal(res.headers.get("strict-transport-security"), "max-age=63072000; includeSubDomains");
});

Deno.test("[fresh] csrf: cross-origin and cross-site state changes are refused", async () => {
  const post = (headers: Record<string, string>) =>
    app.request("/api/items", { method: "POST", headers, body: "{}" });
  const cases: Array<[string, Record<string, string>, number]> = [
    ["same origin", { ...json, origin: "http://localhost" }, 201],
    ["same-origin fetch metadata", { ...json, "sec-fetch-site": "same-origin" }, 201],
    ["non-browser JSON client", json, 201],
    ["foreign origin", { ...json, origin: "https://evil.example" }, 403],
    ["opaque origin", { ...json, origin: "null" }, 403],
    ["cross-site fetch metadata", { ...json, "sec-fetch-site": "cross-site" }, 403],
    ["same-site (sibling subdomain)", { ...json, "sec-fetch-site": "same-site" }, 403],
    ["form without origin", { "content-type": "application/x-www-form-urlencoded" }, 403],
    ["no content type, no origin", {}, 403],
    ["cross-origin form", { "content-type": "text/plain", origin: "https://evil.example" }, 403],
  ];
  for (const [name, headers, status] of cases) {
    const res = await post(headers);
    equal(res.status, status, name);
    if (status === 403) equal((await res.json()).error.code, "csrf_rejected", name);
  }
});

Deno.test("[fresh] csrf: key-authenticated agent paths are exempt", async () => {
  const res = await app.request("/api/agent/jobs", {
    method: "POST",
    headers: { origin: "https://host.example" },
  });
  equal(res.status, 404, "reaches routing (no such route in the fixture), not the CSRF guard");
});

Deno.test("[fresh] body limit: 413 above the limit by length or stream, nothing reaches the handler", async () => {
  const big = "x".repeat(2048);
  const res = await app.request("/api/items", {
    method: "POST",
    headers: json,
    body: JSON.stringify(big),
  });
  equal(res.status, 413);
  const body = await res.json();
  equal(body.error.code, "payload_too_large");
  equal(body.error.details.limitBytes, 1024);
  const stream = new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode(JSON.stringify(big)));
      c.close();
    },
  });
  const streamed = await app.request("/api/items", { method: "POST", headers: json, body: stream });
  equal(streamed.status, 413);
  const fine = await app.request("/api/items", {
    method: "POST",
    headers: json,
    body: JSON.stringify("ok"),
  });
  equal(fine.status, 201);
});
