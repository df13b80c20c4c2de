/**
 * Real browser, real server: axe-core checks every console page — signed-out pages, then each
 * page as the role that uses it (owner for the admin pages, ops for remediation, a viewer for the
 * read-only variants) — with seeded data on each (hosts with breaches and none, an incident, an
 * endpoint, remediation runs), in the light and the dark theme and at phone width. No serious
 * or critical violation anywhere, and no page scrolls sideways at 375 px; all findings are
 * printed together, page by page.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { createTestApp } from "../support/test_app.ts";
import { openWatchedPage, serveApp } from "../support/browser_session.ts";
import { blockingViolations } from "../support/a11y.ts";
import { type ConsoleWorld, consoleWorld, LOCKDOWN } from "../support/console_world.ts";
import type { Operator } from "../support/operator_world.ts";

/**
 * Checks the page as loaded in the light theme, again in the dark theme, then at phone width
 * (where wide tables become scroll regions that must be reachable by keyboard).
 */
async function check(page: Page, label: string): Promise<string[]> {
  const found: string[] = [];
  const viewport = page.viewportSize();
  for (const [theme, width] of [["light", 0], ["dark", 0], ["light", 375]] as const) {
    await page.evaluate((t) => document.documentElement.dataset.theme = t, theme);
    if (width) await page.setViewportSize({ width, height: 800 });
    found.push(await blockingViolations(page, `${label} (${theme}${width ? `, ${width}px` : ""})`));
  }
  const sideways = await page.evaluate(() =>
    document.documentElement.scrollWidth - document.documentElement.clientWidth
  );
  if (sideways > 1) found.push(`${label}: scrolls sideways by ${sideways}px at 375px`);
  if (viewport) await page.setViewportSize(viewport);
  return found.filter(Boolean);
}

/**
 * Visits each path as `who` and checks it; an answer other than 200 (or the status given with
 * the path) is a finding too.
 */
async function walk(
  page: Page,
  w: ConsoleWorld,
  who: Operator | null,
  paths: (string | [string, number])[],
): Promise<string[]> {
  await w.signIn(page.context(), who);
  const found: string[] = [];
  for (const entry of paths) {
    const [path, status] = typeof entry === "string" ? [entry, 200] : entry;
    const res = await page.goto(`${w.base}${path}`);
    const label = `${path} as ${who?.role ?? "anonymous"}`;
    if (res?.status() !== status) {
      found.push(`${label}: HTTP ${res?.status()}`);
      continue;
    }
    found.push(...await check(page, label));
  }
  return found;
}

Deno.test({
  name: "[e2e] accessibility: no serious or critical axe violation on any console page",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using w = await consoleWorld();
    await using browser = await openWatchedPage({ width: 1100, height: 900 });
    const { page, watch } = browser;
    const web = `/hosts/${w.web.host.id}`;
    const found: string[] = [];

    found.push(
      ...await walk(page, w, null, [
        "/sign-in",
        "/reset",
        `/invite?token=${w.invitationA.token}`,
      ]),
    );
    found.push(
      ...await walk(page, w, w.a.owner, [
        "/",
        "/hosts",
        "/hosts?q=no-such-host",
        "/hosts/new",
        web,
        `/hosts/${w.shop.host.id}`,
        `/hosts/${w.quiet.host.id}`,
        "/timeline",
        "/breaches",
        `/breaches/${w.breachId}`,
        "/incidents",
        `/incidents/${w.incidentId}`,
        "/escalation",
        "/notifications",
        `/notifications/${w.endpointId}`,
        "/reports",
        "/audit",
        "/org/members",
        "/org/settings",
        "/account",
        "/remediation/policy",
        "/remediation/overrides",
        ["/no-such-page", 404],
      ]),
    );
    found.push(
      ...await walk(page, w, w.a.ops, [
        "/remediation",
        `${web}/remediate`,
        `${web}/remediate?action=${LOCKDOWN}`,
        `/remediation/${w.dryRunId}`,
        `/remediation/${w.awaitingRunId}`,
      ]),
    );
    // The previewed plan (argv lists, guards, dry-run and execute forms), as ops reach it.
    await page.goto(`${w.base}${web}/remediate?action=${LOCKDOWN}`);
    await Promise.all([
      page.waitForURL(/preview=1/),
      page.click("#params-form button[type=submit]"),
    ]);
    found.push(...await check(page, `${web}/remediate (preview) as ops`));
    found.push(
      ...await walk(page, w, w.a.viewer, [
        "/",
        "/hosts",
        web,
        `/breaches/${w.breachId}`,
        `/incidents/${w.incidentId}`,
        "/org/members",
      ]),
    );
    ok(found.length === 0, `\n${found.join("\n\n")}`);
    // The 404 page logs its failed request as a console error: that one is expected.
    deepEqual(watch.errors.filter((e) => !/404/.test(e)), []);
    deepEqual(await watch.cspViolations(), []);
  },
});

Deno.test({
  name: "[e2e] accessibility: the first-run setup page",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using t = await createTestApp({ mode: "development" });
    await using served = serveApp(t.app.fetch);
    await using browser = await openWatchedPage();
    const res = await browser.page.goto(`${served.base}/setup`);
    equal(res?.status(), 200);
    const found = await check(browser.page, "/setup");
    ok(found.length === 0, `\n${found.join("\n\n")}`);
  },
});
