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
import { getHostOverride, hostGuardPolicy, setHostOverride } from "./policy_store.ts";
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
  return await viewOf(services, await hostOr404(services, orgId, hostId));
}

/** A host's override and the knobs in force for it (one read of each). */
async function viewOf(
  services: Services,
  host: { id: string; orgId: string },
): Promise<HostPolicyView> {
  const { policy, override } = await hostGuardPolicy(
    services.ledger,
    { hostId: host.id, orgId: host.orgId },
    services.config.remediationToolPrefix,
  );
  return { hostId: host.id, overrides: override, profile: policy.profile, knobs: policy.knobs };
}

/** A host override change: the new override, or how to build it from the stored one. */
export type HostOverrideEdit = unknown | ((stored: HostGuardOverride | null) => unknown);

/**
 * Sets (`overrides` an object) or clears (`null` or `{}`) a host's override; 404 for a host
 * outside the organization, 400 naming the field for a bad value (`overrides.cooldownSec`, …).
 * `edit` may be a function of the stored override, run inside the write transaction, so
 * concurrent edits never start from the same stored value. Audited as
 * `remediation.host_policy.update` when something changed. The caller checks the role (admin).
 *
 * @example
 * ```ts
 * await changeHostOverride(services, auth, client, hostId, { cooldownSec: 60 });
 * await changeHostOverride(services, auth, client, hostId, null); // back to the org's profile
 * await changeHostOverride(services, auth, client, hostId, (stored) => ({ ...stored, maxSteps: 8 }));
 * ```
 */
export async function changeHostOverride(
  services: Services,
  auth: AuthState,
  client: ClientInfo,
  hostId: string,
  edit: HostOverrideEdit,
): Promise<HostPolicyView & { changed: boolean }> {
  const orgId = auth.org!.id;
  const host = await hostOr404(services, orgId, hostId);
  const { before, after } = await writeTransaction(services.ledger, async (tx) => {
    // Hold the host while reading and writing its override (Postgres; SQLite write
    // transactions are exclusive).
    if (tx.dialect === "postgres") {
      await tx.db.selectFrom("hosts").select("id").where("id", "=", host.id).forUpdate()
        .executeTakeFirst();
    }
    const before = await getHostOverride(tx, host.id);
    const overrides = typeof edit === "function" ? edit(before) : edit;
    if (overrides !== null && (typeof overrides !== "object" || Array.isArray(overrides))) {
      throw new HttpError(400, "overrides: expected an object of knobs, or null to clear them", {
        code: "invalid_input",
        details: { field: "overrides" },
      });
    }
    const after = await setHostOverride(tx, orgId, host.id, overrides, services.clock.now());
    return { before, after };
  });
  const changed = JSON.stringify(before) !== JSON.stringify(after);
  // The knobs in force now (org policy and the stored override, read once), for the answer and
  // the audit line.
  const view = await viewOf(services, host);
  if (changed) {
    await auditOperatorChange(services, client, auth, {
      action: "remediation.host_policy.update",
      summary: after
        ? `remediation overrides of ${host.slug}: ${Object.keys(after).join(", ")}`
        : `remediation overrides of ${host.slug} cleared (profile ${view.profile})`,
      target: { type: "host", id: host.id },
      details: { overrides: after, before },
    });
  }
  return { ...view, changed };
}

/**
 * How many of the organization's hosts have an override.
 *
 * @example
 * ```ts
 * await countHostOverrides(services.ledger, org.id); // 3
 * ```
 */
export async function countHostOverrides(ledger: Services["ledger"], orgId: string) {
  const row = await ledger.db.selectFrom("remediation_host_policies")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("org_id", "=", orgId).executeTakeFirst();
  return Number(row?.n ?? 0);
}
