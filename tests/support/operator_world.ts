/**
 * A populated operator world for tests: organization A with one member per role
 * and a pending invitation, organization B with its owner, and a signed-in
 * session cookie for each of them.
 */
import type { Hono } from "hono";
import { createTestApp } from "./test_app.ts";
import type { TestServices } from "./test_services.ts";
import { createOrg } from "@/lib/orgs/orgs.ts";
import { createUser } from "@/lib/orgs/users.ts";
import { addMember } from "@/lib/orgs/members.ts";
import { createInvitation } from "@/lib/orgs/invitations.ts";
import { hashPassword } from "@/lib/auth/password.ts";
import { createSession, sessionCookieName } from "@/lib/auth/sessions.ts";
import { appSecretOf } from "@/lib/auth/secret.ts";
import type { Role } from "@/lib/auth/roles.ts";
import type { FreshMode } from "@/lib/fresh/mod.ts";

export const TEST_PASSWORD = "correct horse battery staple";

export interface Operator {
  userId: string;
  email: string;
  orgId: string;
  role: Role;
  sessionId: string;
  /** `Cookie` header value carrying this operator's session. */
  cookie: string;
}

export interface OperatorWorld extends AsyncDisposable {
  app: Hono;
  services: TestServices;
  orgA: { id: string; slug: string };
  orgB: { id: string; slug: string };
  /** Members of org A by role. */
  a: Record<Role, Operator>;
  /** The owner of org B. */
  ownerB: Operator;
  invitationA: { id: string; token: string };
  /** Headers for a same-site browser request as `who` (or anonymous). */
  headers(who?: Operator, extra?: Record<string, string>): Record<string, string>;
}

/**
 * Builds the world on fresh in-memory stores (`mode: "development"` bundles the islands, for
 * browser tests).
 *
 * @example
 * ```ts
 * await using w = await operatorWorld();
 * await w.app.request("/api/orgs/members", { headers: w.headers(w.a.viewer) });
 * ```
 */
export async function operatorWorld(
  opts: { env?: Record<string, string>; mode?: FreshMode } = {},
): Promise<OperatorWorld> {
  const t = await createTestApp({ env: opts.env, mode: opts.mode });
  const { services } = t;
  const { ledger, kv, config, clock } = services;
  const passwordHash = await hashPassword(TEST_PASSWORD, config.passwordHashCost);
  const orgA = await createOrg(ledger, { name: "Acme Ops", slug: "acme" });
  const orgB = await createOrg(ledger, { name: "Beta Hosting", slug: "beta" });
  const cookieName = sessionCookieName(config.publicOrigin.startsWith("https:"));

  async function operator(orgId: string, role: Role, email: string): Promise<Operator> {
    const user = await createUser(ledger, { email, name: email.split("@")[0], passwordHash });
    await addMember(ledger, { orgId, userId: user.id, role });
    const { session, token } = await createSession(kv, appSecretOf(config), {
      userId: user.id,
      ip: "127.0.0.1",
      userAgent: "test",
      mfa: false,
      activeOrgId: orgId,
    }, {
      idleMinutes: config.sessionIdleMinutes,
      maxHours: config.sessionMaxHours,
      now: clock.now(),
    });
    return {
      userId: user.id,
      email: user.email,
      orgId,
      role,
      sessionId: session.id,
      cookie: `${cookieName}=${token}`,
    };
  }

  const a: Record<Role, Operator> = {
    owner: await operator(orgA.id, "owner", "owner@acme.test"),
    admin: await operator(orgA.id, "admin", "admin@acme.test"),
    ops: await operator(orgA.id, "ops", "ops@acme.test"),
    viewer: await operator(orgA.id, "viewer", "viewer@acme.test"),
  };
  const ownerB = await operator(orgB.id, "owner", "owner@beta.test");
  const { invitation, token } = await createInvitation(ledger, {
    orgId: orgA.id,
    email: "new@acme.test",
    role: "ops",
    invitedBy: a.owner.userId,
    ttlMs: 3600_000,
    now: clock.now(),
  });
  const origin = config.publicOrigin;
  return {
    app: t.app,
    services,
    orgA: { id: orgA.id, slug: orgA.slug },
    orgB: { id: orgB.id, slug: orgB.slug },
    a,
    ownerB,
    invitationA: { id: invitation.id, token },
    headers: (who, extra = {}) => ({ origin, ...(who ? { cookie: who.cookie } : {}), ...extra }),
    [Symbol.asyncDispose]: () => t[Symbol.asyncDispose](),
  };
}
