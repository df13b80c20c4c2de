/**
 * Real browser: Debian Chromium driven by playwright-core against the real
 * app on a local port. Covers hydration, shared signals, props round trip,
 * the theme island, CSP and asset caching end to end.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { createTestApp } from "../support/test_app.ts";
import { openWatchedPage, serveApp } from "../support/browser_session.ts";

Deno.test({
  name: "[e2e] islands hydrate, share a signal, keep rich props, with no errors or CSP violations",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using t = await createTestApp({ mode: "development" });
    await using served = serveApp(t.app.fetch);
    const { base } = served;
    await using browser = await openWatchedPage();
    const { page, watch } = browser;

    const res = await page.goto(`${base}/dev/islands`);
    equal(res?.status(), 200);
    // Hydration: the click handler only exists once the island booted.
    await page.click('[data-counter="A"] button');
    await page.waitForFunction(() =>
      [...document.querySelectorAll(".counter-value")].every((e) => e.textContent === "1")
    );
    deepEqual(await page.$$eval(".counter-value", (els) => els.map((e) => e.textContent)), [
      "1",
      "1",
      "1",
    ]);
    await page.click('[data-counter="nested"] button');
    await page.waitForFunction(() =>
      [...document.querySelectorAll(".counter-value")].every((e) => e.textContent === "2")
    );
    equal(await page.textContent('[data-counter="B"] .counter-double'), "double 4");
    // Server render and hydration reuse the DOM: nothing duplicated.
    equal(await page.locator(".counter").count(), 3);
    // A Computed prop arrives read-only, frozen at its server value.
    equal(await page.textContent(".counter-panel legend"), "Panel (frozen at 100)");

    const prop = (k: string) => page.textContent(`[data-prop="${k}"]`);
    equal(await prop("date"), "Date 2026-11-25T12:00:00.000Z");
    equal(await prop("map"), 'Map [["web-1",3]]');
    equal(await prop("set"), 'Set ["ssh","http"]');
    equal(await prop("big"), `BigInt ${2n ** 70n}`);
    equal(await prop("url"), "URL https://example.com/a?b=c");
    equal(await prop("missing"), "undefined");
    equal(
      await prop("hostile"),
      `string ${JSON.stringify("</script><script>alert(1)</script>\u2028<!--")}`,
    );
    equal(
      await page.evaluate(() => document.querySelectorAll("script").length),
      1,
      "no injected script",
    );

    // The theme island in the layout: a click changes the document and the cookie.
    await page.click(".theme-toggle");
    await page.waitForFunction(() => document.documentElement.dataset.theme === "light");
    const cookies = await browser.context.cookies(base);
    equal(cookies.find((c) => c.name === "theme")?.value, "light");
    await page.goto(`${base}/`);
    equal(
      await page.getAttribute("html", "data-theme"),
      "light",
      "server renders the chosen theme",
    );
    equal(await page.textContent(".theme-toggle"), "Theme: Light");

    deepEqual(await watch.cspViolations(), []);
    deepEqual(watch.errors, []);
  },
});

Deno.test({
  name: "[e2e] build assets are immutable under the build id; an old id answers 404",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using t = await createTestApp({ mode: "development" });
    const html = await (await t.app.request("/dev/islands")).text();
    const runtime = /"(\/_app\/([0-9a-f]{16})\/lib\/fresh\/runtime\/client\.js)"/.exec(html);
    ok(runtime, "boot script imports the runtime under the build id");
    const res = await t.app.request(runtime[1]);
    equal(res.status, 200);
    equal(res.headers.get("cache-control"), "public, max-age=31536000, immutable");
    match(res.headers.get("content-type") ?? "", /^text\/javascript/);
    await res.body?.cancel();
    const old = await t.app.request(runtime[1].replace(runtime[2], "0000000000000000"));
    equal(old.status, 404);
    equal(old.headers.get("cache-control"), "no-store");
    await old.body?.cancel();
  },
});
