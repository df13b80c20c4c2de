/**
 * Real browser, real SMTP: first-run setup → sign out → sign in → enrol TOTP → sign in with
 * TOTP → invite a viewer by e-mail → the invitee signs up from the mailed link in a second
 * browser → the viewer's UI offers no admin controls and the API refuses them — with no console
 * errors and no CSP violations anywhere.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { currentTotp, TOTP_PERIOD_S } from "@/lib/auth/totp.ts";
import { createTestApp } from "../support/test_app.ts";
import { linksIn, startSmtpServer } from "../support/smtp.ts";
import {
  fillSignIn,
  openWatchedPage,
  problemsOf,
  serveApp,
  submit,
  submitSetup,
} from "../support/browser_session.ts";

const OWNER = { email: "olga@example.test", password: "owner passphrase 123" };
const INVITEE = { email: "vera@example.test", password: "viewer passphrase 456" };

Deno.test({
  name:
    "[e2e] operators: setup, TOTP sign-in, invitation by e-mail, and a viewer's limited UI and API",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using smtp = await startSmtpServer();
    await using t = await createTestApp({ mode: "development", env: { SMTP_URL: smtp.url } });
    await using served = serveApp(t.app.fetch);
    const { base, at } = served;
    await using owner = await openWatchedPage();
    const { page, watch: ownerWatch } = owner;

    // First run: the console sends a fresh install to setup.
    await page.goto(`${base}/`);
    equal(new URL(page.url()).pathname, "/setup");
    await submitSetup(page, served, { ...OWNER, name: "Olga Owner", orgName: "Night Watch" });
    equal(await page.textContent(".org-name"), "Night Watch");

    // Sign out, then in with the password (no second factor yet).
    await submit(page, 'form[action="/sign-out"] button', at("/sign-in"));
    await fillSignIn(page, OWNER);
    await submit(page, 'form[action="/sign-in"] button.button-primary', at("/$"));

    // Enrol TOTP on the account page, reading the key as a person would type it.
    await page.goto(`${base}/account`);
    await page.click('input[value="totp_start"] + button');
    const secret = (await page.textContent("#totp-secret"))?.trim() ?? "";
    match(secret, /^[A-Z2-7]+$/);
    ok(await page.isVisible("img.qr"), "the QR code renders as an image");
    await page.fill('input[name="code"]', currentTotp(secret, t.services.clock.now()));
    await page.click('input[value="totp_confirm"] ~ button');
    await page.waitForSelector(".codes code");
    equal(await page.locator(".codes code").count(), 10);

    // Sign out; sign in with password + TOTP. Each 30-s step is accepted once, so use the next one.
    await submit(page, 'form[action="/sign-out"] button', at("/sign-in"));
    await fillSignIn(page, OWNER);
    await page.click('form[action="/sign-in"] button.button-primary');
    await page.waitForSelector('input[name="code"]');
    t.services.clock.advance(TOTP_PERIOD_S * 1000);
    await page.fill('input[name="code"]', currentTotp(secret, t.services.clock.now()));
    await submit(page, 'input[value="mfa"] ~ button', at("/$"));
    ok(await page.isVisible('a[href="/audit"]'), "the owner sees the Audit link");

    // Invite a viewer; the mail arrives at the local SMTP server.
    await page.goto(`${base}/org/members`);
    await page.fill('input[name="email"]', INVITEE.email);
    await page.selectOption('select[name="role"]#f-role', "viewer");
    await submit(page, 'input[value="invite"] ~ button', at("/org/members\\?done=invited"));
    match((await page.textContent('main [role="status"]')) ?? "", /Invitation sent/);
    const mail = await smtp.waitForMessage((m) => m.to.includes(INVITEE.email));
    const link = linksIn(mail.text).find((l) => l.includes("/invite?token="));
    ok(link, `an invitation link in: ${mail.text}`);
    const invitePath = new URL(link).pathname + new URL(link).search;

    // The invitee, in another browser, creates their account from the link.
    await using invitee = await openWatchedPage();
    const { page: viewer, watch: viewerWatch } = invitee;
    await viewer.goto(`${base}${invitePath}`);
    match((await viewer.textContent(".invitation-summary")) ?? "", /Night Watch as viewer/);
    equal(await viewer.inputValue('input[name="email"]'), INVITEE.email);
    await viewer.fill('input[name="name"]', "Vera Viewer");
    await viewer.fill('input[name="password"]', INVITEE.password);
    await submit(viewer, "button.button-primary", at("/$"));
    equal(await viewer.textContent(".org-name"), "Night Watch");

    // The viewer's UI offers no admin controls, and the API refuses them anyway.
    equal(await viewer.locator('a[href="/audit"]').count(), 0, "no Audit link");
    await viewer.goto(`${base}/org/members`);
    equal(await viewer.locator("tr[data-member]").count(), 2);
    equal(await viewer.locator('select[name="role"]').count(), 0, "no role selects");
    equal(await viewer.locator('input[value="remove"]').count(), 0, "no Remove buttons");
    equal(await viewer.locator('input[value="invite"]').count(), 0, "no invite form");
    deepEqual(await problemsOf(viewerWatch), { csp: [], errors: [] });
    const status = await viewer.evaluate(async () => {
      const res = await fetch("/api/orgs/invitations", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: "mallory@example.test", role: "admin" }),
      });
      return res.status;
    });
    equal(status, 403);
    // Chromium logs the refused fetch itself; that one line is expected, nothing else.
    deepEqual(
      viewerWatch.errors.filter((e) => !/status of 403/.test(e)),
      [],
    );
    deepEqual(await problemsOf(ownerWatch), { csp: [], errors: [] });
  },
});
