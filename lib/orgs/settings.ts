/**
 * An organization's retention settings: how long its audit entries (default
 * `AUDIT_RETENTION_DAYS`) and its raw snapshots (default 30 days; signals and breaches are kept
 * longer) are kept. Null means the server default. Read by admins, changed by owners (the route
 * policies say so); every change is audited as `org.settings.update`.
 *
 * @module
 */
import { z } from "zod";
import { HttpError } from "../fresh/mod.ts";
import type { Services } from "../services.ts";
import type { AuthState } from "../auth/state.ts";
import { actingOperator, auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import { validate } from "../http/input.ts";
import { setOrgAuditRetention } from "./orgs.ts";
import { DEFAULT_SNAPSHOT_RETENTION_DAYS, setOrgSnapshotRetention } from "../ingest/snapshots.ts";
import { counted } from "../text/plural.ts";

/** Bounds of each setting, in days. */
export const RETENTION_BOUNDS = {
  auditRetentionDays: { min: 30, max: 36_500 },
  snapshotRetentionDays: { min: 1, max: 3650 },
} as const;

/** A retention setting's name. */
export type RetentionField = keyof typeof RETENTION_BOUNDS;

/**
 * A number of days as text, singular or plural.
 *
 * @example
 * ```ts
 * daysText(1); // "1 day"
 * daysText(30); // "30 days"
 * ```
 */
export const daysText = (n: number): string => counted(n, "day");

const days = (field: RetentionField) => {
  const { min, max } = RETENTION_BOUNDS[field];
  return z.int("must be a whole number of days").min(min, `at least ${daysText(min)}`)
    .max(max, `at most ${daysText(max)}`).nullable().optional();
};

/** A change: both optional; `null` returns to the server default. */
export const RetentionInput = z.strictObject({
  auditRetentionDays: days("auditRetentionDays"),
  snapshotRetentionDays: days("snapshotRetentionDays"),
});

/** The organization's settings with the defaults that apply when one is null. */
export interface RetentionSettings {
  org: { id: string; slug: string; name: string };
  auditRetentionDays: number | null;
  defaultAuditRetentionDays: number;
  snapshotRetentionDays: number | null;
  defaultSnapshotRetentionDays: number;
}

/** One setting as changed: before and after (null: the default). */
export type RetentionChanges = Partial<
  Record<RetentionField, { from: number | null; to: number | null }>
>;

/**
 * The organization's retention settings; 404 when it does not exist.
 *
 * @example
 * ```ts
 * const s = await orgRetention(services, org.id);
 * s.snapshotRetentionDays ?? s.defaultSnapshotRetentionDays; // days in force
 * ```
 */
export async function orgRetention(
  services: Pick<Services, "ledger" | "config">,
  orgId: string,
): Promise<RetentionSettings> {
  const row = await services.ledger.db.selectFrom("orgs")
    .select(["id", "slug", "name", "audit_retention_days", "snapshot_retention_days"])
    .where("id", "=", orgId).executeTakeFirst();
  if (!row) throw new HttpError(404, "No such organization.", { code: "not_found" });
  return {
    org: { id: row.id, slug: row.slug, name: row.name },
    auditRetentionDays: row.audit_retention_days ?? null,
    defaultAuditRetentionDays: services.config.auditRetentionDays,
    snapshotRetentionDays: row.snapshot_retention_days ?? null,
    defaultSnapshotRetentionDays: DEFAULT_SNAPSHOT_RETENTION_DAYS,
  };
}

/**
 * Changes the acting operator's organization's retention. The input is validated whole first
 * (400 `invalid_input` naming the field, nothing changed); an empty change is a 400 too. Only
 * settings whose value differs are written and audited (one `org.settings.update` entry).
 *
 * @example
 * ```ts
 * const changes = await updateOrgRetention(services, auth, { snapshotRetentionDays: 7 }, client);
 * changes.snapshotRetentionDays; // { from: null, to: 7 }
 * ```
 */
export async function updateOrgRetention(
  services: Services,
  auth: AuthState,
  input: unknown,
  client: ClientInfo,
): Promise<RetentionChanges> {
  const { org } = actingOperator(auth);
  const wanted = validate(RetentionInput, input);
  if (wanted.auditRetentionDays === undefined && wanted.snapshotRetentionDays === undefined) {
    throw new HttpError(400, "Send auditRetentionDays and/or snapshotRetentionDays.", {
      code: "invalid_input",
      details: { field: "(body)" },
    });
  }
  const before = await orgRetention(services, org.id);
  const changes: RetentionChanges = {};
  const audit = wanted.auditRetentionDays;
  if (audit !== undefined && audit !== before.auditRetentionDays) {
    await setOrgAuditRetention(services.ledger, org.id, audit);
    changes.auditRetentionDays = { from: before.auditRetentionDays, to: audit };
  }
  const snapshots = wanted.snapshotRetentionDays;
  if (snapshots !== undefined && snapshots !== before.snapshotRetentionDays) {
    await setOrgSnapshotRetention(services.ledger, org.id, snapshots);
    changes.snapshotRetentionDays = { from: before.snapshotRetentionDays, to: snapshots };
  }
  const entries = Object.entries(changes);
  if (entries.length === 0) return changes;
  await auditOperatorChange(services, client, auth, {
    action: "org.settings.update",
    summary: entries.map(([k, c]) => `${k}: ${c.from ?? "default"} → ${c.to ?? "default"}`)
      .join("; "),
    target: { type: "org", id: org.id },
    details: changes,
  });
  return changes;
}
