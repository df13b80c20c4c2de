/**
 * Authorization policies: what a route requires before its handler runs.
 * The table itself is in `route_policies.ts`; every route must appear there or
 * the app refuses to start.
 */
import type { Method, RouteDescription } from "../fresh/mod.ts";
import type { Role } from "./roles.ts";

/** What a request must carry to reach a handler. */
export type Policy =
  /** Anyone, signed in or not (probes, sign-in, setup, public assets of a flow). */
  | { auth: "public" }
  /** A signed-in operator, whatever their organizations (account pages, org switching). */
  | { auth: "session" }
  /** A signed-in member of the active organization with at least this role. */
  | { auth: "role"; min: Role }
  /** A host API key with this scope; the handler verifies it (no cookie involved). */
  | { auth: "host-key"; scope: string }
  /** A request signed by an external service (e.g. billing webhooks); the handler verifies it. */
  | { auth: "signed-webhook" };

/** One policy for the whole route, or one per method (HEAD follows GET). */
export type RoutePolicy = Policy | { [M in Method]?: Policy };

export const PUBLIC: Policy = { auth: "public" };
export const SIGNED_IN: Policy = { auth: "session" };
/** Authenticated by a host key holding `scope` ("any": whatever the request names). */
export const HOST_KEY = (scope: string): Policy => ({ auth: "host-key", scope });
/** A role policy, e.g. `role("ops")`. */
export const role = (min: Role): Policy => ({ auth: "role", min });

const isPolicy = (p: RoutePolicy): p is Policy => "auth" in p;

/**
 * The policy for one request, or undefined when the table has none.
 *
 * @example
 * ```ts
 * policyFor(ROUTE_POLICIES, "./routes/index.tsx", "HEAD") // { auth: "role", min: "viewer" }
 * ```
 */
export function policyFor(
  table: Record<string, RoutePolicy>,
  file: string,
  method: string,
): Policy | undefined {
  const entry = table[file];
  if (!entry) return undefined;
  if (isPolicy(entry)) return entry;
  const m = method.toUpperCase() as Method;
  return entry[m] ?? (m === "HEAD" ? entry.GET : undefined);
}

/**
 * Refuses to start when any route or method lacks a policy, or the table names a
 * route that does not exist (a stale entry would hide a renamed route).
 */
export function assertEveryRouteHasPolicy(
  routes: RouteDescription[],
  table: Record<string, RoutePolicy>,
): void {
  const problems: string[] = [];
  const files = new Set(routes.map((r) => r.file));
  for (const route of routes) {
    const entry = table[route.file];
    if (!entry) {
      problems.push(`${route.file}: no authorization policy`);
      continue;
    }
    if (isPolicy(entry)) continue;
    if (route.methods === "ALL") {
      problems.push(
        `${route.file}: a handler function answers every method; give one policy for all`,
      );
      continue;
    }
    for (const m of route.methods) {
      if (!entry[m] && !(m === "HEAD" && entry.GET)) {
        problems.push(`${route.file}: no policy for ${m}`);
      }
    }
  }
  for (const file of Object.keys(table)) {
    if (!files.has(file)) problems.push(`${file}: policy for a route that does not exist`);
  }
  if (problems.length > 0) {
    throw new Error(
      `Authorization policy table is incomplete (edit lib/auth/route_policies.ts):\n  ${
        problems.join("\n  ")
      }`,
    );
  }
}
