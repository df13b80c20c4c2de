/**
 * THE authorization table: every route of the manifest and the minimum it
 * requires. The app refuses to start when a route or one of its methods is
 * missing here (see `assertEveryRouteHasPolicy`), and a test walks every entry
 * with every role. Keys are manifest keys (`./routes/…`).
 */
import { HOST_KEY, PUBLIC, role, type RoutePolicy, SIGNED_IN } from "./policy.ts";

export const ROUTE_POLICIES: Record<string, RoutePolicy> = {
  // Probes and the development-only island check (404 in production; no data).
  "./routes/healthz.ts": PUBLIC,
  "./routes/readyz.ts": PUBLIC,
  "./routes/dev/islands.tsx": PUBLIC,

  // Console pages
  "./routes/index.tsx": role("viewer"),
  "./routes/account.tsx": SIGNED_IN,
  "./routes/org/members.tsx": { GET: role("viewer"), POST: role("admin") },
  // Every member may leave (the last owner is refused by the repository).
  "./routes/org/leave.ts": { POST: role("viewer") },
  "./routes/org/switch.ts": SIGNED_IN,
  "./routes/audit.tsx": role("admin"),
  // Fleet UI: every member reads; adding hosts, key actions and deletion are for admins.
  "./routes/hosts/index.tsx": role("viewer"),
  "./routes/hosts/new.tsx": role("admin"),
  "./routes/hosts/[hostId].tsx": { GET: role("viewer"), POST: role("admin") },
  // Timeline and breach ledger pages: members read; ops and above act on breaches.
  "./routes/timeline.tsx": role("viewer"),
  "./routes/breaches/index.tsx": role("viewer"),
  "./routes/breaches/[breachId].tsx": { GET: role("viewer"), POST: role("ops") },

  // Signed-out pages: setup is 404 once any operator exists; sign-in throttles and audits.
  "./routes/setup.tsx": PUBLIC,
  "./routes/sign-in/index.tsx": PUBLIC,
  "./routes/sign-in/link.tsx": PUBLIC,
  "./routes/sign-out.ts": SIGNED_IN,
  "./routes/reset/index.tsx": PUBLIC,
  "./routes/reset/confirm.tsx": PUBLIC,
  "./routes/invite.tsx": PUBLIC,

  // Auth API: sign-in flows are public by nature; their handlers throttle and audit.
  "./routes/api/auth/sign-in.ts": PUBLIC,
  "./routes/api/auth/mfa.ts": PUBLIC,
  "./routes/api/auth/magic-link/index.ts": PUBLIC,
  "./routes/api/auth/magic-link/verify.ts": PUBLIC,
  "./routes/api/auth/reset/index.ts": PUBLIC,
  "./routes/api/auth/reset/confirm.ts": PUBLIC,
  "./routes/api/auth/sign-out.ts": SIGNED_IN,
  "./routes/api/auth/sign-out-everywhere.ts": SIGNED_IN,
  "./routes/api/auth/password.ts": SIGNED_IN,
  "./routes/api/auth/me.ts": SIGNED_IN,
  "./routes/api/auth/totp/enrol.ts": SIGNED_IN,
  "./routes/api/auth/totp/verify.ts": SIGNED_IN,
  "./routes/api/auth/totp/disable.ts": SIGNED_IN,
  "./routes/api/auth/totp/recovery-codes.ts": SIGNED_IN,
  "./routes/api/auth/sessions/index.ts": SIGNED_IN,
  "./routes/api/auth/sessions/[sessionId].ts": SIGNED_IN,

  // Organizations: reading members is for every member; changing them is for admins.
  "./routes/api/orgs/index.ts": SIGNED_IN,
  "./routes/api/orgs/switch.ts": SIGNED_IN,
  // Retention decides how long evidence exists: owners only.
  "./routes/api/orgs/settings.ts": { GET: role("admin"), PATCH: role("owner") },
  "./routes/api/orgs/members/index.ts": role("viewer"),
  "./routes/api/orgs/members/[userId].ts": { PATCH: role("admin"), DELETE: role("viewer") },
  "./routes/api/orgs/invitations/index.ts": { GET: role("admin"), POST: role("admin") },
  "./routes/api/orgs/invitations/[invitationId].ts": role("admin"),
  "./routes/api/orgs/invitations/accept.ts": SIGNED_IN,

  // Hosts: the registry is for members; changes and keys are for admins. Host endpoints are
  // authenticated by the host's own key (agent-protocol Part 4), checked in the handler.
  "./routes/api/status.ts": role("viewer"),
  "./routes/api/hosts/index.ts": { GET: role("viewer"), POST: role("admin") },
  "./routes/api/hosts/[hostId]/index.ts": {
    GET: role("viewer"),
    PUT: role("admin"),
    DELETE: role("admin"),
  },
  "./routes/api/hosts/[hostId]/keys/index.ts": role("admin"),
  "./routes/api/hosts/[hostId]/status.ts": {
    POST: HOST_KEY("host.status.write"),
    GET: HOST_KEY("host.status.read"),
  },
  "./routes/api/hosts/[hostId]/history.ts": HOST_KEY("host.history.read"),
  "./routes/api/hosts/[hostId]/keys/verify.ts": HOST_KEY("any"),
  // Runner enrollment: the one-time enrollment token plus a proof-of-possession signature,
  // checked in the handler (agent-protocol §2.2).
  "./routes/api/agent/enroll.ts": { POST: HOST_KEY("enroll") },

  // Timeline and breach ledger: members read; ops and above act on breaches (audited).
  "./routes/api/timeline.ts": role("viewer"),
  "./routes/api/hosts/[hostId]/timeline.ts": role("viewer"),
  "./routes/api/hosts/[hostId]/breaches.ts": { GET: role("viewer"), POST: role("ops") },
  "./routes/api/breaches/index.ts": role("viewer"),
  "./routes/api/breaches/[breachId].ts": role("viewer"),

  // Audit trail: admins and owners.
  "./routes/api/audit/index.ts": role("admin"),
  "./routes/api/audit/export.ts": role("admin"),
};
