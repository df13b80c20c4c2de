/**
 * Real browser, the fleet page kept current by the organization's stream for changes no
 * snapshot makes: another admin adds a host (its row appears), the heartbeat sweep finds a host
 * silent (its heartbeat badge turns stale) and a host is deleted (its row goes): no reload, and
 * the polite live region says what happened.
 */
import { deepEqual, equal, match } from "node:assert/strict";
import { runHeartbeatSweep } from "@/jobs/heartbeat_sweep.ts";
import { problemsOf } from "../support/browser_session.ts";
import { consoleWorld } from "../support/console_world.ts";
import { createHostViaApi } from "../support/hosts_api.ts";

Deno.test({
  name: "[e2e] fleet live: a host added, gone silent and deleted shows without a reload",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using w = await consoleWorld();
    await using browser = await w.openPage(w.a.viewer, { path: "/hosts" });
    const { page, watch } = browser;
    await page.waitForSelector(".fleet-live[data-live='live']");
    await page.evaluate(() => (globalThis as unknown as { __stay: number }).__stay = 1);
    const note = () => page.textContent(".fleet-live [role=status]");

    await createHostViaApi(w, "db-7", { group: "db" });
    await page.waitForSelector("tr[data-host='db-7']");
    match((await note()) ?? "", /db-7 was added/);

    // Twenty minutes without a push from shop-1: the sweep moves it to stale.
    await page.waitForSelector("tr[data-host='shop-1'][data-heartbeat='fresh']");
    w.services.clock.advance(20 * 60_000);
    await runHeartbeatSweep(w.services);
    await page.waitForSelector("tr[data-host='shop-1'][data-heartbeat='stale']");

    const del = await w.api(w.a.admin, "DELETE", `/api/hosts/${w.quiet.host.id}`, {
      confirm: w.quiet.host.slug,
    });
    equal(del.status, 200, await del.text());
    await page.waitForSelector("tr[data-host='quiet-1']", { state: "detached" });
    match((await note()) ?? "", /quiet-1 left the fleet/);

    equal(await page.evaluate(() => (globalThis as unknown as { __stay?: number }).__stay), 1);
    deepEqual(await problemsOf(watch), { csp: [], errors: [] });
  },
});
