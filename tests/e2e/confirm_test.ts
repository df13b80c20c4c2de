/**
 * Real browser: destructive one-click actions ask first. Declining the browser's confirmation
 * sends nothing; accepting sends the form (removing a member, revoking a host key).
 */
import { equal, match } from "node:assert/strict";
import type { Dialog } from "playwright-core";
import { consoleWorld } from "../support/console_world.ts";
import { problemsOf } from "../support/browser_session.ts";
import { getMembership } from "@/lib/orgs/members.ts";

Deno.test({
  name: "[e2e] confirm: removing a member asks first; declining keeps them, accepting removes",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using w = await consoleWorld();
    await using browser = await w.openPage(w.a.owner, { path: "/org/members" });
    const { page, watch } = browser;
    const button = `button[aria-label="Remove ${w.a.viewer.email}"]`;
    await page.waitForSelector(`${button}[data-confirm]`);

    const asked: string[] = [];
    const answer = (accept: boolean) => (dialog: Dialog) => {
      asked.push(dialog.message());
      return accept ? dialog.accept() : dialog.dismiss();
    };
    page.once("dialog", answer(false));
    await page.click(button);
    match(asked[0], new RegExp(`Remove ${w.a.viewer.email} from the organization\\?`));
    equal(await getMembership(w.services.ledger, w.orgA.id, w.a.viewer.userId), "viewer");
    equal(new URL(page.url()).pathname, "/org/members", "nothing was sent");

    page.once("dialog", answer(true));
    await Promise.all([page.waitForURL(/done=removed|\/org\/members/), page.click(button)]);
    await page.waitForFunction(
      (sel) => !document.querySelector(sel),
      button,
    );
    equal(await getMembership(w.services.ledger, w.orgA.id, w.a.viewer.userId), null);
    equal(asked.length, 2);
    const problems = await problemsOf(watch);
    equal(problems.errors.length + problems.csp.length, 0, JSON.stringify(problems));
  },
});
