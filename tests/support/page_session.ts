/**
 * Page tests as one signed-in operator: GET a page or POST a form the way a browser does, with
 * that operator's session cookie, and get the answer back parsed — the sign-in, request and
 * parse steps every server-rendered page test repeats.
 */
import type { Hono } from "hono";
import type { Operator } from "./operator_world.ts";
import { getPage, parseHtml, postForm } from "./pages.ts";

/** An answer with its HTML parsed (empty for a redirect). */
export interface PageAnswer {
  status: number;
  headers: Headers;
  html: string;
  doc: Document;
  res: Response;
}

/** Requests as one operator. */
export interface PageSession {
  /** GETs `path` with the session, as a same-site navigation. */
  get(path: string): Promise<PageAnswer>;
  /** POSTs `fields` url-encoded to `path` with the session and a same-origin `Origin`. */
  post(path: string, fields: Record<string, string>): Promise<PageAnswer>;
}

/**
 * The session of `who` in world `w` (any world with `app` and `headers`, e.g. `operatorWorld`).
 *
 * @example
 * ```ts
 * const admin = pageSession(w, w.a.admin);
 * const bad = await admin.post("/hosts/new", { name: "" });
 * equal(bad.status, 400);
 * ok(bad.doc.querySelector(".field-invalid #f-name"));
 * ```
 */
export function pageSession(
  w: { app: Hono; headers(who?: Operator): Record<string, string> },
  who: Operator,
): PageSession {
  return {
    async get(path) {
      const page = await getPage(w.app, path, w.headers(who));
      return { ...page, headers: page.res.headers };
    },
    async post(path, fields) {
      const res = await postForm(w.app, path, fields, { cookie: who.cookie });
      const html = await res.text();
      return { status: res.status, headers: res.headers, html, doc: parseHtml(html), res };
    },
  };
}
