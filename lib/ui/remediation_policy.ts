/**
 * The organization's remediation policy as the pages show and change it: profile, kill switch,
 * approval threshold and maintenance windows, changed and audited the same way by the policy
 * page and `PUT /api/ops/remediate-policy`.
 *
 * @module
 */
import type { Services } from "../services.ts";
import { writeTransaction } from "../db/ledger/transaction.ts";
import {
  getOrgPolicy,
  type OrgRemediationPolicy,
  setOrgPolicy,
} from "../remediation/policy_store.ts";
import { PROFILES } from "../remediation/profiles.ts";
import { auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import type { AuthState } from "../auth/state.ts";
import { userLabels } from "./user_labels.ts";

/** A policy change, or how to build it from the current policy. */
export type PolicyEdit =
  | Record<string, unknown>
  | ((current: OrgRemediationPolicy) => Record<string, unknown>);

/**
 * The organization's remediation policy as the pages show it (see `PolicyCard`). Takes the stored
 * policy so a page that also needs it (the maintenance windows) reads it once.
 *
 * @example
 * ```ts
 * const view = await policyView(services, await getOrgPolicy(services.ledger, orgId));
 * ```
 */
export async function policyView(services: Services, policy: OrgRemediationPolicy) {
  const knobs = PROFILES[policy.profile];
  const who = await userLabels(services, [policy.updatedBy]);
  return {
    profile: policy.profile,
    frozen: policy.frozen,
    frozenReason: policy.frozenReason,
    approvalThreshold: policy.approvalThreshold,
    updatedBy: policy.updatedBy ? who.get(policy.updatedBy) ?? policy.updatedBy : null,
    updatedAt: policy.updatedAt?.toISOString() ?? null,
    knobs: {
      cooldownSec: knobs.cooldownSec,
      maxExecutesPerHostPerHour: knobs.maxExecutesPerHostPerHour,
      maxQueuedPerHost: knobs.maxQueuedPerHost,
      maxQueuedGlobal: knobs.maxQueuedGlobal,
      queueTtlMin: knobs.queueTtlMin,
      dryRunMaxAgeMin: knobs.dryRunMaxAgeMin,
    },
  };
}

/**
 * Changes the organization's remediation policy (kill switch, profile, approval threshold,
 * maintenance windows) and audits it as `remediation.policy.update`, as
 * `PUT /api/ops/remediate-policy` does. The caller checks the role. 400 naming the field for a
 * bad value. `edit` is the change, or a function building it from the current policy inside
 * the write transaction (for read-modify-write edits such as adding a maintenance window).
 *
 * @example
 * ```ts
 * await changeRemediationPolicy(services, auth, client, { frozen: true, frozenReason: "incident 12" });
 * await changeRemediationPolicy(services, auth, client, (current) => ({
 *   maintenanceWindows: [...current.maintenanceWindows, window],
 * }));
 * ```
 */
export async function changeRemediationPolicy(
  services: Services,
  auth: AuthState,
  client: ClientInfo,
  edit: PolicyEdit,
) {
  const orgId = auth.org!.id;
  let change: Record<string, unknown> = {};
  const policy = await writeTransaction(services.ledger, async (tx) => {
    // One policy row per organization: hold the organization while reading and writing it, so
    // two edits of the window list cannot both start from the same list (Postgres; SQLite
    // write transactions are exclusive).
    if (tx.dialect === "postgres") {
      await tx.db.selectFrom("orgs").select("id").where("id", "=", orgId).forUpdate()
        .executeTakeFirst();
    }
    change = typeof edit === "function" ? edit(await getOrgPolicy(tx, orgId)) : edit;
    return await setOrgPolicy(tx, orgId, change, auth.user.id, services.clock.now());
  });
  await auditOperatorChange(services, client, auth, {
    action: "remediation.policy.update",
    summary: `remediation policy: ${policy.profile}${policy.frozen ? ", FROZEN" : ""}` +
      `, approval from ${policy.approvalThreshold}`,
    target: { type: "org", id: orgId },
    details: { change },
  });
  return policy;
}
