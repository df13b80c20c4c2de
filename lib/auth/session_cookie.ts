/**
 * The session cookie: its name and the `Set-Cookie` values that set and clear it. The value is
 * the compact JWS made by `lib/auth/sessions.ts` (also re-exported from there).
 *
 * @module
 */

/**
 * The session cookie's name: `__Host-sentry_session` when the app is served over https (a
 * `__Host-` cookie must be Secure, Path=/ and without Domain, so browsers refuse it on http),
 * else `sentry_session`.
 *
 * @example
 * ```ts
 * sessionCookieName(config.publicOrigin.startsWith("https:")); // "__Host-sentry_session"
 * ```
 */
export function sessionCookieName(secure: boolean): string {
  return secure ? "__Host-sentry_session" : "sentry_session";
}

/**
 * A `Set-Cookie` value for the session cookie: Path=/, HttpOnly, SameSite=Lax, Secure only when
 * `secure`, never a Domain.
 *
 * @example
 * ```ts
 * headers.append("set-cookie", sessionCookieHeader(token, { secure, maxAgeS: 12 * 3600 }));
 * ```
 */
export function sessionCookieHeader(
  value: string,
  options: { secure: boolean; maxAgeS: number },
): string {
  if (!/^[A-Za-z0-9._-]+$/.test(value)) {
    throw new TypeError("Session cookie value must be a compact JWS (base64url parts and dots)");
  }
  const maxAge = Math.max(0, Math.floor(options.maxAgeS));
  return `${sessionCookieName(options.secure)}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; ` +
    `SameSite=Lax${options.secure ? "; Secure" : ""}`;
}

/**
 * A `Set-Cookie` value that removes the session cookie (sign-out).
 *
 * @example
 * ```ts
 * headers.append("set-cookie", clearSessionCookieHeader(secure));
 * ```
 */
export function clearSessionCookieHeader(secure: boolean): string {
  return `${sessionCookieName(secure)}=; Path=/; Max-Age=0; ` +
    `Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax${secure ? "; Secure" : ""}`;
}
