/**
 * Incident notifications through the notification pipeline (`lib/notify/notify.ts`): who an
 * escalation level pages (members' e-mail addresses and endpoints), the event of each incident
 * change, and the outcome on the incident's timeline. A failure to notify never fails the
 * change that caused it: it is logged and recorded on the timeline.
 *
 * @module
 */

import { writeTransaction } from "../db/ledger/transaction.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import { type NotificationEvent, notify } from "../notify/notify.ts";
import type { Services } from "../services.ts";
import { appendEvent, type Incident, systemActor } from "./model.ts";
import type { EscalationLevel, EscalationPolicy } from "./policy.ts";
import { counted } from "../text/plural.ts";

/** Explicit recipients of a notification. */
export interface NotifyTargets {
  endpointIds: string[];
  emails: string[];
}

/** Incident notification kinds. */
export type IncidentNotice = "opened" | "escalated" | "reminder" | "resolved";

/** Options of {@link incidentEvent} and {@link notifyIncident}. */
export interface NoticeOptions {
  /** The escalation level paged (1-based). */
  level?: number;
  /** Explicit recipients (an escalation level); absent: the routing rules decide. */
  targets?: NotifyTargets;
  dedupeKey?: string;
  /** Replaces the standard heading ("Incident escalated", …). */
  heading?: string;
}

/**
 * The recipients of one escalation level: its endpoints, and the e-mail addresses of its users
 * who are still enabled members of the organization.
 *
 * @example
 * ```ts
 * const targets = await levelTargets(services.ledger, orgId, policy.levels[1]);
 * ```
 */
export async function levelTargets(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  level: EscalationLevel,
): Promise<NotifyTargets> {
  const emails = level.userIds.length === 0 ? [] : (await ledger.db.selectFrom("memberships")
    .innerJoin("users", "users.id", "memberships.user_id")
    .select("users.email")
    .where("memberships.org_id", "=", orgId)
    .where("memberships.user_id", "in", level.userIds)
    .where("users.disabled_at", "is", null)
    .execute()).map((r) => r.email);
  return { endpointIds: [...level.endpointIds], emails };
}

/**
 * The targets of level `level` (1-based) of the policy, or undefined (no such level: the
 * notification routing rules decide).
 *
 * @example
 * ```ts
 * const targets = await policyTargets(services.ledger, policy, 1);
 * ```
 */
export async function policyTargets(
  ledger: Pick<Ledger, "db">,
  policy: EscalationPolicy,
  level: number,
): Promise<NotifyTargets | undefined> {
  const found = level >= 1 ? policy.levels[level - 1] : undefined;
  return found ? await levelTargets(ledger, policy.orgId, found) : undefined;
}

const TITLES: Record<IncidentNotice, string> = {
  opened: "Incident opened",
  escalated: "Incident escalated",
  reminder: "Incident still unacknowledged",
  resolved: "Incident resolved",
};

/**
 * The notification event of an incident change.
 *
 * @example
 * ```ts
 * const event = incidentEvent(services, incident, "escalated", { level: 2, targets });
 * ```
 */
export function incidentEvent(
  services: Pick<Services, "config">,
  incident: Incident,
  kind: IncidentNotice,
  options: NoticeOptions = {},
): NotificationEvent {
  const level = options.level ? ` (level ${options.level})` : "";
  return {
    orgId: incident.orgId,
    type: `incident.${kind}`,
    severity: incident.severity,
    title: `${options.heading ?? TITLES[kind]}${level}: ${incident.title}`,
    summary: incident.summary.slice(0, 1000),
    url: `${services.config.publicOrigin}/incidents/${incident.id}`,
    dedupeKey: options.dedupeKey,
    data: {
      incidentId: incident.id,
      state: incident.state,
      severity: incident.severity,
      hostId: incident.hostId,
      escalationLevel: options.level ?? incident.escalationLevel,
      openedAt: incident.openedAt.toISOString(),
    },
    ...(options.targets ? { targets: options.targets } : {}),
  };
}

/** What {@link notifyIncident} reports. */
export interface NotifyOutcome {
  deliveries: string[];
  suppressed: string[];
  deduped: boolean;
  error?: string;
}

/**
 * The timeline line of a notification: the event in words ("incident opened"), the route (the
 * routing rules, or the escalation level paged: opening an incident notifies both, on purpose),
 * and what was queued. Deliveries are only queued here; they may still fail (e-mail without
 * `SMTP_URL`), so the line says "queued", never "delivered".
 *
 * @example
 * ```ts
 * notifiedMessage("incident.opened", { deliveries: ["d1"], suppressed: [], deduped: false }, {
 *   level: 1,
 *   targets: { endpointIds: [], emails: ["ops@example.com"] },
 * }); // "Notification incident opened (level 1): 1 delivery queued"
 * ```
 */
export function notifiedMessage(
  type: string,
  outcome: NotifyOutcome,
  options: Pick<NoticeOptions, "level" | "targets"> = {},
): string {
  const words = type.replace(/[._]/g, " ");
  const route = !options.targets
    ? "routing rules"
    : options.level
    ? `level ${options.level}`
    : "escalation level";
  const head = `Notification ${words} (${route})`;
  if (outcome.error) return `${head} failed: ${outcome.error}`;
  if (outcome.deduped) return `${head} deduplicated`;
  return `${head}: ${counted(outcome.deliveries.length, "delivery", "deliveries")} queued` +
    (outcome.suppressed.length ? `, ${outcome.suppressed.length} suppressed` : "");
}

/**
 * Sends one incident notification and records the outcome on the timeline. Never throws.
 *
 * @example
 * ```ts
 * await notifyIncident(services, incident, "opened", { targets, dedupeKey: `incident.opened:${incident.id}` });
 * ```
 */
export async function notifyIncident(
  services: Services,
  incident: Incident,
  kind: IncidentNotice,
  options: NoticeOptions = {},
): Promise<NotifyOutcome> {
  const event = incidentEvent(services, incident, kind, options);
  let outcome: NotifyOutcome;
  try {
    outcome = await notify(services, event);
  } catch (error) {
    services.log.error("incident notification failed", {
      incidentId: incident.id,
      type: event.type,
      error,
    });
    outcome = {
      deliveries: [],
      suppressed: [],
      deduped: false,
      error: error instanceof Error ? error.message : String(error),
    };
  }
  const message = notifiedMessage(event.type, outcome, options);
  try {
    await writeTransaction(services.ledger, (tx) =>
      appendEvent(tx, incident, {
        type: "notified",
        actor: systemActor("notify"),
        now: services.clock.now(),
        message,
        data: {
          type: event.type,
          deliveries: outcome.deliveries.length,
          suppressed: outcome.suppressed.length,
          deduped: outcome.deduped,
          ...(options.targets
            ? {
              endpointIds: options.targets.endpointIds,
              emails: options.targets.emails.length,
            }
            : {}),
        },
      }));
  } catch (error) {
    services.log.error("incident timeline write failed", { incidentId: incident.id, error });
  }
  return outcome;
}
