import { deepEqual, equal, match, ok } from "node:assert/strict";
import { createTestApp } from "../support/test_app.ts";
import { operatorWorld } from "../support/operator_world.ts";

Deno.test("[routes] /healthz answers without touching the stores", async () => {
  await using t = await createTestApp();
  t.services.kv.close(); // even with KV gone, the process is alive
  const res = await t.app.request("/healthz");
  equal(res.status, 200);
  equal(res.headers.get("cache-control"), "no-store");
  const body = await res.json();
  equal(body.ok, true);
  equal(typeof body.uptimeS, "number");
});

Deno.test("[routes] /readyz is 200 with every check when stores are up and migrated", async () => {
  await using t = await createTestApp();
  const res = await t.app.request("/readyz");
  equal(res.status, 200);
  const body = await res.json();
  equal(body.ok, true);
  deepEqual(Object.keys(body.checks).sort(), ["kv", "ledger", "migrations", "scheduler"]);
  for (const name of ["kv", "ledger", "migrations"]) equal(body.checks[name].ok, true, name);
});

Deno.test("[routes] /readyz is 503 naming pending migrations", async () => {
  await using t = await createTestApp({ migrate: false });
  const res = await t.app.request("/readyz");
  equal(res.status, 503);
  equal(res.headers.get("retry-after"), "5");
  const body = await res.json();
  equal(body.ok, false);
  equal(body.error.code, "not_ready");
  match(body.error.message, /migrations \(.*2026_11_25_0001_foundation/);
  equal(body.error.details.migrations.ok, false);
  equal(body.error.details.kv.ok, true);
});

Deno.test("[routes] /readyz is 503 naming KV when it is unreachable", async () => {
  await using t = await createTestApp();
  t.services.kv.close();
  const res = await t.app.request("/readyz");
  equal(res.status, 503);
  const body = await res.json();
  match(body.error.message, /^Not ready: kv \(/);
  equal(body.error.details.ledger.ok, true);
});

Deno.test("[routes] / shows the control plane status in the console shell", async () => {
  await using w = await operatorWorld();
  const res = await w.app.request("/", { headers: w.headers(w.a.viewer) });
  equal(res.status, 200);
  const html = await res.text();
  match(html, /<title>Overview · VPS Sentry<\/title>/);
  match(html, /<p class="badge badge-ok" role="status">Ready<\/p>/);
  match(html, /SQLite \(embedded\)/);
  match(html, /(\d+) of \1 migrations applied/);
  match(html, /<a href="\/" aria-current="page">Overview<\/a>/);
  ok(html.includes("frsh:island:ThemeToggle:0"), "the layout's theme island is marked");
  match(html, /No scheduled job has run yet/);
  // Signed out, the overview sends the browser to sign in (or to setup on a fresh install).
  const anonymous = await w.app.request("/");
  equal(anonymous.status, 303);
  equal(anonymous.headers.get("location"), "/sign-in?next=%2F");
  await using fresh = await createTestApp();
  equal((await fresh.app.request("/")).headers.get("location"), "/setup");
});

Deno.test("[routes] the island check page exists only outside production", async () => {
  await using dev = await createTestApp();
  equal((await dev.app.request("/dev/islands")).status, 200);
  await using prod = await createTestApp({ env: { APP_ENV: "production" } });
  const res = await prod.app.request("/dev/islands");
  equal(res.status, 404);
  ok(!(await res.text()).includes("Island check"), "no navigation link to it either");
});

Deno.test("[routes] operators' navigation never links the developer's island check", async () => {
  await using w = await operatorWorld(); // development environment: the page itself exists
  const html = await (await w.app.request("/hosts", { headers: w.headers(w.a.owner) })).text();
  ok(html.includes('href="/hosts"'), "the navigation is there");
  ok(!html.includes("/dev/islands"), "no link to the island check");
});

Deno.test("[routes] theme cookie is honoured and unknown values fall back to system", async () => {
  await using w = await operatorWorld();
  const cookie = (theme: string) => ({ cookie: `${w.a.viewer.cookie}; theme=${theme}` });
  const themed = await (await w.app.request("/", { headers: cookie("dark") })).text();
  match(themed, /<html lang="en" data-theme="dark">/);
  const bogus = await (await w.app.request("/", { headers: cookie("<x>") })).text();
  match(bogus, /<html lang="en" data-theme="system">/);
});
