/**
 * An organization's remediation policy in the ledger: guard profile (strict / balanced /
 * rapid), the "remediation frozen" kill switch, maintenance windows and the approval threshold,
 * plus per-host knob overrides. Absent rows mean the defaults (balanced, not frozen).
 *
 * @module
 */

import { z } from "zod";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { toDate } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import type { MaintenanceWindow } from "./guard.ts";
import {
  CATALOG_ALLOW_RULES,
  type ExecutableRule,
  type GuardPolicy,
  guardPolicy,
  type HostGuardOverride,
  hostOverrideSchema,
  PROFILE_NAMES,
  type ProfileName,
  PROFILES,
} from "./profiles.ts";
import { RISK_TIERS, type RiskTier } from "./types.ts";

/** What an organization has set. */
export interface OrgRemediationPolicy {
  profile: ProfileName;
  frozen: boolean;
  frozenReason: string | null;
  approvalThreshold: RiskTier;
  maintenanceWindows: { startsAt: string; endsAt: string; reason?: string }[];
  updatedBy: string | null;
  updatedAt: Date | null;
}

/** The most maintenance windows a policy holds (past ones count until removed). */
export const MAX_MAINTENANCE_WINDOWS = 50;

const windowSchema = z.object({
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  reason: z.string().max(200).optional(),
}).refine((w) => Date.parse(w.endsAt) > Date.parse(w.startsAt), {
  message: "the end must be after the start",
  path: ["endsAt"],
});

/** The body of a policy change; every member optional. */
export const policyChangeSchema = z.object({
  profile: z.enum(PROFILE_NAMES).optional(),
  frozen: z.boolean().optional(),
  frozenReason: z.string().max(500).nullable().optional(),
  approvalThreshold: z.enum(RISK_TIERS).optional(),
  maintenanceWindows: z.array(windowSchema).max(
    MAX_MAINTENANCE_WINDOWS,
    `at most ${MAX_MAINTENANCE_WINDOWS} maintenance windows; remove past ones first`,
  ).optional(),
}).strict();
export type PolicyChange = z.infer<typeof policyChangeSchema>;

/**
 * The organization's policy (defaults when it never set one).
 *
 * @example
 * ```ts
 * const policy = await getOrgPolicy(services.ledger, org.id);
 * if (policy.frozen) …
 * ```
 */
export async function getOrgPolicy(tx: LedgerTx, orgId: string): Promise<OrgRemediationPolicy> {
  const row = await tx.db.selectFrom("remediation_policies").selectAll()
    .where("org_id", "=", orgId).executeTakeFirst();
  if (!row) {
    return {
      profile: "balanced",
      frozen: false,
      frozenReason: null,
      approvalThreshold: PROFILES.balanced.approvalThreshold,
      maintenanceWindows: [],
      updatedBy: null,
      updatedAt: null,
    };
  }
  return {
    profile: row.profile as ProfileName,
    frozen: Number(row.frozen) === 1,
    frozenReason: row.frozen_reason,
    approvalThreshold: row.approval_threshold as RiskTier,
    maintenanceWindows: JSON.parse(row.maintenance_windows),
    updatedBy: row.updated_by,
    updatedAt: toDate(row.updated_at),
  };
}

/**
 * Applies a change to the organization's policy and returns the result. 400 naming the field
 * for a bad value.
 *
 * @example
 * ```ts
 * await setOrgPolicy(services.ledger, org.id, { frozen: true, frozenReason: "incident" }, user.id, now);
 * ```
 */
export async function setOrgPolicy(
  tx: LedgerTx,
  orgId: string,
  input: unknown,
  userId: string,
  now: Date,
): Promise<OrgRemediationPolicy> {
  const parsed = policyChangeSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue.path.join(".") || "(body)";
    throw new HttpError(400, `${field}: ${issue.message}`, {
      code: "invalid_input",
      details: { field },
    });
  }
  const next = { ...await getOrgPolicy(tx, orgId), ...parsed.data };
  if (parsed.data.frozen === false) next.frozenReason = null;
  const row = {
    profile: next.profile,
    frozen: next.frozen ? 1 : 0,
    frozen_reason: next.frozenReason ?? null,
    approval_threshold: next.approvalThreshold,
    maintenance_windows: JSON.stringify(next.maintenanceWindows),
    updated_by: userId,
    updated_at: now,
  };
  await tx.db.insertInto("remediation_policies").values({ org_id: orgId, ...row })
    .onConflict((oc) => oc.column("org_id").doUpdateSet(row)).execute();
  return await getOrgPolicy(tx, orgId);
}

/**
 * A host's knob overrides, or null.
 *
 * @example
 * ```ts
 * const override = await getHostOverride(services.ledger, host.id);
 * ```
 */
export async function getHostOverride(
  tx: LedgerTx,
  hostId: string,
): Promise<HostGuardOverride | null> {
  const row = await tx.db.selectFrom("remediation_host_policies").select("overrides")
    .where("host_id", "=", hostId).executeTakeFirst();
  return row ? hostOverrideSchema.parse(JSON.parse(row.overrides)) : null;
}

/**
 * Sets (or with `null` clears) a host's knob overrides. 400 naming the field for a bad value.
 *
 * @example
 * ```ts
 * await setHostOverride(services.ledger, org.id, host.id, { cooldownSec: 60 }, now);
 * ```
 */
export async function setHostOverride(
  tx: LedgerTx,
  orgId: string,
  hostId: string,
  input: unknown,
  now: Date,
): Promise<HostGuardOverride | null> {
  if (input === null) {
    await tx.db.deleteFrom("remediation_host_policies").where("host_id", "=", hostId)
      .where("org_id", "=", orgId).execute();
    return null;
  }
  const parsed = hostOverrideSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // An unknown knob is named by its own path; other issues by where they are.
    const unknown = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
    const field = ["overrides", ...issue.path, ...unknown === undefined ? [] : [unknown]].join(".");
    const message = unknown === undefined
      ? issue.message
      : `no such knob; the knobs are ${Object.keys(hostOverrideSchema.shape).join(", ")}`;
    throw new HttpError(400, `${field}: ${message}`, {
      code: "invalid_input",
      details: { field },
    });
  }
  // An override that sets nothing is no override: the host follows the organization again.
  if (Object.keys(parsed.data).length === 0) {
    return await setHostOverride(tx, orgId, hostId, null, now);
  }
  const overrides = JSON.stringify(parsed.data);
  await tx.db.insertInto("remediation_host_policies")
    .values({ host_id: hostId, org_id: orgId, overrides, updated_at: now })
    // Only the organization's own row is ever replaced (a host id is unique across orgs).
    .onConflict((oc) =>
      oc.column("host_id").doUpdateSet({ overrides, updated_at: now })
        .where("remediation_host_policies.org_id", "=", orgId)
    )
    .execute();
  return parsed.data;
}

/**
 * The guard policy for one host: the org's profile and approval threshold, then the host's
 * overrides. Takes `hostId` by that name, so a run (whose `id` is the run's) passes as it is.
 *
 * @example
 * ```ts
 * const { policy, org } = await hostGuardPolicy(services.ledger, { hostId: host.id, orgId });
 * const forRun = await hostGuardPolicy(services.ledger, run); // run.hostId, run.orgId
 * ```
 */
export async function hostGuardPolicy(
  tx: LedgerTx,
  host: { hostId: string; orgId: string },
  toolPrefix = "",
): Promise<
  { policy: GuardPolicy; org: OrgRemediationPolicy; override: HostGuardOverride | null }
> {
  const org = await getOrgPolicy(tx, host.orgId);
  const override = await getHostOverride(tx, host.hostId);
  const policy = guardPolicy(
    org.profile,
    { approvalThreshold: org.approvalThreshold, ...override },
    toolPrefix ? { allow: prefixedAllowRules(toolPrefix) } : {},
  );
  return { policy, org, override };
}

/** The catalog's allow rules under `REMEDIATION_TOOL_PREFIX`. */
function prefixedAllowRules(prefix: string): ExecutableRule[] {
  return CATALOG_ALLOW_RULES.map((rule) => ({ ...rule, path: prefix + rule.path }));
}

/** The org's windows in the guard's shape. */
export function maintenanceWindowsOf(org: OrgRemediationPolicy): MaintenanceWindow[] {
  return org.maintenanceWindows.map((w) => ({
    startsAt: w.startsAt,
    endsAt: w.endsAt,
    ...(w.reason ? { reason: w.reason } : {}),
  }));
}
