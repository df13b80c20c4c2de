/**
 * An organization's scheduled fleet report: on or off, daily or weekly (on a weekday), the hour
 * (UTC), and the recipients: e-mail addresses and/or the notification endpoints routed for
 * `report`. Stored in `report_settings` (no row: the defaults, off). Ops read them, admins
 * change them (route policies); every change is audited as `report.settings.update`.
 *
 * @module
 */

import type { Selectable } from "kysely";
import { z } from "zod";
import type { AuthState } from "../auth/state.ts";
import { actingOperator, auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import type { Ledger } from "../db/ledger/mod.ts";
import type { ReportSettingsTable } from "../db/ledger/schema.ts";
import { toDateOrNull } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import { validate } from "../http/input.ts";
import type { Services } from "../services.ts";
import type { ReportFrequency, ReportSchedule } from "./period.ts";

/** Most e-mail recipients of one organization's report. */
export const MAX_REPORT_EMAILS = 20;

/** An organization's report settings. */
export interface ReportSettings extends ReportSchedule {
  orgId: string;
  enabled: boolean;
  /** Lower-cased, unique. */
  emails: string[];
  /** Also send to the organization's notification endpoints routed for `report`. */
  viaEndpoints: boolean;
  /** When the schedule was last switched on or changed (ISO), or null. */
  scheduleSince: string | null;
  updatedBy: string | null;
  updatedAt: string | null;
}

/** The settings of an organization that never saved any: off, weekly on Monday at 08:00 UTC. */
export const DEFAULT_REPORT_SETTINGS = {
  enabled: false,
  frequency: "weekly" as ReportFrequency,
  weekday: 1,
  hourUtc: 8,
  emails: [] as string[],
  viaEndpoints: false,
};

/** One recipient address: trimmed, lower-cased, checked. */
export const ReportEmail = z.string("expected an e-mail address").trim().toLowerCase()
  .max(254, "at most 254 characters")
  .pipe(z.email("expected an e-mail address such as ops@example.com"));

/** A change: every member optional; what is left out keeps its value. */
export const ReportSettingsInput = z.strictObject({
  enabled: z.boolean("expected true or false").optional(),
  frequency: z.enum(["daily", "weekly"], 'expected "daily" or "weekly"').optional(),
  weekday: z.int("expected a whole number 0 (Sunday) to 6 (Saturday)")
    .min(0, "expected 0 (Sunday) to 6 (Saturday)").max(6, "expected 0 (Sunday) to 6 (Saturday)")
    .optional(),
  hourUtc: z.int("expected a whole hour 0-23 (UTC)").min(0, "expected an hour 0-23 (UTC)")
    .max(23, "expected an hour 0-23 (UTC)").optional(),
  emails: z.array(ReportEmail, "expected a list of e-mail addresses")
    .max(MAX_REPORT_EMAILS, `at most ${MAX_REPORT_EMAILS} addresses`).optional(),
  viaEndpoints: z.boolean("expected true or false").optional(),
});

/** A validated change. */
export type ReportSettingsChange = z.output<typeof ReportSettingsInput>;

function parseEmails(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}

function toSettings(orgId: string, row: Selectable<ReportSettingsTable> | undefined) {
  if (!row) {
    return {
      orgId,
      ...DEFAULT_REPORT_SETTINGS,
      emails: [],
      scheduleSince: null,
      updatedBy: null,
      updatedAt: null,
    } satisfies ReportSettings;
  }
  return {
    orgId,
    enabled: Number(row.enabled) === 1,
    frequency: row.frequency,
    weekday: Number(row.weekday),
    hourUtc: Number(row.hour_utc),
    emails: parseEmails(row.emails),
    viaEndpoints: Number(row.via_endpoints) === 1,
    scheduleSince: toDateOrNull(row.schedule_since)?.toISOString() ?? null,
    updatedBy: row.updated_by,
    updatedAt: toDateOrNull(row.updated_at)?.toISOString() ?? null,
  } satisfies ReportSettings;
}

/**
 * The organization's report settings (the defaults when it never saved any).
 *
 * @example
 * ```ts
 * const s = await getReportSettings(ledger, org.id);
 * if (s.enabled) describeSchedule(s);
 * ```
 */
export async function getReportSettings(
  ledger: Pick<Ledger, "db">,
  orgId: string,
): Promise<ReportSettings> {
  const row = await ledger.db.selectFrom("report_settings").selectAll()
    .where("org_id", "=", orgId).executeTakeFirst();
  return toSettings(orgId, row);
}

/**
 * Enabled report settings, a page at a time by organization id (pass the last `orgId` as
 * `after`).
 *
 * @example
 * ```ts
 * const page = await listEnabledReportSettings(ledger, { limit: 200 });
 * ```
 */
export async function listEnabledReportSettings(
  ledger: Pick<Ledger, "db">,
  options: { after?: string; limit: number },
): Promise<ReportSettings[]> {
  let query = ledger.db.selectFrom("report_settings").selectAll().where("enabled", "=", 1);
  if (options.after !== undefined) query = query.where("org_id", ">", options.after);
  const rows = await query.orderBy("org_id").limit(options.limit).execute();
  return rows.map((row) => toSettings(row.org_id, row));
}

/**
 * The settings after `change`; 400 naming `emails` when it is enabled with nobody to send to.
 * `scheduleSince` moves to `now` when the report is switched on or its schedule changes.
 *
 * @example
 * ```ts
 * const next = mergeReportSettings(before, { enabled: true, emails: ["ops@example.com"] }, now);
 * ```
 */
export function mergeReportSettings(
  before: ReportSettings,
  change: ReportSettingsChange,
  now: Date,
): ReportSettings {
  const emails = change.emails === undefined ? before.emails : [...new Set(change.emails)];
  const next: ReportSettings = {
    ...before,
    enabled: change.enabled ?? before.enabled,
    frequency: change.frequency ?? before.frequency,
    weekday: change.weekday ?? before.weekday,
    hourUtc: change.hourUtc ?? before.hourUtc,
    viaEndpoints: change.viaEndpoints ?? before.viaEndpoints,
    emails,
  };
  if (next.enabled && next.emails.length === 0 && !next.viaEndpoints) {
    throw new HttpError(
      400,
      "emails: add at least one e-mail address, or send via the notification endpoints " +
        "(viaEndpoints), before enabling the report",
      { code: "invalid_input", details: { field: "emails" } },
    );
  }
  const scheduleChanged = next.frequency !== before.frequency ||
    next.weekday !== before.weekday || next.hourUtc !== before.hourUtc;
  if (next.enabled && (!before.enabled || scheduleChanged || before.scheduleSince === null)) {
    next.scheduleSince = now.toISOString();
  }
  return next;
}

/** What changed, member by member (before and after). */
export type ReportSettingsChanges = Record<string, { from: unknown; to: unknown }>;

/**
 * Changes the acting operator's organization's report settings. The input is validated whole
 * first (400 `invalid_input` naming the field, nothing changed). Switching the report on or
 * changing its schedule starts it from now: slots already past are not sent. Audited as
 * `report.settings.update` when something changed.
 *
 * @example
 * ```ts
 * const { settings, changes } = await updateReportSettings(services, auth, {
 *   enabled: true, frequency: "daily", hourUtc: 7, emails: ["ops@example.com"],
 * }, client);
 * ```
 */
export async function updateReportSettings(
  services: Services,
  auth: AuthState,
  input: unknown,
  client: ClientInfo,
): Promise<{ settings: ReportSettings; changes: ReportSettingsChanges }> {
  const { user, org } = actingOperator(auth);
  const change = validate(ReportSettingsInput, input);
  const now = services.clock.now();
  const before = await getReportSettings(services.ledger, org.id);
  const next = mergeReportSettings(before, change, now);
  const changes: ReportSettingsChanges = {};
  for (const key of ["enabled", "frequency", "weekday", "hourUtc", "viaEndpoints"] as const) {
    if (next[key] !== before[key]) changes[key] = { from: before[key], to: next[key] };
  }
  if (JSON.stringify(next.emails) !== JSON.stringify(before.emails)) {
    changes.emails = { from: before.emails, to: next.emails };
  }
  if (Object.keys(changes).length === 0) return { settings: before, changes };
  const values = {
    enabled: next.enabled ? 1 : 0,
    frequency: next.frequency,
    weekday: next.weekday,
    hour_utc: next.hourUtc,
    emails: JSON.stringify(next.emails),
    via_endpoints: next.viaEndpoints ? 1 : 0,
    schedule_since: next.scheduleSince === null ? null : new Date(next.scheduleSince),
    updated_by: user.id,
    updated_at: now,
  };
  await services.ledger.db.insertInto("report_settings").values({ org_id: org.id, ...values })
    .onConflict((oc) => oc.column("org_id").doUpdateSet(values)).execute();
  await auditOperatorChange(services, client, auth, {
    action: "report.settings.update",
    summary: Object.entries(changes).map(([k, c]) =>
      `${k}: ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`
    ).join("; "),
    target: { type: "org", id: org.id },
    details: changes,
  });
  return { settings: await getReportSettings(services.ledger, org.id), changes };
}
