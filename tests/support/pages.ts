/** Helpers for server-rendered page tests: form posts as a browser sends them, cookies, DOM. */
import { DOMParser } from "linkedom";
import type { Hono } from "hono";

/** The origin the test config serves (`APP_URL` default), which CSRF checks compare with. */
export const ORIGIN = "http://localhost:8000";

/**
 * POSTs `fields` url-encoded with a same-origin `Origin`, as a browser form does.
 *
 * @example
 * ```ts
 * const res = await postForm(app, "/sign-in", { email, password }, { cookie });
 * ```
 */
export function postForm(
  app: Hono,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(app.request(path, {
    method: "POST",
    headers: { origin: ORIGIN, "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  }));
}

/** The `name=value` of the session cookie a response sets, or null. */
export function sessionCookieOf(res: Response): string | null {
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(";")[0];
    if (/^(__Host-)?sentry_session=./.test(pair)) return pair;
  }
  return null;
}

/** Parses HTML into a document for `querySelector` assertions. */
export function parseHtml(html: string): Document {
  return new DOMParser().parseFromString(html, "text/html") as unknown as Document;
}

/** GETs a page and parses it. */
export async function getPage(
  app: Hono,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; html: string; doc: Document; res: Response }> {
  const res = await app.request(path, { headers });
  const html = await res.text();
  return { status: res.status, html, doc: parseHtml(html), res };
}

/** Text content with whitespace collapsed. */
export function textOf(node: Element | Document | null): string {
  return (node?.textContent ?? "").replace(/\s+/g, " ").trim();
}
