/**
 * Ledger writes of incidents: create, the state transitions (409 on illegal ones), assignment,
 * notes and links. Each is one write transaction that locks the incident row, changes it with a
 * conditional update and appends its timeline event. Side effects that must follow the commit
 * (escalation timers, notifications, audit) are the caller's (`lifecycle.ts`): functions here
 * return the timer to schedule.
 *
 * @module
 */

import { type LedgerTx, writeTransaction } from "../db/ledger/transaction.ts";
import { HttpError } from "../fresh/errors.ts";
import { getMembership } from "../orgs/members.ts";
import {
  appendEvent,
  cleanText,
  type Incident,
  type IncidentActor,
  type IncidentSeverity,
  type IncidentSource,
  insertLinks,
  type LinkKind,
  lockIncident,
  newIncidentId,
  readIncident,
  type TransitionAction,
  TRANSITIONS,
} from "./model.ts";
import { getEscalationPolicy } from "./policy.ts";
import { ensurePostmortemDraft } from "./postmortem.ts";
import { armAckDeadline, type EscalationTimer } from "./timer.ts";

/** An incident to open. */
export interface NewIncident {
  orgId: string;
  title: string;
  summary: string;
  severity: IncidentSeverity;
  source: IncidentSource;
  /** The first is the primary host. Must belong to `orgId` (callers check). */
  hostIds?: string[];
  groupKey?: string | null;
  signalIds?: string[];
  breachIds?: string[];
  runIds?: string[];
  lastSignalAt?: Date | null;
}

/** What a write did: the incident as stored now and the timer to schedule, if any. */
export interface IncidentWrite {
  incident: Incident;
  timer: EscalationTimer | null;
}

async function reread(tx: LedgerTx, id: string): Promise<Incident> {
  return (await readIncident(tx, id))!;
}

/**
 * Opens an incident with its links and its acknowledgement deadline, in the caller's
 * transaction (or its own).
 *
 * @example
 * ```ts
 * const { incident, timer } = await createIncident(ledger, {
 *   orgId, title: "Outbound scan from web-1", summary, severity: "critical", source: "signal",
 *   hostIds: [hostId], signalIds,
 * }, systemActor("ingest"), now);
 * ```
 */
export function createIncident(
  ledger: LedgerTx,
  input: NewIncident,
  actor: IncidentActor,
  now: Date,
): Promise<IncidentWrite> {
  return writeTransaction(ledger, async (tx) => {
    const policy = await getEscalationPolicy(tx, input.orgId);
    const id = newIncidentId(now);
    const hostIds = [...new Set(input.hostIds ?? [])];
    const signalIds = input.signalIds ?? [];
    await tx.db.insertInto("incidents").values({
      id,
      org_id: input.orgId,
      title: cleanText(input.title, 200),
      summary: cleanText(input.summary, 4000),
      severity: input.severity,
      state: "open",
      host_id: hostIds[0] ?? null,
      group_key: input.groupKey ?? null,
      source: input.source,
      assignee_id: null,
      created_by: actor.id,
      opened_at: now,
      acknowledged_at: null,
      resolved_at: null,
      closed_at: null,
      updated_at: now,
      last_signal_at: input.lastSignalAt ?? null,
      signal_count: signalIds.length,
      ack_due_at: null,
      next_escalation_at: null,
    }).execute();
    const ref = { id, orgId: input.orgId };
    await appendEvent(tx, ref, {
      type: "opened",
      actor,
      now,
      to: "open",
      message: actor.type === "user" ? "Opened by hand" : `Opened automatically (${input.source})`,
      data: { severity: input.severity, source: input.source, groupKey: input.groupKey ?? null },
    });
    await insertLinks(tx, ref, "host", hostIds, actor.id, now);
    await insertLinks(tx, ref, "signal", signalIds, actor.id, now);
    await insertLinks(tx, ref, "breach", input.breachIds ?? [], actor.id, now);
    await insertLinks(tx, ref, "run", input.runIds ?? [], actor.id, now);
    const timer = await armAckDeadline(
      tx,
      { id, severity: input.severity, escalationStep: 0 },
      policy,
      now,
    );
    return { incident: await reread(tx, id), timer };
  });
}

const PAST: Record<TransitionAction, string> = {
  acknowledge: "acknowledged",
  resolve: "resolved",
  close: "closed",
  reopen: "re-opened",
};

function invalidTransition(incident: Incident, action: TransitionAction): HttpError {
  return new HttpError(
    409,
    `The incident is ${incident.state}; it cannot be ${PAST[action]}.`,
    { code: "invalid_transition", details: { state: incident.state, action } },
  );
}

/** Which incident to act on, and who acts. */
export interface IncidentTarget {
  orgId: string;
  incidentId: string;
  actor: IncidentActor;
  now: Date;
}

/**
 * Acknowledges, resolves, closes or re-opens an incident. 409 `invalid_transition` when the
 * incident's state does not allow it. Resolving drafts the postmortem; re-opening arms a new
 * acknowledgement deadline (returned as `timer`).
 *
 * @example
 * ```ts
 * const { incident } = await transitionIncident(ledger, { orgId, incidentId, actor, now }, "acknowledge");
 * ```
 */
export function transitionIncident(
  ledger: LedgerTx,
  target: IncidentTarget,
  action: TransitionAction,
  reason?: string,
): Promise<IncidentWrite> {
  const { now, actor } = target;
  return writeTransaction(ledger, async (tx) => {
    const incident = await lockIncident(tx, target.orgId, target.incidentId);
    const rule = TRANSITIONS[action];
    if (!(rule.from as readonly string[]).includes(incident.state)) {
      throw invalidTransition(incident, action);
    }
    const set = action === "acknowledge"
      ? { acknowledged_at: incident.acknowledgedAt ?? now, next_escalation_at: null }
      : action === "resolve"
      ? { resolved_at: now, next_escalation_at: null }
      : action === "close"
      ? { closed_at: now }
      : {
        resolved_at: null,
        closed_at: null,
        suggest_resolve: 0,
        reopen_count: incident.reopenCount + 1,
      };
    const moved = await tx.db.updateTable("incidents").set({
      state: rule.to,
      updated_at: now,
      // Timers of the previous step no longer act.
      escalation_step: incident.escalationStep + 1,
      ...set,
    }).where("id", "=", incident.id).where("state", "=", incident.state).executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) throw invalidTransition(incident, action);
    await appendEvent(tx, incident, {
      type: rule.to === "open" ? "reopened" : rule.to,
      actor,
      now,
      from: incident.state,
      to: rule.to,
      message: reason ? cleanText(reason, 1000) : `${incident.state} → ${rule.to}`,
    });
    let timer: EscalationTimer | null = null;
    const current = await reread(tx, incident.id);
    if (action === "resolve") await ensurePostmortemDraft(tx, current, now);
    if (action === "reopen") {
      const policy = await getEscalationPolicy(tx, incident.orgId);
      timer = await armAckDeadline(tx, current, policy, now);
    }
    return { incident: await reread(tx, incident.id), timer };
  });
}

/**
 * Assigns the incident to a member of its organization (null: unassigned). 400 naming
 * `assigneeId` when the user is not a member.
 *
 * @example
 * ```ts
 * await assignIncident(ledger, target, { id: userId, email: "ann@example.com" });
 * ```
 */
export function assignIncident(
  ledger: LedgerTx,
  target: IncidentTarget,
  assignee: { id: string; email: string } | null,
): Promise<Incident> {
  return writeTransaction(ledger, async (tx) => {
    const incident = await lockIncident(tx, target.orgId, target.incidentId);
    if (assignee && (await getMembership(tx, target.orgId, assignee.id)) === null) {
      throw new HttpError(400, "assigneeId: not a member of this organization", {
        code: "invalid_input",
        details: { field: "assigneeId" },
      });
    }
    await tx.db.updateTable("incidents").set({
      assignee_id: assignee?.id ?? null,
      updated_at: target.now,
    }).where("id", "=", incident.id).execute();
    await appendEvent(tx, incident, {
      type: "assigned",
      actor: target.actor,
      now: target.now,
      message: assignee ? `Assigned to ${assignee.email}` : "Unassigned",
      data: { assigneeId: assignee?.id ?? null, previous: incident.assigneeId },
    });
    return await reread(tx, incident.id);
  });
}

/**
 * Adds a note to the timeline.
 *
 * @example
 * ```ts
 * await addNote(ledger, target, "Rotated the deploy key");
 * ```
 */
export function addNote(ledger: LedgerTx, target: IncidentTarget, text: string): Promise<Incident> {
  return writeTransaction(ledger, async (tx) => {
    const incident = await lockIncident(tx, target.orgId, target.incidentId);
    await tx.db.updateTable("incidents").set({ updated_at: target.now })
      .where("id", "=", incident.id).execute();
    await appendEvent(tx, incident, {
      type: "note",
      actor: target.actor,
      now: target.now,
      message: cleanText(text, 4000),
    });
    return await reread(tx, incident.id);
  });
}

const LINK_TABLES = {
  host: "hosts",
  signal: "signals",
  breach: "breaches",
  run: "remediation_runs",
} as const;

/**
 * True when `refId` is a `kind` of the organization.
 *
 * @example
 * ```ts
 * if (!(await refInOrg(ledger, orgId, "breach", breachId))) throw …;
 * ```
 */
export async function refInOrg(
  tx: LedgerTx,
  orgId: string,
  kind: LinkKind,
  refId: string,
): Promise<boolean> {
  const row = await tx.db.selectFrom(LINK_TABLES[kind]).select("id")
    .where("id", "=", refId).where("org_id", "=", orgId).executeTakeFirst();
  return row !== undefined;
}

/**
 * Links (or with `unlink`, unlinks) a host, signal, breach or remediation run of the
 * organization. 400 naming `refId` when it is not one of the organization's.
 *
 * @example
 * ```ts
 * await linkIncident(ledger, target, { kind: "run", refId: run.id });
 * ```
 */
export function linkIncident(
  ledger: LedgerTx,
  target: IncidentTarget,
  link: { kind: LinkKind; refId: string; unlink?: boolean },
): Promise<Incident> {
  return writeTransaction(ledger, async (tx) => {
    const incident = await lockIncident(tx, target.orgId, target.incidentId);
    if (!link.unlink && !(await refInOrg(tx, target.orgId, link.kind, link.refId))) {
      throw new HttpError(400, `refId: no such ${link.kind} in this organization`, {
        code: "invalid_input",
        details: { field: "refId" },
      });
    }
    if (link.unlink) {
      await tx.db.deleteFrom("incident_links").where("incident_id", "=", incident.id)
        .where("kind", "=", link.kind).where("ref_id", "=", link.refId).execute();
    } else {
      await insertLinks(tx, incident, link.kind, [link.refId], target.actor.id, target.now);
      if (link.kind === "host" && incident.hostId === null) {
        await tx.db.updateTable("incidents").set({ host_id: link.refId })
          .where("id", "=", incident.id).execute();
      }
    }
    await tx.db.updateTable("incidents").set({ updated_at: target.now })
      .where("id", "=", incident.id).execute();
    await appendEvent(tx, incident, {
      type: link.unlink ? "unlinked" : "linked",
      actor: target.actor,
      now: target.now,
      message: `${link.unlink ? "Unlinked" : "Linked"} ${link.kind} ${link.refId}`,
      data: { kind: link.kind, refId: link.refId },
    });
    return await reread(tx, incident.id);
  });
}
