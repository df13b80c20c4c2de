/**
 * Where incidents hook into the rest of the system. The ingest path groups every stored
 * snapshot's critical findings inside the snapshot's own transaction (`groupSnapshotFindings`:
 * snapshot and incident commit together, or neither) and follows up after the commit
 * (`followSnapshotIncidents`); the heartbeat sweep hands over every `host_silent` it raises
 * (`hostSilentForIncidents`). Follow-up failures are logged; the push or sweep goes on.
 *
 * - Critical signals of the snapshot and its newly opened or re-opened critical breaches open
 *   (or join) the host's incident of their group (`auto_open.ts`), which then pages.
 * - Breaches the snapshot fixed: an open or acknowledged incident whose linked breaches are now
 *   all fixed gets the "suggest resolve" flag and a timeline entry, once.
 * - `host_silent` opens an incident only for a **critical-priority** host: tagged `critical`
 *   (any case) or with `rollout_priority` ≥ {@link CRITICAL_PRIORITY} (50). Its severity is
 *   `critical`: an intruder who stops the agent after being seen produces exactly this silence.
 *
 * @module
 */

import type { ReconcileResult } from "../breaches/reconcile.ts";
import { type LedgerTx, writeTransaction } from "../db/ledger/transaction.ts";
import type { Host } from "../hosts/registry.ts";
import type { Services } from "../services.ts";
import {
  type Finding,
  groupFindings,
  groupInTransaction,
  type GroupOutcome,
  openOrLink,
} from "./auto_open.ts";
import { afterWrite, auditSystem, notifyOpened } from "./lifecycle.ts";
import { appendEvent, systemActor, toIncident } from "./model.ts";

/** A host with at least this rollout priority is critical-priority. */
export const CRITICAL_PRIORITY = 50;

/** What the heartbeat sweep can hand over (it runs with a subset of the services). */
export type HookServices =
  & Pick<Services, "ledger" | "kv" | "clock" | "log" | "config">
  & Partial<Pick<Services, "mailer">>;

function complete(services: HookServices): services is Services {
  return services.mailer !== undefined;
}

/**
 * True for a host whose silence opens an incident.
 *
 * @example
 * ```ts
 * isCriticalPriority({ tags: ["prod", "critical"], rolloutPriority: 0 }); // true
 * isCriticalPriority({ tags: [], rolloutPriority: 60 });                  // true
 * ```
 */
export function isCriticalPriority(host: Pick<Host, "tags" | "rolloutPriority">): boolean {
  return host.rolloutPriority >= CRITICAL_PRIORITY ||
    host.tags.some((t) => t.toLowerCase() === "critical");
}

/** Timers, audit and pages of what grouping did. */
async function follow(services: HookServices, outcomes: GroupOutcome[], component: string) {
  for (const outcome of outcomes) {
    if (outcome.action === "linked") continue;
    await afterWrite(services, outcome);
    await auditSystem(
      services,
      outcome.incident,
      outcome.action === "opened" ? "incident.open" : "incident.reopen",
      `${outcome.action} incident "${outcome.incident.title}"`,
      component,
      { groupKey: outcome.incident.groupKey, signals: outcome.incident.signalCount },
    );
    if (complete(services)) await notifyOpened(services, outcome.incident);
    else {services.log.warn("incident opened without notification services", {
        incidentId: outcome.incident.id,
      });}
  }
}

async function suggestResolve(services: HookServices, fixed: ReconcileResult["fixed"]) {
  if (fixed.length === 0) return;
  const now = services.clock.now();
  const linked = await services.ledger.db.selectFrom("incident_links").select("incident_id")
    .where("kind", "=", "breach").where("ref_id", "in", fixed.map((b) => b.id)).execute();
  for (const incidentId of new Set(linked.map((l) => l.incident_id))) {
    await writeTransaction(services.ledger, async (tx) => {
      const row = await tx.db.selectFrom("incidents").selectAll().where("id", "=", incidentId)
        .where("state", "in", ["open", "acknowledged"]).where("suggest_resolve", "=", 0)
        .executeTakeFirst();
      if (!row) return;
      const unfixed = await tx.db.selectFrom("incident_links")
        .innerJoin("breaches", "breaches.id", "incident_links.ref_id")
        .select("breaches.id").where("incident_links.incident_id", "=", incidentId)
        .where("incident_links.kind", "=", "breach").where("breaches.state", "!=", "fixed")
        .limit(1).executeTakeFirst();
      if (unfixed) return;
      const moved = await tx.db.updateTable("incidents").set({
        suggest_resolve: 1,
        updated_at: now,
      })
        .where("id", "=", incidentId).where("suggest_resolve", "=", 0).executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) return;
      await appendEvent(tx, toIncident(row), {
        type: "suggest_resolve",
        actor: systemActor("ingest"),
        now,
        message: "Every linked breach is fixed: consider resolving the incident",
      });
    });
  }
}

/** A stored signal as the snapshot transaction wrote it (ids and cleaned text). */
export interface StoredSignalFinding {
  id: string;
  code: string;
  severity: string;
  title: string;
  detail: string;
  ts: Date;
}

/** Signal findings taken from one snapshot (the incident's signal count goes on beyond). */
export const MAX_SNAPSHOT_FINDINGS = 200;

/**
 * The critical findings of a stored snapshot: its critical signals (as stored, with their ids)
 * and its newly opened or re-opened critical breaches.
 *
 * @example
 * ```ts
 * const findings = snapshotFindings(signalRows, breaches, now);
 * ```
 */
export function snapshotFindings(
  signals: readonly StoredSignalFinding[],
  breaches: Pick<ReconcileResult, "opened" | "reopened">,
  now: Date,
): Finding[] {
  const findings: Finding[] = signals.filter((s) => s.severity === "critical")
    .slice(0, MAX_SNAPSHOT_FINDINGS)
    .map((s) => ({
      kind: "signal",
      id: s.id,
      code: s.code,
      title: s.title,
      detail: s.detail,
      ts: s.ts,
    }));
  for (const b of [...breaches.opened, ...breaches.reopened]) {
    if (b.severity !== "critical") continue;
    findings.push({ kind: "breach", id: b.id, code: b.code, title: b.title, detail: "", ts: now });
  }
  return findings;
}

/**
 * In the snapshot's own transaction (which holds the host row): the snapshot's critical
 * findings open or join the host's incidents, so a stored snapshot never lacks its incident.
 * What follows the commit (timers, audit, pages) is {@link followSnapshotIncidents}.
 *
 * @example
 * ```ts
 * const outcomes = await groupSnapshotFindings(tx, host, findings, now);
 * ```
 */
export async function groupSnapshotFindings(
  tx: LedgerTx,
  host: Pick<Host, "id" | "name" | "orgId">,
  findings: readonly Finding[],
  now: Date,
): Promise<GroupOutcome[]> {
  const outcomes: GroupOutcome[] = [];
  for (const group of groupFindings(host.orgId, host, findings, "signal")) {
    outcomes.push(await groupInTransaction(tx, group, now));
  }
  return outcomes;
}

/**
 * After a snapshot committed: timers, audit and pages of what grouping did, and the "suggest
 * resolve" flag for incidents whose breaches the snapshot fixed. Never throws.
 *
 * @example
 * ```ts
 * await followSnapshotIncidents(services, host, snapshotId, outcomes, breaches.fixed);
 * ```
 */
export async function followSnapshotIncidents(
  services: Services,
  host: Pick<Host, "id">,
  snapshotId: string,
  outcomes: GroupOutcome[],
  fixed: ReconcileResult["fixed"],
): Promise<void> {
  try {
    await follow(services, outcomes, "ingest");
    await suggestResolve(services, fixed);
  } catch (error) {
    services.log.error("incident snapshot hook failed", { hostId: host.id, snapshotId, error });
  }
}

/**
 * Hands a raised `host_silent` to incidents: a critical-priority host opens (or joins) its
 * `host_silent` incident. Never throws.
 *
 * @example
 * ```ts
 * await hostSilentForIncidents(services, host, signalId, now);
 * ```
 */
export async function hostSilentForIncidents(
  services: HookServices,
  host: Pick<Host, "id" | "name" | "orgId" | "tags" | "rolloutPriority">,
  signalId: string,
  now: Date,
): Promise<void> {
  if (!isCriticalPriority(host)) return;
  try {
    const finding: Finding = {
      kind: "signal",
      id: signalId,
      code: "host_silent",
      title: "Host silent",
      detail: `The critical-priority host ${host.name} stopped reporting.`,
      ts: now,
    };
    const outcomes = [];
    for (const group of groupFindings(host.orgId, host, [finding], "heartbeat")) {
      outcomes.push(await openOrLink(services, group));
    }
    await follow(services, outcomes, "heartbeat");
  } catch (error) {
    services.log.error("incident heartbeat hook failed", { hostId: host.id, error });
  }
}
