/**
 * Where pages send the browser next: safe `?next=` paths, 303 redirects that may carry or clear
 * the session cookie, and query strings built from filters.
 *
 * @module
 */
import type { FreshContext } from "../fresh/mod.ts";
import type { State } from "../state.ts";
import { clearSessionCookie, setSessionCookie } from "../auth/http.ts";

/**
 * A `next` value that is a path on this site, or `fallback`. Protocol-relative (`//x`),
 * backslash and control-character tricks fall back, so `?next=` cannot become an open redirect.
 *
 * @example
 * ```ts
 * safeNext("/org/members") // "/org/members"
 * safeNext("//evil.example") // "/"
 * ```
 */
export function safeNext(raw: string | null | undefined, fallback = "/"): string {
  if (!raw || raw.length > 2000) return fallback;
  // deno-lint-ignore no-control-regex -- control characters are exactly what is refused
  if (!raw.startsWith("/") || /^\/[\/\\]/.test(raw) || /[\x00-\x1f\\]/.test(raw)) return fallback;
  return raw;
}

/**
 * A 303 redirect (Post/Redirect/Get), optionally setting a new session cookie or clearing it.
 *
 * @example
 * ```ts
 * return seeOther(ctx, "/", { session: result.token });
 * return seeOther(ctx, "/account?done=password");
 * ```
 */
export function seeOther(
  ctx: FreshContext<State>,
  to: string,
  cookie: { session?: string; clear?: boolean } = {},
): Response {
  const res = ctx.redirect(to, 303);
  if (cookie.session) setSessionCookie(res.headers, ctx, cookie.session);
  if (cookie.clear) clearSessionCookie(res.headers, ctx);
  res.headers.set("cache-control", "no-store");
  return res;
}

/**
 * `path` with the non-empty values as its query string.
 *
 * @example
 * ```ts
 * withQuery("/audit", { action: "auth.", actor: "" }) // "/audit?action=auth."
 * ```
 */
export function withQuery(
  path: string,
  params: Record<string, string | number | undefined>,
): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== "") query.set(key, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}
