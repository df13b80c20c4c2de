/**
 * Real browser: the skip link comes first; the fleet table by keyboard — `j`/`k` move the focus
 * from host to host, Enter
 * opens the focused host, `/` jumps to the search field (and typing there types, shortcuts
 * included), `?` opens the shortcut help that Escape closes. Then phone width (375 px): the
 * navigation wraps and wide tables scroll inside their wrapper, so no page of the tour scrolls
 * sideways; a screenshot of the fleet at that width goes to docs/screenshots/fleet-phone.png.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { consoleWorld } from "../support/console_world.ts";
import { problemsOf } from "../support/browser_session.ts";

const SHOTS = new URL("../../docs/screenshots/", import.meta.url);

/** The `data-host` of the row holding the focus, or null. */
const focusedHost = (page: Page) =>
  page.evaluate(() =>
    document.activeElement?.closest("tr[data-host]")?.getAttribute("data-host") ?? null
  );

/** How far the page scrolls sideways (0 when it fits). */
const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

Deno.test({
  name: "[e2e] fleet keyboard shortcuts: j/k, Enter, / and the ? help; typing is left alone",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using w = await consoleWorld();
    await using browser = await w.openPage(w.a.viewer, { path: "/hosts" });
    const { page, watch } = browser;
    await page.waitForSelector(".shortcuts-button:not([hidden])");
    // The first Tab reaches the skip link, shown while focused.
    await page.keyboard.press("Tab");
    equal(await page.evaluate(() => document.activeElement?.className), "skip-link");
    ok(await page.isVisible(".skip-link"));
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const hosts = await page.$$eval(
      "table.fleet tbody tr[data-host]",
      (rows) => rows.map((r) => r.getAttribute("data-host")),
    );
    equal(hosts.length, 3);

    await page.keyboard.press("j");
    equal(await focusedHost(page), hosts[0]);
    await page.keyboard.press("j");
    equal(await focusedHost(page), hosts[1]);
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    equal(await focusedHost(page), hosts[2], "stops at the last host");
    await page.keyboard.press("k");
    equal(await focusedHost(page), hosts[1]);

    // `/` focuses the search field; what follows is typed, not taken as shortcuts.
    await page.keyboard.press("/");
    equal(await page.evaluate(() => document.activeElement?.id), "f-q");
    await page.keyboard.type("jk/?");
    equal(await page.inputValue("#f-q"), "jk/?");
    equal(await page.evaluate(() => document.querySelector("dialog.shortcuts[open]")), null);
    await page.fill("#f-q", "");

    // `?` opens the help; Escape closes it and keys work again.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press("?");
    await page.waitForSelector("dialog.shortcuts[open]");
    const listed = await page.$$eval("dialog.shortcuts dt", (dts) => dts.map((d) => d.textContent));
    ok(["j", "k", "Enter", "/", "?"].every((k) => listed.includes(k)), `listed: ${listed}`);
    await page.keyboard.press("Escape");
    await page.waitForSelector("dialog.shortcuts:not([open])", { state: "attached" });

    // Enter opens the focused host.
    await page.keyboard.press("j");
    equal(await focusedHost(page), hosts[0]);
    const href = await page.evaluate(() => document.activeElement?.getAttribute("href"));
    await Promise.all([page.waitForURL(`${w.base}${href}`), page.keyboard.press("Enter")]);
    deepEqual(await problemsOf(watch), { csp: [], errors: [] });
  },
});

Deno.test({
  name: "[e2e] phone width: no page of the tour scrolls sideways at 375 px",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using w = await consoleWorld();
    await using browser = await w.openPage(w.a.owner, { viewport: { width: 375, height: 800 } });
    const { page } = browser;
    const wide: string[] = [];
    for (
      const path of [
        "/hosts",
        `/hosts/${w.shop.host.id}`,
        `/hosts/${w.web.host.id}/remediate`,
        "/timeline",
        "/breaches",
        `/breaches/${w.breachId}`,
        `/incidents/${w.incidentId}`,
        `/remediation/${w.dryRunId}`,
        "/audit",
        "/org/members",
        "/account",
      ]
    ) {
      await page.goto(`${w.base}${path}`);
      const px = await overflow(page);
      if (px > 1) wide.push(`${path}: ${px}px`);
      if (path === "/hosts") {
        // The navigation wraps onto more lines instead of widening the page.
        const navHeight = await page.evaluate(() =>
          document.querySelector(".site-header nav")?.getBoundingClientRect().height ?? 0
        );
        ok(navHeight > 30, `the navigation wraps (${navHeight}px high)`);
        // The shot shows the filters and the table (which scrolls inside its wrapper).
        await page.evaluate(() => document.querySelector(".filters")?.scrollIntoView());
        await Deno.mkdir(SHOTS, { recursive: true });
        await page.screenshot({ path: new URL("fleet-phone.png", SHOTS).pathname });
      }
    }
    ok(wide.length === 0, `pages wider than the phone: ${wide.join("; ")}`);
  },
});
