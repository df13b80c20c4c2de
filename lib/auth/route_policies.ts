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
  // Retention decides how long evidence exists: admins read it, owners change it.
  "./routes/org/settings.tsx": { GET: role("admin"), POST: role("owner") },
  "./routes/audit.tsx": role("admin"),
  // Fleet UI: every member reads; adding hosts, key actions and deletion are for admins.
  "./routes/hosts/index.tsx": role("viewer"),
  "./routes/hosts/new.tsx": role("admin"),
  "./routes/hosts/[hostId].tsx": { GET: role("viewer"), POST: role("admin") },
  // Timeline and breach ledger pages: members read; ops and above act on breaches.
  "./routes/timeline.tsx": role("viewer"),
  "./routes/breaches/index.tsx": role("viewer"),
  "./routes/breaches/[breachId].tsx": { GET: role("viewer"), POST: role("ops") },
  // Remediation console: anyone who sees a host previews plans; dry-run and execute are for ops
  // (the backend checks again and audits). A run's page is for members, its decisions for ops;
  // the queue is for ops; the kill switch and policy are changed by admins.
  "./routes/hosts/[hostId]/remediate.tsx": { GET: role("viewer"), POST: role("ops") },
  "./routes/remediation/[runId].tsx": { GET: role("viewer"), POST: role("ops") },
  "./routes/remediation/index.tsx": role("ops"),
  "./routes/remediation/policy.tsx": { GET: role("ops"), POST: role("admin") },
  "./routes/remediation/overrides.tsx": { GET: role("ops"), POST: role("admin") },

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
  // authenticated by the host's own key (agent-protocol Part 4) or, for status and history, also
  // by its runner's signature (§2.4), checked in the handler.
  "./routes/api/status.ts": role("viewer"),
  // Live updates (SSE) and the fleet rows they re-read: every member, own organization only.
  "./routes/api/live/index.ts": role("viewer"),
  "./routes/api/live/hosts.ts": role("viewer"),
  "./routes/api/hosts/index.ts": { GET: role("viewer"), POST: role("admin") },
  "./routes/api/hosts/[hostId]/index.ts": {
    GET: role("viewer"),
    PUT: role("admin"),
    DELETE: role("admin"),
  },
  "./routes/api/hosts/[hostId]/keys/index.ts": role("admin"),
  "./routes/api/hosts/[hostId]/remediation-policy.ts": { GET: role("ops"), PUT: role("admin") },
  "./routes/api/hosts/[hostId]/status.ts": {
    POST: HOST_KEY("host.status.write"),
    GET: HOST_KEY("host.status.read"),
  },
  "./routes/api/hosts/[hostId]/history.ts": HOST_KEY("host.history.read"),
  "./routes/api/hosts/[hostId]/keys/verify.ts": HOST_KEY("any"),
  // Runner enrollment: the one-time enrollment token plus a proof-of-possession signature,
  // checked in the handler (agent-protocol §2.2).
  "./routes/api/agent/enroll.ts": { POST: HOST_KEY("enroll") },
  // Remediation: anyone who sees a host may plan; dry-run and execute need ops (checked in the
  // handler, audited); the queue is for ops; the policy (kill switch) is changed by admins.
  "./routes/api/remediate/index.ts": { POST: role("viewer") },
  "./routes/api/remediate/[runId].ts": { GET: role("viewer") },
  "./routes/api/hosts/[hostId]/runs.ts": { GET: role("viewer") },
  "./routes/api/ops/remediate-queue.ts": { GET: role("ops"), POST: role("ops") },
  "./routes/api/ops/remediate-drain.ts": { POST: role("ops") },
  "./routes/api/ops/remediate-replay.ts": { POST: role("ops") },
  "./routes/api/ops/remediate-policy.ts": { GET: role("ops"), PUT: role("admin") },
  // Job-signing key: admins see which keys runners trust. It signs every organization's jobs,
  // so it is rotated by the server operator (`deno task job-key:rotate`), not through the API.
  "./routes/api/ops/job-signing-key.ts": { GET: role("admin") },
  // The job channel: signed runner requests with the route's scope, checked in the handler
  // (agent-protocol §3.1, §3.6).
  "./routes/api/agent/jobs/index.ts": { GET: HOST_KEY("host.jobs.pull") },
  "./routes/api/agent/jobs/[jti]/result.ts": { POST: HOST_KEY("host.jobs.report") },

  // Timeline and breach ledger: members read; ops and above act on breaches (audited).
  "./routes/api/timeline.ts": role("viewer"),
  "./routes/api/hosts/[hostId]/timeline.ts": role("viewer"),
  "./routes/api/hosts/[hostId]/breaches.ts": { GET: role("viewer"), POST: role("ops") },
  "./routes/api/breaches/index.ts": role("viewer"),
  "./routes/api/breaches/[breachId].ts": role("viewer"),

  // Notifications: ops read endpoints, settings and delivery logs; admins change them and send
  // tests (a test reaches outside); ops may send themselves a test e-mail (rate limited).
  "./routes/api/notify/endpoints/index.ts": { GET: role("ops"), POST: role("admin") },
  "./routes/api/notify/endpoints/[endpointId]/index.ts": {
    GET: role("ops"),
    PATCH: role("admin"),
    DELETE: role("admin"),
  },
  "./routes/api/notify/endpoints/[endpointId]/rotate-secret.ts": { POST: role("admin") },
  "./routes/api/notify/endpoints/[endpointId]/deliveries.ts": { GET: role("ops") },
  "./routes/api/notify/test.ts": { POST: role("admin") },
  "./routes/api/notify/settings.ts": { GET: role("ops"), PUT: role("admin") },
  "./routes/api/ops/test-email.ts": { POST: role("ops") },
  "./routes/notifications/index.tsx": { GET: role("ops"), POST: role("admin") },
  "./routes/notifications/[endpointId].tsx": { GET: role("ops"), POST: role("admin") },

  // Fleet reports: ops preview and send now; admins change the schedule (the page's settings
  // form is checked for admin in its handler, its "send now" form is for ops).
  "./routes/api/ops/report-now.ts": { GET: role("ops"), POST: role("ops") },
  "./routes/api/orgs/report-settings.ts": { GET: role("ops"), PATCH: role("admin") },
  "./routes/reports.tsx": { GET: role("ops"), POST: role("ops") },

  // Incidents: members read; ops and above act (transitions, assignment, notes, links,
  // workflows, postmortems, escalation by hand), all audited. Ops read the escalation policy
  // (who gets paged); admins change it.
  "./routes/api/incidents/index.ts": { GET: role("viewer"), POST: role("ops") },
  "./routes/api/incidents/[incidentId]/index.ts": { GET: role("viewer"), POST: role("ops") },
  "./routes/api/incidents/[incidentId]/postmortem.ts": {
    GET: role("viewer"),
    PUT: role("ops"),
    POST: role("ops"),
  },
  "./routes/api/ops/incidents/escalate.ts": { POST: role("ops") },
  "./routes/api/ops/incident-workflow.ts": { GET: role("ops"), POST: role("ops") },
  "./routes/api/escalation-policy.ts": { GET: role("ops"), PUT: role("admin") },
  "./routes/incidents/index.tsx": { GET: role("viewer"), POST: role("ops") },
  "./routes/incidents/[incidentId].tsx": { GET: role("viewer"), POST: role("ops") },
  "./routes/escalation.tsx": { GET: role("ops"), POST: role("admin") },

  // Audit trail: admins and owners.
  "./routes/api/audit/index.ts": role("admin"),
  "./routes/api/audit/export.ts": role("admin"),
};
