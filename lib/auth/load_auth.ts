/**
 * Resolves the request's operator from the session cookie: session record (KV),
 * user and memberships (ledger). Runs for every routed request, so it reads
 * little: one KV get, two indexed queries.
 */
import { getCookie } from "hono/cookie";
import type { Context as HonoContext } from "hono";
import type { Services } from "../services.ts";
import { getUser } from "../orgs/users.ts";
import { listOrgsForUser } from "../orgs/orgs.ts";
import { readSession, sessionCookieName } from "./sessions.ts";
import type { AuthState, OrgChoice } from "./state.ts";
import { appSecretOf } from "./secret.ts";

/** Whether cookies must be Secure: the app is served over https. */
export function servedOverHttps(services: Services): boolean {
  return services.config.publicOrigin.startsWith("https:");
}

/**
 * The operator behind a request, or null (no cookie, bad or expired session, disabled user).
 *
 * @example
 * ```ts
 * ctx.state.auth = await loadAuth(ctx.state.services, ctx.hono);
 * ```
 */
export async function loadAuth(services: Services, c: HonoContext): Promise<AuthState | null> {
  const token = getCookie(c, sessionCookieName(servedOverHttps(services)));
  if (!token) return null;
  const { config, kv, ledger, clock } = services;
  const session = await readSession(kv, appSecretOf(config), token, {
    idleMinutes: config.sessionIdleMinutes,
    now: clock.now(),
  });
  if (!session) return null;
  const user = await getUser(ledger, session.userId);
  if (!user || user.disabledAt) return null;
  const orgs: OrgChoice[] = (await listOrgsForUser(ledger, user.id)).map(({ org, role }) => ({
    id: org.id,
    slug: org.slug,
    name: org.name,
    role,
  }));
  const org = orgs.find((o) => o.id === session.activeOrgId) ?? orgs[0] ?? null;
  return {
    session,
    user: {
      id: user.id,
      email: user.email,
      name: user.name,
      totpEnabled: user.totpEnabledAt !== null,
    },
    orgs,
    org,
  };
}
