/**
 * What the incident pages show besides the incident itself: members as select options and
 * labels, and list rows with their host names and assignees.
 *
 * @module
 */

import { listMembers } from "../orgs/members.ts";
import type { Services } from "../services.ts";
import { hostNames } from "../ui/host_names.ts";
import type { Incident } from "./model.ts";
import { isOverdue } from "./query.ts";

/**
 * The organization's members as `[userId, email]` options (first 200 by e-mail).
 *
 * @example
 * ```tsx
 * <SelectField name="assignee" options={[["", "Anyone"], ...await memberOptions(services, orgId)]} />
 * ```
 */
export async function memberOptions(
  services: Services,
  orgId: string,
): Promise<[string, string][]> {
  const members = await listMembers(services.ledger, orgId, { limit: 200 });
  return members.map((m): [string, string] => [m.userId, m.email]);
}

/** One row of the incident list. */
export interface IncidentRow {
  id: string;
  title: string;
  severity: Incident["severity"];
  state: Incident["state"];
  hostId: string | null;
  hostName: string | null;
  assignee: string | null;
  openedAt: string;
  ackDueAt: string | null;
  overdue: boolean;
  escalationLevel: number;
  signalCount: number;
  suggestResolve: boolean;
}

/**
 * Incidents as list rows (host names and assignee e-mails of the organization).
 *
 * @example
 * ```ts
 * const rows = await incidentRows(services, orgId, incidents, members, now);
 * ```
 */
export async function incidentRows(
  services: Services,
  orgId: string,
  incidents: Incident[],
  members: [string, string][],
  now: Date,
): Promise<IncidentRow[]> {
  const names = await hostNames(
    services,
    orgId,
    incidents.flatMap((i) => (i.hostId ? [i.hostId] : [])),
  );
  const emails = new Map(members);
  return incidents.map((i) => ({
    id: i.id,
    title: i.title,
    severity: i.severity,
    state: i.state,
    hostId: i.hostId,
    hostName: i.hostId ? names.get(i.hostId)?.name ?? i.hostId : null,
    assignee: i.assigneeId ? emails.get(i.assigneeId) ?? i.assigneeId : null,
    openedAt: i.openedAt.toISOString(),
    ackDueAt: i.ackDueAt?.toISOString() ?? null,
    overdue: isOverdue(i, now),
    escalationLevel: i.escalationLevel,
    signalCount: i.signalCount,
    suggestResolve: i.suggestResolve,
  }));
}
