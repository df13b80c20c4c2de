/**
 * Real browser: an owner changes retention on the organization settings page. While the POST is
 * in flight the submit button (an island) is disabled, `aria-busy` and says "Saving…"; the
 * answer redirects to the page with the flash — no console errors, no CSP violations.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { createOrg } from "@/lib/orgs/orgs.ts";
import { orgRetention } from "@/lib/orgs/settings.ts";
import { createTestApp } from "../support/test_app.ts";
import {
  addPasswordMember,
  openWatchedPage,
  problemsOf,
  serveApp,
  signInWithPassword,
} from "../support/browser_session.ts";

const OWNER = { email: "otto@example.test", password: "owner passphrase 321" };

Deno.test({
  name: "[e2e] org settings: the save button shows the pending state, then the flash",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using t = await createTestApp({ mode: "development" });
    const org = await createOrg(t.services.ledger, { name: "Night Watch", slug: "night" });
    await addPasswordMember(t.services, org.id, { ...OWNER, name: "Otto Owner" }, "owner");
    await using served = serveApp(t.app.fetch);
    const { base } = served;
    await using browser = await openWatchedPage();
    const { page, watch } = browser;

    await signInWithPassword(page, served, OWNER);

    // The button's pending state, reported from the page as it happens (a locator or evaluate
    // would wait for the navigation the held POST keeps pending).
    let pending: (report: string) => void = () => {};
    const reported = new Promise<string>((resolve) => pending = resolve);
    page.on("console", (m) => {
      if (m.text().startsWith("pending-state ")) pending(m.text());
    });
    await page.addInitScript(() => {
      new MutationObserver(() => {
        const b = document.querySelector<HTMLButtonElement>("#retention-form button");
        if (b?.getAttribute("aria-busy") === "true") {
          console.info(`pending-state disabled=${b.disabled} text=${b.textContent?.trim()}`);
        }
      }).observe(document, { subtree: true, attributes: true, childList: true });
    });
    await page.goto(`${base}/org/members`);
    await page.click("#org-settings-link");
    await page.waitForURL(`${base}/org/settings`);
    // Hold the POST until the pending state has been seen.
    let release = () => {};
    const held = new Promise<void>((resolve) => release = resolve);
    await page.route(`${base}/org/settings`, async (route) => {
      if (route.request().method() === "POST") await held;
      await route.continue();
    });
    await page.fill("#f-snapshotRetentionDays", "14");
    const button = page.locator("#retention-form button[type='submit']");
    await button.click({ noWaitAfter: true });
    equal(await reported, "pending-state disabled=true text=Saving…");
    release();
    await page.waitForURL(`${base}/org/settings?done=retention`);
    match((await page.textContent("main")) ?? "", /Retention settings saved\./);
    equal(await button.isDisabled(), false, "the new page's button is ready again");
    equal((await orgRetention(t.services, org.id)).snapshotRetentionDays, 14);

    deepEqual(await problemsOf(watch), { csp: [], errors: [] });
  },
});
