/**
 * Escalation policies (product §1.4, issue 6 item 3): per organization, ordered levels (each a
 * set of members, paged by e-mail, and/or notification endpoints), the acknowledgement deadline
 * per severity (defaults critical 5 / high 15 / medium 30 min), the repeat interval (10 / 20 /
 * 45 min) and an optional repeat count bounding the reminders sent after the last level.
 *
 * An organization without a stored policy has the defaults and no levels: its notifications
 * follow the notification routing rules, and reminders repeat at most
 * {@link DEFAULT_MAX_REMINDERS} times.
 *
 * @module
 */

import { z } from "zod";
import { writeTransaction } from "../db/ledger/transaction.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import { toDate } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import { type FieldIssue, validate } from "../http/input.ts";
import type { IncidentSeverity } from "./model.ts";

/** One escalation level. */
export interface EscalationLevel {
  /** Members paged (by their e-mail address). */
  userIds: string[];
  /** Notification endpoints paged. */
  endpointIds: string[];
}

/** Minutes per severity. */
export type SeverityMinutes = Record<IncidentSeverity, number>;

/** An organization's escalation policy. */
export interface EscalationPolicy {
  orgId: string;
  levels: EscalationLevel[];
  ackMinutes: SeverityMinutes;
  repeatMinutes: SeverityMinutes;
  /** Reminders after the last level; null: {@link DEFAULT_MAX_REMINDERS}. */
  repeatCount: number | null;
  updatedBy: string | null;
  updatedAt: Date | null;
  /** True when nothing is stored (the defaults). */
  isDefault: boolean;
}

export const DEFAULT_ACK_MINUTES: Readonly<SeverityMinutes> = { critical: 5, high: 15, medium: 30 };
export const DEFAULT_REPEAT_MINUTES: Readonly<SeverityMinutes> = {
  critical: 10,
  high: 20,
  medium: 45,
};
/** Reminders after the last level when the policy sets no repeat count. */
export const DEFAULT_MAX_REMINDERS = 24;
export const MAX_LEVELS = 10;

/** An object's error: `unknown field "x"` for a key it does not take, else `expected <what>`. */
function objectError(what: string) {
  return (issue: { code?: string; keys?: string[] }) =>
    issue.code === "unrecognized_keys"
      ? `unknown field ${issue.keys!.map((k) => JSON.stringify(k)).join(", ")}; expected ${what}`
      : `expected ${what}`;
}

const MINUTES = "1 to 1440 minutes, a whole number";
const Minutes = z.number({ error: MINUTES }).int(MINUTES).min(1, MINUTES).max(1440, MINUTES);
const SeverityMinutesInput = z.object({
  critical: Minutes.optional(),
  high: Minutes.optional(),
  medium: Minutes.optional(),
}, { error: objectError("minutes by severity: critical, high, medium") }).strict();
const ID = "an id of 1 to 64 characters";
const Id = z.string({ error: ID }).trim().min(1, ID).max(64, ID);
const REPEAT_COUNT = "0 to 100 reminders, a whole number (unset: 24)";

/** The body of `PUT /api/escalation-policy`. */
export const EscalationPolicyInput = z.object({
  levels: z.array(
    z.object({
      userIds: z.array(Id, { error: "a list of member ids" })
        .max(50, "at most 50 members a level").default([]),
      endpointIds: z.array(Id, { error: "a list of notification endpoint ids" })
        .max(50, "at most 50 endpoints a level").default([]),
    }, { error: objectError("a level: userIds, endpointIds") }).strict().refine(
      (l) => l.userIds.length + l.endpointIds.length > 0,
      { message: "a level needs at least one member or endpoint" },
    ),
    { error: "a list of levels" },
  ).max(MAX_LEVELS, `at most ${MAX_LEVELS} levels`),
  ackMinutes: SeverityMinutesInput.default({}),
  repeatMinutes: SeverityMinutesInput.default({}),
  repeatCount: z.number({ error: REPEAT_COUNT }).int(REPEAT_COUNT).min(0, REPEAT_COUNT)
    .max(100, REPEAT_COUNT).nullable().default(null),
}, { error: objectError("levels, ackMinutes, repeatMinutes, repeatCount") }).strict();
export type EscalationPolicyInput = z.infer<typeof EscalationPolicyInput>;

function parseJson<T>(text: string, fallback: T): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/**
 * The organization's policy (the defaults when none is stored).
 *
 * @example
 * ```ts
 * const policy = await getEscalationPolicy(services.ledger, org.id);
 * policy.ackMinutes.critical; // 5 by default
 * ```
 */
export async function getEscalationPolicy(
  ledger: Pick<Ledger, "db">,
  orgId: string,
): Promise<EscalationPolicy> {
  const row = await ledger.db.selectFrom("escalation_policies").selectAll()
    .where("org_id", "=", orgId).executeTakeFirst();
  if (!row) {
    return {
      orgId,
      levels: [],
      ackMinutes: { ...DEFAULT_ACK_MINUTES },
      repeatMinutes: { ...DEFAULT_REPEAT_MINUTES },
      repeatCount: null,
      updatedBy: null,
      updatedAt: null,
      isDefault: true,
    };
  }
  return {
    orgId,
    levels: parseJson<EscalationLevel[]>(row.levels, []),
    ackMinutes: { ...DEFAULT_ACK_MINUTES, ...parseJson(row.ack_minutes, {}) },
    repeatMinutes: { ...DEFAULT_REPEAT_MINUTES, ...parseJson(row.repeat_minutes, {}) },
    repeatCount: row.repeat_count === null ? null : Number(row.repeat_count),
    updatedBy: row.updated_by,
    updatedAt: toDate(row.updated_at),
    isDefault: false,
  };
}

/** Notification endpoint ids of the organization among `ids`. */
async function knownEndpointIds(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  ids: string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await ledger.db.selectFrom("notify_endpoints").select("id")
    .where("org_id", "=", orgId).where("id", "in", ids).execute();
  return new Set(rows.map((r) => r.id));
}

/** A 400 naming every field in `issues` (the first one in the message), as `validate` does. */
function invalidFields(issues: FieldIssue[]): HttpError {
  const first = issues[0];
  return new HttpError(400, `${first.field}: ${first.message}`, {
    code: "invalid_input",
    details: { field: first.field, issues },
  });
}

/**
 * Replaces the organization's policy. 400 naming the field for bad input, for a user who is
 * not a member of the organization, and for an endpoint of no (or another) organization; every
 * bad field is listed in `details.issues`.
 *
 * @example
 * ```ts
 * await setEscalationPolicy(ledger, orgId, {
 *   levels: [{ userIds: [onCallId] }, { userIds: [leadId], endpointIds: [pagerId] }],
 *   ackMinutes: { critical: 5 },
 * }, userId, now);
 * ```
 */
export async function setEscalationPolicy(
  ledger: Ledger,
  orgId: string,
  raw: unknown,
  userId: string,
  now: Date,
): Promise<EscalationPolicy> {
  const input = validate(EscalationPolicyInput, raw);
  const userIds = [...new Set(input.levels.flatMap((l) => l.userIds))];
  const members = userIds.length === 0 ? new Set<string>() : new Set(
    (await ledger.db.selectFrom("memberships").select("user_id")
      .where("org_id", "=", orgId).where("user_id", "in", userIds).execute())
      .map((r) => r.user_id),
  );
  const endpointIds = [...new Set(input.levels.flatMap((l) => l.endpointIds))];
  const endpoints = await knownEndpointIds(ledger, orgId, endpointIds);
  const issues: FieldIssue[] = [];
  input.levels.forEach((level, i) => {
    level.userIds.forEach((id, j) => {
      if (!members.has(id)) {
        issues.push({
          field: `levels.${i}.userIds.${j}`,
          message: "not a member of this organization",
        });
      }
    });
    level.endpointIds.forEach((id, j) => {
      if (!endpoints.has(id)) {
        issues.push({
          field: `levels.${i}.endpointIds.${j}`,
          message: "no such notification endpoint",
        });
      }
    });
  });
  if (issues.length > 0) throw invalidFields(issues);
  const levels: EscalationLevel[] = input.levels.map((l) => ({
    userIds: [...new Set(l.userIds)],
    endpointIds: [...new Set(l.endpointIds)],
  }));
  const row = {
    levels: JSON.stringify(levels),
    ack_minutes: JSON.stringify({ ...DEFAULT_ACK_MINUTES, ...input.ackMinutes }),
    repeat_minutes: JSON.stringify({ ...DEFAULT_REPEAT_MINUTES, ...input.repeatMinutes }),
    repeat_count: input.repeatCount,
    updated_by: userId,
    updated_at: now,
  };
  await writeTransaction(ledger, async (tx) => {
    await tx.db.insertInto("escalation_policies").values({ org_id: orgId, ...row })
      .onConflict((oc) => oc.column("org_id").doUpdateSet(row)).execute();
  });
  return await getEscalationPolicy(ledger, orgId);
}

/**
 * Milliseconds until an unacknowledged incident of `severity` escalates.
 *
 * @example
 * ```ts
 * ackDelayMs(policy, "critical"); // 300_000 by default
 * ```
 */
export function ackDelayMs(policy: EscalationPolicy, severity: IncidentSeverity): number {
  return policy.ackMinutes[severity] * 60_000;
}

/**
 * Milliseconds between escalations (and reminders) of an incident of `severity`.
 *
 * @example
 * ```ts
 * repeatDelayMs(policy, "critical"); // 600_000 by default
 * ```
 */
export function repeatDelayMs(policy: EscalationPolicy, severity: IncidentSeverity): number {
  return policy.repeatMinutes[severity] * 60_000;
}

/**
 * How many reminders may follow the last level.
 *
 * @example
 * ```ts
 * maxReminders({ repeatCount: null }); // 24
 * ```
 */
export function maxReminders(policy: Pick<EscalationPolicy, "repeatCount">): number {
  return policy.repeatCount ?? DEFAULT_MAX_REMINDERS;
}
