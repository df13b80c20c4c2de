/**
 * The steps browser tests (tests/e2e) share: serve the app on a local port, open a watched page
 * in a fresh Chromium, create a member who signs in with a password, sign in or run first-run
 * setup through the real forms, submit and wait for the next page, and read what a page
 * reported (CSP violations, errors) for the final assertion.
 */
import type { BrowserContext, Page } from "playwright-core";
import { launchChromium, type PageWatch, watchPage } from "@/lib/fresh/testing.ts";
import { hashPassword } from "@/lib/auth/password.ts";
import type { Role } from "@/lib/auth/roles.ts";
import { addMember } from "@/lib/orgs/members.ts";
import { createUser, type User } from "@/lib/orgs/users.ts";
import type { TestServices } from "./test_services.ts";

/** Who signs in through the forms. */
export interface Credentials {
  email: string;
  password: string;
}

/** The app on a local port; disposing it shuts the server down. */
export interface ServedApp extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Matches URLs of this server that start with `path` (a regular expression source). */
  at(path: string): RegExp;
}

/**
 * Serves `handler` (an app's `fetch`) on a free loopback port.
 *
 * @example
 * ```ts
 * await using served = serveApp(t.app.fetch);
 * await page.goto(`${served.base}/sign-in`);
 * ```
 */
export function serveApp(handler: Deno.ServeHandler): ServedApp {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, handler);
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    base,
    at: (path) => new RegExp(`^${base.replaceAll(".", "\\.")}${path}`),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** A page in its own Chromium, watched from before its first navigation. */
export interface WatchedPage extends AsyncDisposable {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
}

/**
 * Launches Chromium and opens a page (at `viewport` size when given) with a {@link PageWatch};
 * disposing it closes the browser.
 *
 * @example
 * ```ts
 * await using browser = await openWatchedPage({ width: 1100, height: 900 });
 * const { page, watch } = browser;
 * ```
 */
export async function openWatchedPage(
  viewport?: { width: number; height: number },
): Promise<WatchedPage> {
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    if (viewport) await page.setViewportSize(viewport);
    const watch = await watchPage(page);
    return {
      context: browser.context,
      page,
      watch,
      [Symbol.asyncDispose]: () => browser[Symbol.asyncDispose](),
    };
  } catch (error) {
    await browser[Symbol.asyncDispose]();
    throw error;
  }
}

/**
 * What a page reported, for the last assertion of a browser test (a copy of the errors).
 *
 * @example
 * ```ts
 * deepEqual(await problemsOf(watch), { csp: [], errors: [] });
 * ```
 */
export async function problemsOf(watch: PageWatch): Promise<{ csp: string[]; errors: string[] }> {
  return { csp: await watch.cspViolations(), errors: [...watch.errors] };
}

/**
 * Creates a user who signs in with `who`'s password and makes them `role` in `orgId`.
 *
 * @example
 * ```ts
 * await addPasswordMember(t.services, org.id, { ...ADMIN, name: "Ada Admin" }, "admin");
 * ```
 */
export async function addPasswordMember(
  services: Pick<TestServices, "ledger" | "config">,
  orgId: string,
  who: Credentials & { name: string },
  role: Role,
): Promise<User> {
  const user = await createUser(services.ledger, {
    email: who.email,
    name: who.name,
    passwordHash: await hashPassword(who.password, services.config.passwordHashCost),
  });
  await addMember(services.ledger, { orgId, userId: user.id, role });
  return user;
}

/**
 * Clicks `button` and waits for a URL matching `url`; when that page never comes, the error
 * says where the browser ended up and what it shows.
 *
 * @example
 * ```ts
 * await submit(page, "form button.button-primary", served.at("/hosts/new$"));
 * ```
 */
export async function submit(page: Page, button: string, url: RegExp): Promise<void> {
  try {
    await Promise.all([page.waitForURL(url), page.click(button)]);
  } catch (error) {
    const main = (await page.textContent("main"))?.replace(/\s+/g, " ").trim();
    throw new Error(`after clicking ${button}: at ${page.url()}: ${main}`, { cause: error });
  }
}

/** Types `who`'s e-mail and password into the sign-in form on the page. */
export async function fillSignIn(page: Page, who: Credentials): Promise<void> {
  await page.fill('input[name="email"]', who.email);
  await page.fill('input[name="password"]', who.password);
}

/**
 * Opens `/sign-in`, signs in as `who` (no second factor) and waits for the home page.
 *
 * @example
 * ```ts
 * await signInWithPassword(page, served, ADMIN);
 * ```
 */
export async function signInWithPassword(
  page: Page,
  served: Pick<ServedApp, "base" | "at">,
  who: Credentials,
): Promise<void> {
  await page.goto(`${served.base}/sign-in`);
  await fillSignIn(page, who);
  await submit(page, 'form[action="/sign-in"] button.button-primary', served.at("/$"));
}

/**
 * Fills the first-run setup form shown on the page (the owner and the organization) and waits
 * for the home page it leads to.
 *
 * @example
 * ```ts
 * await submitSetup(page, served, { name: "Nia", email, password, orgName: "First Light" });
 * ```
 */
export async function submitSetup(
  page: Page,
  served: Pick<ServedApp, "at">,
  owner: Credentials & { name: string; orgName: string },
): Promise<void> {
  await page.fill('input[name="name"]', owner.name);
  await fillSignIn(page, owner);
  await page.fill('input[name="orgName"]', owner.orgName);
  await submit(page, "button.button-primary", served.at("/$"));
}
