/**
 * A console with something on every page, for browser tests that walk the whole console
 * (accessibility, keyboard): the remediation world (org A, one member per role, `web-1` with
 * unexpected public ports) in development mode (islands bundled), served on a real port, plus a
 * host that reported an IOC (critical breaches), a host that never reported, an incident opened
 * by hand, a webhook endpoint, a succeeded dry-run and a run awaiting approval.
 */
import { equal } from "node:assert/strict";
import type { BrowserContext } from "playwright-core";
import type { Operator } from "./operator_world.ts";
import { type RemediationWorld, remediationWorld } from "./remediation_world.ts";
import { type CreatedHost, createHostViaApi, fixtureJson, pushStatus } from "./hosts_api.ts";
import { openWatchedPage, serveApp, type WatchedPage } from "./browser_session.ts";

export const LOCKDOWN = "lockdown-access-surface";

/** The world, its server and the ids pages are reached by. */
export interface ConsoleWorld extends RemediationWorld {
  base: string;
  shop: CreatedHost;
  quiet: CreatedHost;
  breachId: string;
  incidentId: string;
  endpointId: string;
  dryRunId: string;
  awaitingRunId: string;
  /** Puts `who`'s session cookie (or none) into a browser context for this server. */
  signIn(context: BrowserContext, who: Operator | null): Promise<void>;
  /**
   * A watched page in its own Chromium with `who` signed in, at `path` when given (after the
   * navigation has loaded); disposing it closes the browser.
   */
  openPage(
    who: Operator,
    opts?: { path?: string; viewport?: { width: number; height: number } },
  ): Promise<WatchedPage>;
}

/**
 * Builds and serves the world; disposing it stops the server and closes the stores.
 *
 * @example
 * ```ts
 * await using w = await consoleWorld();
 * await using browser = await w.openPage(w.a.owner, { path: `/hosts/${w.shop.host.id}` });
 * ```
 */
export async function consoleWorld(): Promise<ConsoleWorld> {
  const w = await remediationWorld({ mode: "development" });
  const shop = await createHostViaApi(w, "shop-1", { group: "shop", tags: ["prod", "eu"] });
  const ioc = await pushStatus(
    w,
    shop,
    await fixtureJson("status-ioc-outbound.json"),
    "2026-11-25T09:56:00.000Z",
  );
  const quiet = await createHostViaApi(w, "quiet-1", { group: "lab" });
  const json = async (who: Operator, method: string, path: string, body: unknown) => {
    const res = await w.api(who, method, path, body);
    const text = await res.text();
    equal(res.ok, true, `${method} ${path}: ${res.status} ${text}`);
    return JSON.parse(text);
  };
  const incident = await json(w.a.ops, "POST", "/api/incidents", {
    title: "Checkout returns 502",
    severity: "high",
    hostIds: [w.web.host.id],
    summary: "The load balancer answers 502 since 09:50.",
  });
  const endpoint = await json(w.a.admin, "POST", "/api/notify/endpoints", {
    name: "Pager hook",
    kind: "webhook",
    url: "http://127.0.0.1:9/hook",
    minSeverity: "high",
  });
  const dry = await w.succeededDryRun(w.a.ops, LOCKDOWN);
  const exec = await w.remediate(w.a.ops, {
    hostId: w.web.host.id,
    actionId: LOCKDOWN,
    mode: "execute",
    planHash: dry.planHash,
    confirm: `EXECUTE ${LOCKDOWN} ${dry.planHash.slice(0, 8)}`,
  });
  equal(exec.status, 202, JSON.stringify(exec.body));

  const served = serveApp(w.app.fetch);
  const { base } = served;
  const signIn = async (context: BrowserContext, who: Operator | null) => {
    await context.clearCookies();
    if (!who) return;
    const [name, value] = [who.cookie.split("=")[0], who.cookie.split("=").slice(1).join("=")];
    await context.addCookies([{ name, value, url: base }]);
  };
  const openPage: ConsoleWorld["openPage"] = async (who, opts = {}) => {
    const browser = await openWatchedPage(opts.viewport);
    try {
      await signIn(browser.context, who);
      if (opts.path !== undefined) await browser.page.goto(`${base}${opts.path}`);
      return browser;
    } catch (error) {
      await browser[Symbol.asyncDispose]();
      throw error;
    }
  };
  const dispose = w[Symbol.asyncDispose];
  return Object.assign(w, {
    base,
    shop,
    quiet,
    breachId: ioc.breaches.opened[0].id,
    incidentId: incident.incident.id as string,
    endpointId: endpoint.endpoint.id as string,
    dryRunId: dry.id,
    awaitingRunId: exec.body.run!.id,
    signIn,
    openPage,
    [Symbol.asyncDispose]: async () => {
      await served[Symbol.asyncDispose]();
      await dispose();
    },
  });
}
