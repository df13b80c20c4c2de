/**
 * Real browser: an admin adds a host in the UI and copies its token from the page (the Copy
 * buttons put the exact text on the clipboard); the "agent"
 * (this test, with fetch) pushes the real Debian fixture with it; the host page then shows
 * posture critical with the IOC evidence — no console errors, no CSP violations. Screenshots of
 * the fleet and host pages go to docs/screenshots/.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { createOrg } from "@/lib/orgs/orgs.ts";
import { createTestApp } from "../support/test_app.ts";
import { fixtureBytes } from "../support/agent_fixtures.ts";
import {
  addPasswordMember,
  openWatchedPage,
  problemsOf,
  serveApp,
  signInWithPassword,
  submit,
} from "../support/browser_session.ts";

const ADMIN = { email: "ada@example.test", password: "admin passphrase 789" };
const SHOTS = new URL("../../docs/screenshots/", import.meta.url);

Deno.test({
  name: "[e2e] hosts: add a host in the UI, push with the copied token, see posture and the IOC",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using t = await createTestApp({ mode: "development" });
    const org = await createOrg(t.services.ledger, { name: "Night Watch", slug: "night" });
    await addPasswordMember(t.services, org.id, { ...ADMIN, name: "Ada Admin" }, "admin");
    await using served = serveApp(t.app.fetch);
    const { base, at } = served;
    await using browser = await openWatchedPage({ width: 1100, height: 900 });
    const { page, watch } = browser;

    await signInWithPassword(page, served, ADMIN);

    // The fleet is empty: the page says what to do next.
    await page.click('nav a[href="/hosts"]');
    await page.waitForURL(at("/hosts$"));
    await submit(page, '.empty a[href="/hosts/new"]', at("/hosts/new$"));
    await page.fill('input[name="name"]', "Debian VM");
    await page.fill('input[name="group"]', "lab");
    await page.fill('input[name="tags"]', "debian, lab");
    await page.click("form button.button-primary");
    await page.waitForSelector("#host-token");
    match((await page.textContent("main")) ?? "", /This token is shown only now/);
    const token = (await page.textContent("#host-token"))?.trim() ?? "";
    // "Copy" puts the exact text on the clipboard and says so.
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: base,
    });
    await page.click('button[aria-label="Copy the push command"]');
    await page.waitForSelector('button[aria-label="Copy the push command"]:text("Copied")');
    equal(
      await page.evaluate(() => navigator.clipboard.readText()),
      await page.textContent("#push-command"),
    );
    const ingestUrl = (await page.textContent("#ingest-url"))?.trim() ?? "";
    match(token, /^vs\d+_[A-Za-z0-9_-]+$/);
    const hostId = (await page.textContent("#host-id"))?.trim() ?? "";

    // The agent's push, with the token as copied from the page (the URL uses APP_URL's origin).
    const path = new URL(ingestUrl).pathname;
    equal(path, `/api/hosts/${hostId}/status`);
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: new Uint8Array(fixtureBytes("status-real-debian.json")),
    });
    equal(res.status, 200, await res.text());

    await page.goto(`${base}/hosts`);
    const row = page.locator("tr[data-host='debian-vm']");
    equal(await row.getAttribute("data-band"), "critical");
    ok(!(await page.content()).includes(token), "the fleet page never shows the token");
    await Deno.mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: new URL("fleet.png", SHOTS).pathname });

    await submit(page, "tr[data-host='debian-vm'] a", at(`/hosts/${hostId}$`));
    match((await page.textContent(".posture-line")) ?? "", /critical/);
    const threat = (await page.textContent(".threat[data-code='suspicious_process_ioc']")) ?? "";
    match(threat, /9485/);
    match(threat, /bash \/dev\/fd\/3/);
    equal(await page.getAttribute("tr[data-port='tcp:2024']", "data-expected"), "false");
    ok(!(await page.content()).includes(token), "nor does the host page");
    await page.screenshot({ path: new URL("host.png", SHOTS).pathname });

    // Phone width: nothing overflows the page sideways (wide tables scroll in their wrapper).
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(() =>
      document.documentElement.scrollWidth - document.documentElement.clientWidth
    );
    ok(overflow <= 1, `no sideways scroll at phone width (${overflow}px)`);

    deepEqual(await problemsOf(watch), { csp: [], errors: [] });
  },
});
