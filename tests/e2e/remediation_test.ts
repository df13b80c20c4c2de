/**
 * Real browser, real server: an ops operator opens a host with unexpected public ports, follows
 * the suggested lockdown to the remediation console, previews the plan (argv lists), dry-runs it
 * — the test plays the host runner — and watches the dry-run finish live, then types the execute
 * phrase. The run waits for a second person: an admin approves it in another browser, and the
 * operator's run page moves to queued and then succeeded without a reload when the runner
 * reports. No console errors, no CSP violations; a screenshot goes to
 * docs/screenshots/remediation.png.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import type { Page } from "playwright-core";
import { createOrg } from "@/lib/orgs/orgs.ts";
import { createHost } from "@/lib/hosts/registry.ts";
import { createHostKey } from "@/lib/hosts/keys.ts";
import { getRun, listRuns } from "@/lib/remediation/runs.ts";
import { createTestApp } from "../support/test_app.ts";
import { fixtureJson } from "../support/hosts_api.ts";
import { reportRun } from "../support/runner_report.ts";
import {
  addPasswordMember,
  openWatchedPage,
  problemsOf,
  serveApp,
  signInWithPassword,
  submit,
} from "../support/browser_session.ts";

const OPS = { email: "olga@example.test", password: "ops passphrase 456" };
const ADMIN = { email: "ada@example.test", password: "admin passphrase 789" };
const SHOTS = new URL("../../docs/screenshots/", import.meta.url);
const LOCKDOWN = "lockdown-access-surface";

/** Marks the document; the mark survives in-place updates and is gone after any reload. */
const mark = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { __mark: string }).__mark = "same-document");
const marked = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { __mark?: string }).__mark === "same-document");

Deno.test({
  name: "[e2e] remediation: preview, live dry-run, typed phrase, second-person approval, live run",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using t = await createTestApp({ mode: "development" });
    const { ledger, clock } = t.services;
    const org = await createOrg(ledger, { name: "Night Watch", slug: "night" });
    await addPasswordMember(t.services, org.id, { ...OPS, name: "Olga Ops" }, "ops");
    await addPasswordMember(t.services, org.id, { ...ADMIN, name: "Ada Admin" }, "admin");
    const host = await createHost(ledger, org.id, { name: "web-1", slug: "web-1" }, {
      now: clock.now(),
    });
    const { token } = await createHostKey(ledger, {
      orgId: org.id,
      hostId: host.id,
      label: "agent",
      now: clock.now(),
    });
    await using served = serveApp(t.app.fetch);
    const { base, at } = served;

    // The agent pushes a snapshot with unexpected public ports (tcp:6379, tcp:8080).
    const drift = await fixtureJson("status-drift.json");
    const pushed = await fetch(`${base}/api/hosts/${host.id}/status`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ ...drift, ts: "2026-11-25T09:55:00.000Z" }),
    });
    equal(pushed.status, 200, await pushed.text());

    await using browser = await openWatchedPage({ width: 1100, height: 900 });
    const { page, watch } = browser;
    await signInWithPassword(page, served, OPS);

    // Host page → the suggested lockdown → the console with the plan.
    await page.goto(`${base}/hosts/${host.id}`);
    await submit(
      page,
      `#remediation li[data-action="${LOCKDOWN}"] a`,
      at(`/hosts/${host.id}/remediate\\?action=${LOCKDOWN}$`),
    );
    await submit(page, "#params-form button[type=submit]", at(".*preview=1"));
    const argv = await page.$$eval(
      'ol[data-steps="execute"] > li:first-child ol.argv li',
      (items) => items.map((li) => li.textContent),
    );
    ok(argv.length > 2 && argv[0]!.startsWith("/"), `argv as a list: ${argv}`);
    match((await page.textContent("#plan")) ?? "", /tcp:6379/);
    equal(await page.$("#execute-form"), null, "no execute before a dry-run");

    // Dry-run: queued, then the runner reports and the page shows it without a reload.
    await submit(page, "#dry-run-form button[type=submit]", at(".*done=dry-run"));
    await page.waitForSelector('.dry-run-pending [data-live-state="queued"]');
    const [dry] = await listRuns(ledger, org.id, { limit: 1 });
    equal(dry.mode, "dry-run");
    await mark(page);
    await reportRun(t.services, dry.id, { stdout: "Rules updated (dry run): {step}" });
    await page.waitForSelector('.dry-run-pending [data-live-state="succeeded"]', {
      timeout: 10_000,
    });
    ok(await marked(page), "the dry-run result arrived in place");
    match((await page.textContent(".dry-run-pending pre.output")) ?? "", /Rules updated/);
    await submit(page, ".dry-run-pending a.button-link", at(`/hosts/${host.id}/remediate\\?`));
    match((await page.textContent(".dry-run-result")) ?? "", /succeeded/);

    // Execute: type the exact phrase the page shows.
    const phrase = ((await page.textContent("#execute-phrase")) ?? "").trim();
    match(phrase, new RegExp(`^EXECUTE ${LOCKDOWN} [0-9a-f]{8}$`));
    await page.fill("#f-confirm", phrase);
    await submit(
      page,
      "#execute-form button[type=submit]",
      at("/remediation/run_[0-9A-Z]+\\?done=requested$"),
    );
    const runId = new URL(page.url()).pathname.split("/").at(-1)!;
    await page.waitForSelector('[data-live-state="awaiting-approval"]');
    ok(await page.$("#approval-blocked"), "the requester is told a second person approves");
    await mark(page);

    // A second person approves in their own browser, from the queue.
    {
      await using other = await openWatchedPage();
      const { page: admin, watch: adminWatch } = other;
      await signInWithPassword(admin, served, ADMIN);
      await admin.click('nav a[href="/remediation"]');
      await admin.waitForURL(at("/remediation$"));
      // Approve asks first, naming what it lets run and whether it can be undone.
      const asked: string[] = [];
      admin.once("dialog", (d) => {
        asked.push(d.message());
        return d.accept();
      });
      await submit(
        admin,
        `#runs-awaiting tr[data-run="${runId}"] form:has(input[value="approve"]) button`,
        at("/remediation\\?done=approved$"),
      );
      match(asked[0] ?? "", /^Approve Lock down the access surface on web-1\? Reversible/);
      deepEqual(await problemsOf(adminWatch), { csp: [], errors: [] });
    }
    await page.waitForSelector('[data-live-state="queued"]', { timeout: 10_000 });
    equal((await getRun(ledger, runId))!.state, "queued");

    // The runner runs it; the operator's page follows without a reload.
    await reportRun(t.services, runId, { stdout: "Rule added: {step}" });
    await page.waitForSelector('[data-live-state="succeeded"]', { timeout: 10_000 });
    ok(await marked(page), "no reload");
    match((await page.textContent('[data-job-mode="execute"]')) ?? "", /Rule added/);
    // Arming follows the result in its own live event: wait for it, then the deadline is named.
    await page.waitForSelector(".run-live [data-confirm-deadline]", { timeout: 10_000 });
    match(
      (await page.textContent(".run-live")) ?? "",
      /armed rolls back at \d\d:\d\d UTC unless a healthy snapshot confirms it/,
    );
    match((await page.textContent(".live-note")) ?? "", /State changed to succeeded/);
    match((await page.textContent("[data-approval]")) ?? "", /approved/);
    ok(await page.$(".run-live .notice-info"), "the decision forms are flagged as outdated");
    await Deno.mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: new URL("remediation.png", SHOTS).pathname, fullPage: true });

    deepEqual(await problemsOf(watch), { csp: [], errors: [] });
  },
});
