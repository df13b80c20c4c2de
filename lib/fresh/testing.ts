/**
 * Test helpers for apps built on the layer: parse pages with linkedom and
 * drive Debian's Chromium with playwright-core.
 */
import { DOMParser } from "linkedom";
import { type BrowserContext, chromium, type Page } from "playwright-core";

/** Something with Hono's in-process `request`. */
export interface RequestableApp {
  request(input: string | Request, init?: RequestInit): Response | Promise<Response>;
}

export interface FetchedPage {
  status: number;
  headers: Headers;
  html: string;
  doc: Document;
}

/**
 * Requests a page in-process and parses it.
 *
 * @example
 * ```ts
 * const { status, doc } = await fetchPage(app, "/");
 * doc.querySelector("h1")?.textContent;
 * ```
 */
export async function fetchPage(
  app: RequestableApp,
  path: string,
  init?: RequestInit,
): Promise<FetchedPage> {
  const res = await app.request(path, init);
  const html = await res.text();
  const doc = new DOMParser().parseFromString(html, "text/html") as unknown as Document;
  return { status: res.status, headers: res.headers, html, doc };
}

/** Where Debian installs Chromium; override with `CHROMIUM_PATH`. */
export function chromiumPath(): string {
  return Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
}

/**
 * Launches headless Chromium on a fresh profile. Fails (never skips) with an
 * install hint when Chromium is missing.
 *
 * @example
 * ```ts
 * await using browser = await launchChromium();
 * const page = await browser.context.newPage();
 * ```
 */
export async function launchChromium(): Promise<{ context: BrowserContext } & AsyncDisposable> {
  const executablePath = chromiumPath();
  try {
    await Deno.stat(executablePath);
  } catch {
    throw new Error(
      `Chromium not found at ${executablePath}. Install it with ` +
        "`apt-get install -y --no-install-recommends chromium` or set CHROMIUM_PATH.",
    );
  }
  const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    async [Symbol.asyncDispose]() {
      await context.close();
      await Deno.remove(profile, { recursive: true });
    },
  };
}

/** What a browser test asserts is empty at the end: problems a page reported. */
export interface PageWatch {
  /** Console errors and warnings, uncaught page errors, failed requests. */
  errors: string[];
  /** CSP violations the page saw (they also show as console errors). */
  cspViolations(): Promise<string[]>;
}

/**
 * Starts recording a page's errors and CSP violations; call before the first `goto`.
 *
 * @example
 * ```ts
 * const watch = await watchPage(page);
 * // … drive the page …
 * deepEqual(watch.errors, []);
 * deepEqual(await watch.cspViolations(), []);
 * ```
 */
export async function watchPage(page: Page): Promise<PageWatch> {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") {
      errors.push(`console.${m.type()}: ${m.text()}`);
    }
  });
  page.on("requestfailed", (r) => {
    // An EventSource ends by being aborted (page left, or closed by the script): not a failure.
    if (r.resourceType() === "eventsource" && r.failure()?.errorText === "net::ERR_ABORTED") return;
    errors.push(`requestfailed: ${r.url()}`);
  });
  // Init scripts run through the DevTools protocol, outside the page's CSP.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (globalThis as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener(
      "securitypolicyviolation",
      (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  return {
    errors,
    cspViolations: () =>
      page.evaluate(() => (globalThis as unknown as { __csp?: string[] }).__csp ?? []),
  };
}
