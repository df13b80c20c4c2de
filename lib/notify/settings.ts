/**
 * An organization's notification settings: the dedupe window, quiet hours (a local time window
 * in an IANA time zone during which everything below critical is suppressed) and the digest
 * interval for low and info events. Absent rows mean the defaults. Read by ops, changed by
 * admins; every change is audited as `notify.settings.update`.
 *
 * @module
 */

import { z } from "zod";
import type { AuthState } from "../auth/state.ts";
import { actingOperator, auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { toDate } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import { validate } from "../http/input.ts";
import type { Services } from "../services.ts";

/** The settings in force. */
export interface NotifySettings {
  /** Identical notifications within this many minutes are sent once; 0 turns dedupe off. */
  dedupeWindowMinutes: number;
  /** Local `HH:MM` start and end of quiet hours, or null when there are none. */
  quietHours: { start: string; end: string } | null;
  /** IANA time zone of the quiet hours, e.g. `Europe/Berlin`. */
  timezone: string;
  /** Low and info events are batched into one message per endpoint this often. */
  digestIntervalMinutes: number;
  updatedBy: string | null;
  updatedAt: Date | null;
}

/** Defaults of an organization that never changed its settings. */
export const DEFAULT_NOTIFY_SETTINGS: NotifySettings = {
  dedupeWindowMinutes: 10,
  quietHours: null,
  timezone: "UTC",
  digestIntervalMinutes: 60,
  updatedBy: null,
  updatedAt: null,
};

/** Bounds of the numeric settings, in minutes. */
export const NOTIFY_SETTINGS_BOUNDS = {
  dedupeWindowMinutes: { min: 0, max: 1440 },
  digestIntervalMinutes: { min: 5, max: 1440 },
} as const;

/**
 * True when `zone` is a time zone this runtime knows.
 *
 * @example
 * ```ts
 * isTimeZone("Europe/Berlin"); // true
 * isTimeZone("Mars/Olympus");  // false
 * ```
 */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The constraint of a numeric setting in words, e.g. "a whole number of minutes, 5 to 1440".
 *
 * @example
 * ```ts
 * minutesRule("dedupeWindowMinutes"); // "a whole number of minutes, 0 to 1440"
 * ```
 */
export function minutesRule(field: keyof typeof NOTIFY_SETTINGS_BOUNDS): string {
  const { min, max } = NOTIFY_SETTINGS_BOUNDS[field];
  return `a whole number of minutes, ${min} to ${max}`;
}

// Every message names the constraint in plain words: zod's defaults ("Invalid input: expected
// number, received string") never reach a form.
const minutes = (field: keyof typeof NOTIFY_SETTINGS_BOUNDS) => {
  const { min, max } = NOTIFY_SETTINGS_BOUNDS[field];
  const rule = minutesRule(field);
  return z.int(`must be ${rule}`).min(min, `at least ${min} minutes: ${rule}`)
    .max(max, `at most ${max} minutes: ${rule}`);
};
const CLOCK_RULE = "use 24-hour HH:MM, e.g. 22:00";
const Clock = z.string(CLOCK_RULE).trim().regex(/^([01]\d|2[0-3]):[0-5]\d$/, CLOCK_RULE);
const ZONE_RULE = "use an IANA time zone such as Europe/Berlin or America/New_York (or UTC)";

/** A change: every member optional; `quietHours: null` removes quiet hours. */
export const NotifySettingsInput = z.strictObject({
  dedupeWindowMinutes: minutes("dedupeWindowMinutes").optional(),
  quietHours: z.strictObject({ start: Clock, end: Clock }, {
    error: (issue) =>
      issue.code === "invalid_type"
        ? "send { start, end } in 24-hour HH:MM, or null for no quiet hours"
        : undefined,
  }).refine(
    (q) => q.start !== q.end,
    { message: "start and end must differ (an empty window is no quiet hours: send null)" },
  ).nullable().optional(),
  timezone: z.string(ZONE_RULE).trim().max(64, ZONE_RULE).refine(isTimeZone, ZONE_RULE)
    .optional(),
  digestIntervalMinutes: minutes("digestIntervalMinutes").optional(),
});

/**
 * The organization's settings (defaults when it never set any).
 *
 * @example
 * ```ts
 * const settings = await getNotifySettings(services.ledger, org.id);
 * ```
 */
export async function getNotifySettings(tx: LedgerTx, orgId: string): Promise<NotifySettings> {
  const row = await tx.db.selectFrom("notify_settings").selectAll()
    .where("org_id", "=", orgId).executeTakeFirst();
  if (!row) return { ...DEFAULT_NOTIFY_SETTINGS };
  return {
    dedupeWindowMinutes: row.dedupe_window_minutes,
    quietHours: row.quiet_start && row.quiet_end
      ? { start: row.quiet_start, end: row.quiet_end }
      : null,
    timezone: row.timezone,
    digestIntervalMinutes: row.digest_interval_minutes,
    updatedBy: row.updated_by,
    updatedAt: toDate(row.updated_at),
  };
}

/**
 * Changes the acting operator's organization's settings: validated whole first (400 naming the
 * field, nothing stored), audited once with before and after.
 *
 * @example
 * ```ts
 * await updateNotifySettings(services, auth, {
 *   quietHours: { start: "22:00", end: "07:00" }, timezone: "Europe/Berlin",
 * }, client);
 * ```
 */
export async function updateNotifySettings(
  services: Services,
  auth: AuthState,
  input: unknown,
  client: ClientInfo,
): Promise<NotifySettings> {
  const { org, user } = actingOperator(auth);
  const change = validate(NotifySettingsInput, input);
  if (Object.keys(change).length === 0) {
    throw new HttpError(
      400,
      "Send at least one of dedupeWindowMinutes, quietHours, timezone, digestIntervalMinutes.",
      { code: "invalid_input", details: { field: "(body)" } },
    );
  }
  const before = await getNotifySettings(services.ledger, org.id);
  const next = { ...before, ...change };
  const row = {
    dedupe_window_minutes: next.dedupeWindowMinutes,
    quiet_start: next.quietHours?.start ?? null,
    quiet_end: next.quietHours?.end ?? null,
    timezone: next.timezone,
    digest_interval_minutes: next.digestIntervalMinutes,
    updated_by: user.id,
    updated_at: services.clock.now(),
  };
  await services.ledger.db.insertInto("notify_settings").values({ org_id: org.id, ...row })
    .onConflict((oc) => oc.column("org_id").doUpdateSet(row)).execute();
  const after = await getNotifySettings(services.ledger, org.id);
  const view = (s: NotifySettings) => ({
    dedupeWindowMinutes: s.dedupeWindowMinutes,
    quietHours: s.quietHours,
    timezone: s.timezone,
    digestIntervalMinutes: s.digestIntervalMinutes,
  });
  await auditOperatorChange(services, client, auth, {
    action: "notify.settings.update",
    summary: `notification settings updated: ${Object.keys(change).join(", ")}`,
    target: { type: "org", id: org.id },
    details: { before: view(before), after: view(after) },
  });
  return after;
}

/**
 * The local `HH:MM` of `at` in `timezone`.
 *
 * @example
 * ```ts
 * localClock(new Date("2026-11-25T22:30:00Z"), "Europe/Berlin"); // "23:30"
 * ```
 */
export function localClock(at: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: timezone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(at);
  const hour = parts.find((p) => p.type === "hour")?.value ?? "00";
  const minute = parts.find((p) => p.type === "minute")?.value ?? "00";
  return `${hour}:${minute}`;
}

/**
 * True when `at` falls inside the quiet hours (start inclusive, end exclusive; a window whose
 * end is before its start runs over midnight).
 *
 * @example
 * ```ts
 * inQuietHours({ ...settings, quietHours: { start: "22:00", end: "07:00" } }, now);
 * ```
 */
export function inQuietHours(
  settings: Pick<NotifySettings, "quietHours" | "timezone">,
  at: Date,
): boolean {
  const q = settings.quietHours;
  if (!q) return false;
  const t = localClock(at, settings.timezone);
  return q.start < q.end ? t >= q.start && t < q.end : t >= q.start || t < q.end;
}
