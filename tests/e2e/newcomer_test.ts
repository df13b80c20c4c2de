/**
 * Real browser, the newcomer path (issue 7 item 5): first run → /setup creates the owner → add
 * a host in the UI → copy the agent's push command shown once (the token is read from the page)
 * → with the fleet page open, the "agent" (this test, with fetch) posts the fixture snapshot →
 * the host's row shows its posture and the counters move, without a reload → the host page
 * explains its posture (top contributing signals), and says so when another snapshot arrives
 * while it is open. No console errors, no CSP violations.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { createTestApp } from "../support/test_app.ts";
import { fixtureBytes } from "../support/agent_fixtures.ts";
import {
  openWatchedPage,
  problemsOf,
  serveApp,
  submit,
  submitSetup,
} from "../support/browser_session.ts";

const OWNER = { email: "nia@example.test", password: "newcomer passphrase 2468" };

/** Counts the page's top-level navigations from now on. */
function navigations(page: Page): { count: number } {
  const seen = { count: 0 };
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) seen.count++;
  });
  return seen;
}

Deno.test({
  name: "[e2e] newcomer: setup, add a host, push with the copied command, posture appears live",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using t = await createTestApp({ mode: "development" });
    await using served = serveApp(t.app.fetch);
    const { base, at } = served;
    await using browser = await openWatchedPage({ width: 1100, height: 900 });
    const { page, watch } = browser;

    // First run: the console sends a fresh install to setup, which creates the owner.
    await page.goto(`${base}/`);
    equal(new URL(page.url()).pathname, "/setup");
    await submitSetup(page, served, { ...OWNER, name: "Nia Newcomer", orgName: "First Light" });

    // Add a host in the UI; its push command (with the token) is shown once.
    await page.click('nav a[href="/hosts"]');
    await page.waitForURL(at("/hosts$"));
    await submit(page, '.empty a[href="/hosts/new"]', at("/hosts/new$"));
    await page.fill('input[name="name"]', "Web One");
    await page.click("form button.button-primary");
    await page.waitForSelector("#push-command");
    const command = (await page.textContent("#push-command")) ?? "";
    const token = /Bearer (vs\d+_[A-Za-z0-9_-]+)/.exec(command)?.[1] ?? "";
    const url = /https?:\/\/[^\s"']+\/api\/hosts\/[^\s"'/]+\/status/.exec(command)?.[0] ?? "";
    ok(token && url, `the push command names the token and the ingest URL: ${command}`);
    const hostId = (await page.textContent("#host-id"))?.trim() ?? "";

    // The fleet page, open and connected: the host is listed without a snapshot.
    await page.goto(`${base}/hosts`);
    const row = "tr[data-host='web-one']";
    await page.waitForSelector(`${row}`);
    match((await page.textContent(row)) ?? "", /no snapshot yet/);
    await page.waitForSelector(".fleet-live[data-live='live']");
    const moved = navigations(page);
    await page.evaluate(() => (globalThis as unknown as { __stay: number }).__stay = 1);

    // The agent's first push, as copied (the URL's origin is APP_URL's; the path is ours).
    const res = await fetch(`${base}${new URL(url).pathname}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: new Uint8Array(fixtureBytes("status-real-debian.json")),
    });
    equal(res.status, 200, await res.text());

    // The row shows the posture, the counters move: same document, no navigation.
    await page.waitForSelector(`${row}[data-band='critical']`);
    ok(!/no snapshot yet/.test((await page.textContent(row)) ?? ""), "last snapshot filled in");
    ok(Number(await page.getAttribute(row, "data-breaches")) > 0, "open breaches counted");
    await page.waitForFunction(() =>
      document.querySelector(".fleet-summary .stat-critical dd")?.textContent === "1"
    );
    match((await page.textContent(".fleet-live [role=status]")) ?? "", /Web One.*critical/);
    equal(moved.count, 0, "no navigation happened");
    equal(await page.evaluate(() => (globalThis as unknown as { __stay?: number }).__stay), 1);

    // The host page explains the posture: band, stage and the signals that cost the most.
    await submit(page, `${row} a`, at(`/hosts/${hostId}$`));
    match((await page.textContent(".posture-line")) ?? "", /critical/);
    const contributors = await page.locator("table.contributors tbody tr").allTextContents();
    ok(contributors.length > 0, "top contributing signals are listed");
    match(contributors.join(" "), /ioc/);

    // Another snapshot while the host page is open: it says so, without reloading.
    await page.waitForSelector(".live-note[data-live='live']");
    const body = JSON.parse(new TextDecoder().decode(fixtureBytes("status-real-debian.json")));
    const again = await fetch(`${base}/api/hosts/${hostId}/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ ...body, ts: new Date(Date.now() - 1000).toISOString() }),
    });
    equal(again.status, 200, await again.text());
    await page.waitForSelector("[data-new-snapshot]");

    deepEqual(await problemsOf(watch), { csp: [], errors: [] });
  },
});
