/**
 * The route guard: applies the policy table before any handler runs.
 * Unauthenticated pages redirect to sign-in (or to setup on a fresh install);
 * APIs answer 401; a role below the minimum answers 403 and is audited.
 */
import { HttpError, type RouteInfo } from "../fresh/mod.ts";
import type { FreshContext } from "../fresh/mod.ts";
import type { State } from "../state.ts";
import { countUsers } from "../orgs/users.ts";
import { policyFor, type RoutePolicy } from "./policy.ts";
import { roleAtLeast } from "./roles.ts";
import { auditRequest } from "./request_audit.ts";

const isApi = (pattern: string) => pattern === "/api" || pattern.startsWith("/api/");

async function unauthenticated(ctx: FreshContext<State>, route: RouteInfo): Promise<Response> {
  if (isApi(route.pattern) || (route.method !== "GET" && route.method !== "HEAD")) {
    throw new HttpError(401, "Sign in first.", { code: "unauthenticated" });
  }
  if (await countUsers(ctx.state.services.ledger) === 0) return ctx.redirect("/setup", 303);
  const next = ctx.url.pathname + ctx.url.search;
  return ctx.redirect(`/sign-in?next=${encodeURIComponent(next)}`, 303);
}

/**
 * Builds the `authorize` hook for `createApp` from a policy table.
 *
 * @example
 * ```ts
 * createApp(manifest, { …, authorize: routeGuard(ROUTE_POLICIES) });
 * ```
 */
export function routeGuard(table: Record<string, RoutePolicy>) {
  return async (ctx: FreshContext<State>, route: RouteInfo): Promise<Response | void> => {
    const policy = policyFor(table, route.file, route.method);
    // The start-up check makes this unreachable; refuse rather than serve unguarded.
    if (!policy) throw new HttpError(403, "This route has no authorization policy.");
    switch (policy.auth) {
      case "public":
      case "host-key":
      case "signed-webhook":
        return;
      case "session":
        if (!ctx.state.auth) return await unauthenticated(ctx, route);
        return;
      case "role": {
        const auth = ctx.state.auth;
        if (!auth) return await unauthenticated(ctx, route);
        if (!auth.org) {
          throw new HttpError(
            403,
            "You are not a member of any organization; ask an owner for an invitation.",
            {
              code: "no_organization",
            },
          );
        }
        if (roleAtLeast(auth.org.role, policy.min)) return;
        await auditRequest(ctx, {
          action: "auth.access.denied",
          target: { type: "route", id: `${route.method} ${route.pattern}` },
          summary:
            `${auth.user.email} (${auth.org.role}) needs ${policy.min} for ${route.method} ${route.pattern}`,
          details: { role: auth.org.role, required: policy.min },
        });
        throw new HttpError(
          403,
          `This needs the ${policy.min} role or higher; you are ${auth.org.role}.`,
          {
            code: "role_required",
            details: { required: policy.min, role: auth.org.role },
          },
        );
      }
    }
  };
}
