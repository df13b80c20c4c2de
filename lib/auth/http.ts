/** Route-side helpers for auth: client info for audits and throttles, session cookies. */
import type { FreshContext } from "../fresh/mod.ts";
import { HttpError } from "../fresh/mod.ts";
import type { State } from "../state.ts";
import type { AuthState } from "./state.ts";
export { clientOf } from "./request_audit.ts";
import { clearSessionCookieHeader, sessionCookieHeader } from "./sessions.ts";
import { servedOverHttps } from "./load_auth.ts";

/** The signed-in operator; the guard has already refused anonymous requests. */
export function authOf(ctx: FreshContext<State>): AuthState {
  const auth = ctx.state.auth;
  if (!auth) throw new HttpError(401, "Sign in first.", { code: "unauthenticated" });
  return auth;
}

/** Adds the session cookie to a response's headers. */
export function setSessionCookie(
  headers: Headers,
  ctx: FreshContext<State>,
  token: string,
): Headers {
  const { config } = ctx.state.services;
  headers.append(
    "set-cookie",
    sessionCookieHeader(token, {
      secure: servedOverHttps(ctx.state.services),
      maxAgeS: config.sessionMaxHours * 3600,
    }),
  );
  return headers;
}

/** Removes the session cookie. */
export function clearSessionCookie(headers: Headers, ctx: FreshContext<State>): Headers {
  headers.append("set-cookie", clearSessionCookieHeader(servedOverHttps(ctx.state.services)));
  return headers;
}

/** `{ ok: true, ...data }` with no caching: every API answer carries per-user data. */
export function ok(
  data: Record<string, unknown> = {},
  init: { status?: number; headers?: Headers } = {},
): Response {
  const headers = init.headers ?? new Headers();
  headers.set("cache-control", "no-store");
  return Response.json({ ok: true, ...data }, { status: init.status ?? 200, headers });
}
