/**
 * Per-host overrides of the remediation guard's knobs (product §1.2: "profiles set these knobs;
 * per-host overrides allowed"): listed for the organization, set or cleared by an admin through
 * `PUT /api/hosts/:hostId/remediation-policy` or the overrides page, audited as
 * `remediation.host_policy.update`. The guard reads them on every request (`hostGuardPolicy`).
 *
 * @module
 */
import { auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import type { AuthState } from "../auth/state.ts";
import { writeTransaction } from "../db/ledger/transaction.ts";
import { HttpError } from "../fresh/errors.ts";
import { hostOr404 } from "../hosts/admin.ts";
import type { Services } from "../services.ts";
import { getOrgPolicy, hostGuardPolicy, setHostOverride } from "./policy_store.ts";
import { type GuardKnobs, type HostGuardOverride, hostOverrideSchema } from "./profiles.ts";

/** One host's override as the overrides page lists it. */
export interface HostOverrideRow {
  hostId: string;
  hostName: string;
  hostSlug: string;
  overrides: HostGuardOverride;
  updatedAt: string;
}

/** A host's override and the knobs in force for it (org profile, then the override). */
export interface HostPolicyView {
  hostId: string;
  overrides: HostGuardOverride | null;
  profile: string;
  knobs: GuardKnobs;
}

/**
 * The organization's hosts that have an override, by host name.
 *
 * @example
 * ```ts
 * const rows = await listHostOverrides(services, org.id);
 * ```
 */
export async function listHostOverrides(
  services: Pick<Services, "ledger">,
  orgId: string,
): Promise<HostOverrideRow[]> {
  const rows = await services.ledger.db.selectFrom("remediation_host_policies as p")
    .innerJoin(
      "hosts as h",
      (j) => j.onRef("h.id", "=", "p.host_id").onRef("h.org_id", "=", "p.org_id"),
    )
    .select(["p.host_id", "h.name", "h.slug", "p.overrides", "p.updated_at"])
    .where("p.org_id", "=", orgId).orderBy("h.name").orderBy("p.host_id").limit(1000).execute();
  return rows.map((r) => ({
    hostId: r.host_id,
    hostName: r.name,
    hostSlug: r.slug,
    overrides: hostOverrideSchema.parse(JSON.parse(r.overrides)),
    updatedAt: new Date(r.updated_at).toISOString(),
  }));
}

/**
 * The override of `hostId` (404 outside the organization) and the knobs in force for it.
 *
 * @example
 * ```ts
 * const view = await hostPolicyView(services, org.id, hostId);
 * view.knobs.cooldownSec; // 300 under "balanced", unless overridden
 * ```
 */
export async function hostPolicyView(
  services: Services,
  orgId: string,
  hostId: string,
): Promise<HostPolicyView> {
  const host = await hostOr404(services, orgId, hostId);
  const { policy, override } = await hostGuardPolicy(
    services.ledger,
    host,
    services.config.remediationToolPrefix,
  );
  return { hostId: host.id, overrides: override, profile: policy.profile, knobs: policy.knobs };
}

/**
 * Sets (`overrides` an object) or clears (`null`) a host's override; 404 for a host outside the
 * organization, 400 naming the field for a bad value (`overrides.cooldownSec`, …). The caller
 * checks the role (admin).
 *
 * @example
 * ```ts
 * await changeHostOverride(services, auth, client, hostId, { cooldownSec: 60 });
 * await changeHostOverride(services, auth, client, hostId, null); // back to the org's profile
 * ```
 */
export async function changeHostOverride(
  services: Services,
  auth: AuthState,
  client: ClientInfo,
  hostId: string,
  overrides: unknown,
): Promise<HostPolicyView> {
  const orgId = auth.org!.id;
  const host = await hostOr404(services, orgId, hostId);
  if (overrides !== null && (typeof overrides !== "object" || Array.isArray(overrides))) {
    throw new HttpError(400, "overrides: expected an object of knobs, or null to clear them", {
      code: "invalid_input",
      details: { field: "overrides" },
    });
  }
  const stored = await writeTransaction(
    services.ledger,
    (tx) => setHostOverride(tx, orgId, host.id, overrides, services.clock.now()),
  );
  const org = await getOrgPolicy(services.ledger, orgId);
  await auditOperatorChange(services, client, auth, {
    action: "remediation.host_policy.update",
    summary: stored
      ? `remediation overrides of ${host.slug}: ${Object.keys(stored).join(", ") || "none"}`
      : `remediation overrides of ${host.slug} cleared (profile ${org.profile})`,
    target: { type: "host", id: host.id },
    details: { overrides: stored },
  });
  return await hostPolicyView(services, orgId, host.id);
}
