/**
 * Walks EVERY route of the manifest with no session, each role of the owning
 * organization and the owner of another organization, and asserts the policy
 * table exactly: who is refused by the guard (401 / sign-in redirect / 403),
 * who gets through, and that the other organization's owner never sees or
 * changes organization A's data.
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import manifest from "@/fresh.gen.ts";
import { describeRoutes } from "@/lib/fresh/mod.ts";
import { ROUTE_POLICIES } from "@/lib/auth/route_policies.ts";
import { type Policy, policyFor } from "@/lib/auth/policy.ts";
import { roleAtLeast } from "@/lib/auth/roles.ts";
import { getMembership } from "@/lib/orgs/members.ts";
import { queryAudit } from "@/lib/audit/query.ts";
import { type Operator, type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";

type Outcome = "unauthenticated" | "role_required" | "no_organization" | "passed";

async function outcomeOf(res: Response): Promise<{ outcome: Outcome; body: string }> {
  const body = await res.text();
  const location = res.headers.get("location") ?? "";
  // The guard's redirects: to sign-in with the page to come back to, or to setup on a fresh install.
  if (res.status === 303 && (/^\/sign-in\?next=/.test(location) || location === "/setup")) {
    return { outcome: "unauthenticated", body };
  }
  if (res.status === 401 || res.status === 403) {
    if ((res.headers.get("content-type") ?? "").includes("json")) {
      const code = JSON.parse(body)?.error?.code;
      if (code === "unauthenticated" || code === "role_required" || code === "no_organization") {
        return { outcome: code, body };
      }
    } else if (body.includes("Sign in first.")) return { outcome: "unauthenticated", body };
    else if (body.includes("This needs the ")) return { outcome: "role_required", body };
  }
  return { outcome: "passed", body };
}

function expected(policy: Policy, actor: Operator | null, isOrgA: boolean): Outcome {
  if (policy.auth === "public" || policy.auth === "host-key" || policy.auth === "signed-webhook") {
    return "passed";
  }
  if (!actor) return "unauthenticated";
  if (policy.auth === "session") return "passed";
  return isOrgA && !roleAtLeast(actor.role, policy.min) ? "role_required" : "passed";
}

/** A concrete URL for a pattern: ids belong to organization A, so other orgs must get 404. */
function urlFor(pattern: string, w: OperatorWorld): string {
  const values: Record<string, string> = {
    userId: w.a.viewer.userId,
    invitationId: w.invitationA.id,
    sessionId: w.a.owner.sessionId,
  };
  return pattern.replace(/:([A-Za-z_]+)\??(\{[^}]*\})?/g, (_, name: string) => values[name] ?? "x");
}

const routes = describeRoutes(manifest);

Deno.test("[auth] every manifest route has exactly the policy the table declares, for every role and org", async (t) => {
  ok(routes.length >= 25, "the walk covers the whole manifest");
  for (const route of routes) {
    const methods = route.methods === "ALL" ? ["GET", "POST"] : route.methods;
    for (const method of methods) {
      await t.step(`${method} ${route.pattern}`, async () => {
        await using w = await operatorWorld();
        const policy = policyFor(ROUTE_POLICIES, route.file, method)!;
        ok(policy, `${route.file} ${method} has a policy`);
        const url = urlFor(route.pattern, w);
        const aData = [w.orgA.id, w.invitationA.id, ...Object.values(w.a).map((o) => o.email)];
        const actors: Array<[string, Operator | null, boolean]> = [
          ["anonymous", null, false],
          ["owner of org B", w.ownerB, false],
          ["viewer", w.a.viewer, true],
          ["ops", w.a.ops, true],
          ["admin", w.a.admin, true],
          ["owner", w.a.owner, true],
        ];
        let denials = 0;
        for (const [label, actor, isOrgA] of actors) {
          const hasBody = !["GET", "HEAD", "DELETE"].includes(method);
          const res = await w.app.request(url, {
            method,
            headers: w.headers(
              actor ?? undefined,
              hasBody ? { "content-type": "application/json" } : {},
            ),
            body: hasBody ? "{}" : undefined,
          });
          const { outcome, body } = await outcomeOf(res);
          equal(
            outcome,
            expected(policy, actor, isOrgA),
            `${method} ${url} as ${label}: status ${res.status}`,
          );
          if (outcome === "role_required") denials++;
          if (actor === w.ownerB && outcome === "passed") {
            for (const secret of aData) {
              ok(!body.includes(secret), `${method} ${url} as owner of B leaks ${secret}`);
            }
            if (route.pattern.includes(":")) {
              ok(res.status >= 400, `${method} ${url} as owner of B: ${res.status}`);
            }
            equal(await getMembership(w.services.ledger, w.orgA.id, w.a.viewer.userId), "viewer");
          }
        }
        const audited = await queryAudit(w.services.ledger, w.orgA.id, {
          action: "auth.access.denied",
          limit: 50,
        });
        equal(audited.entries.length, denials, "every role denial is audited in org A's trail");
      });
    }
  }
});

Deno.test("[auth] the app refuses to start when a route has no policy", async () => {
  const { assertEveryRouteHasPolicy } = await import("@/lib/auth/policy.ts");
  const table = { ...ROUTE_POLICIES };
  delete table["./routes/readyz.ts"];
  let message = "";
  try {
    assertEveryRouteHasPolicy(routes, table);
  } catch (e) {
    message = (e as Error).message;
  }
  ok(message.includes("./routes/readyz.ts: no authorization policy"), message);
  deepEqual(
    (() => {
      try {
        assertEveryRouteHasPolicy(routes, {
          ...ROUTE_POLICIES,
          "./routes/ghost.ts": { auth: "public" },
        });
        return "";
      } catch (e) {
        return (e as Error).message.includes(
          "./routes/ghost.ts: policy for a route that does not exist",
        );
      }
    })(),
    true,
  );
});
