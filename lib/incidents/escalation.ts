/**
 * Escalation (product §1.4, issue 6 item 3), driven by the delayed `incident.escalate` queue
 * messages of `timer.ts`. When a timer is delivered, the consumer re-reads the incident and acts
 * only if its step is still current, the incident is still `open` (unacknowledged) and the
 * deadline has passed. The move is one conditional update (`escalation_step` N → N+1 where it
 * is still N and the state is still `open`), so a duplicated or concurrent delivery never
 * escalates twice. Then:
 *
 * - a next level exists → `escalation_level` + 1, `incident.escalated` to that level;
 * - past the last level → `incident.reminder` to the last level (the routing rules when the
 *   policy has no levels), at most `repeatCount` times (default 24), then the timers stop;
 * - the next timer is scheduled after the repeat interval of the severity.
 *
 * `escalateByHand` (`POST /api/ops/incidents/escalate`) pages the next level at once, also for
 * an acknowledged incident, with the same conditional step. The `escalation-sweep` cron
 * (`jobs/escalation_sweep.ts`) calls {@link escalateIncident} for timers whose message never
 * came; it is just another delivery of the same step.
 *
 * @module
 */

import { writeTransaction } from "../db/ledger/transaction.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Services } from "../services.ts";
import {
  appendEvent,
  type Incident,
  type IncidentActor,
  lockIncident,
  readIncident,
  systemActor,
} from "./model.ts";
import { notifyIncident, policyTargets } from "./notify_incident.ts";
import {
  type EscalationPolicy,
  getEscalationPolicy,
  maxReminders,
  repeatDelayMs,
} from "./policy.ts";
import { auditSystem } from "./lifecycle.ts";
import { scheduleTimer, scheduleTimerOrLog } from "./timer.ts";

/** A timer delivered this much before its due time is still honoured (clock drift). */
const EARLY_TOLERANCE_MS = 2_000;

/** What one escalation did. */
export interface EscalationResult {
  outcome: "escalated" | "reminded" | "exhausted" | "stale" | "early" | "not_open";
  incident: Incident | null;
  level?: number;
}

/** The move decided for an incident at its current step. */
interface Move {
  kind: "escalated" | "reminded" | "exhausted";
  level: number;
  reminders: number;
}

function decide(incident: Incident, levels: number, reminderCap: number): Move {
  if (incident.escalationLevel < levels) {
    return { kind: "escalated", level: incident.escalationLevel + 1, reminders: 0 };
  }
  if (incident.remindersSent >= reminderCap) {
    return {
      kind: "exhausted",
      level: incident.escalationLevel,
      reminders: incident.remindersSent,
    };
  }
  return {
    kind: "reminded",
    level: incident.escalationLevel,
    reminders: incident.remindersSent + 1,
  };
}

/**
 * Applies `move` to the incident at `step` with one conditional update (and its timeline
 * event); false when another delivery or an operator got there first.
 */
async function applyMove(
  services: Services,
  incident: Incident,
  move: Move,
  options: { step: number; states: Incident["state"][]; actor: IncidentActor; next: Date | null },
): Promise<boolean> {
  const now = services.clock.now();
  return await writeTransaction(services.ledger, async (tx) => {
    const moved = await tx.db.updateTable("incidents").set({
      escalation_step: options.step + 1,
      escalation_level: move.level,
      reminders_sent: move.reminders,
      next_escalation_at: options.next,
      updated_at: now,
    }).where("id", "=", incident.id).where("escalation_step", "=", options.step)
      .where("state", "in", options.states).executeTakeFirst();
    if (Number(moved.numUpdatedRows) !== 1) return false;
    await appendEvent(tx, incident, {
      type: move.kind === "escalated"
        ? "escalated"
        : move.kind === "reminded"
        ? "reminder"
        : "escalation_stopped",
      actor: options.actor,
      now,
      message: move.kind === "escalated"
        ? `Escalated to level ${move.level}`
        : move.kind === "reminded"
        ? `Reminder ${move.reminders} (still unacknowledged)` +
          (move.level > 0 ? ` to level ${move.level}` : "")
        : `No more reminders: ${move.reminders} sent`,
      data: { level: move.level, step: options.step + 1, reminders: move.reminders },
    });
    return true;
  });
}

/** Pages the level `move` names; `policy` is the one the move was decided on (read once). */
async function page(
  services: Services,
  incident: Incident,
  move: Move,
  policy: EscalationPolicy,
): Promise<void> {
  if (move.kind === "exhausted") return;
  const targets = await policyTargets(services.ledger, policy, move.level);
  await notifyIncident(services, incident, move.kind === "escalated" ? "escalated" : "reminder", {
    level: move.level > 0 ? move.level : undefined,
    targets,
    dedupeKey: `incident.escalate:${incident.id}:${incident.escalationStep}`,
  });
}

/**
 * The consumer of `incident.escalate`: escalates the incident if timer `step` is still current
 * and the incident is still unacknowledged and due. Safe under duplicate delivery.
 *
 * @example
 * ```ts
 * await escalateIncident(services, message.incidentId, message.step);
 * ```
 */
export async function escalateIncident(
  services: Services,
  incidentId: string,
  step: number,
): Promise<EscalationResult> {
  const incident = await readIncident(services.ledger, incidentId);
  if (!incident || incident.escalationStep !== step) return { outcome: "stale", incident };
  if (incident.state !== "open") return { outcome: "not_open", incident };
  const now = services.clock.now();
  const due = incident.nextEscalationAt;
  if (due && due.getTime() - now.getTime() > EARLY_TOLERANCE_MS) {
    await scheduleTimer(services, { incidentId, step, dueAt: due }, { retry: true });
    return { outcome: "early", incident };
  }
  const policy = await getEscalationPolicy(services.ledger, incident.orgId);
  const move = decide(incident, policy.levels.length, maxReminders(policy));
  const next = move.kind === "exhausted"
    ? null
    : new Date(now.getTime() + repeatDelayMs(policy, incident.severity));
  const applied = await applyMove(services, incident, move, {
    step,
    states: ["open"],
    actor: systemActor("escalation"),
    next,
  });
  if (!applied) return { outcome: "stale", incident };
  const after = (await readIncident(services.ledger, incidentId))!;
  // The next timer first, so a failing notification never ends the chain; a failed enqueue is
  // logged (the sweep acts on the stored deadline), so the paging below still happens.
  if (next) await scheduleTimerOrLog(services, { incidentId, step: step + 1, dueAt: next });
  await auditSystem(
    services,
    after,
    move.kind === "escalated" ? "incident.escalate" : "incident.remind",
    move.kind === "escalated"
      ? `escalated incident "${after.title}" to level ${move.level}`
      : move.kind === "reminded"
      ? `reminder ${move.reminders} for unacknowledged incident "${after.title}"`
      : `stopped reminders for incident "${after.title}"`,
    "escalation",
    { level: move.level, step: step + 1 },
  );
  await page(services, { ...after, escalationStep: step }, move, policy);
  return {
    outcome: move.kind === "escalated"
      ? "escalated"
      : move.kind === "reminded"
      ? "reminded"
      : "exhausted",
    incident: after,
    level: move.level,
  };
}

/**
 * Pages the next level of the policy now (open or acknowledged incidents). 409
 * `invalid_transition` for a resolved or closed incident, 409 `no_next_level` when the last
 * level was paged already (or the policy has no levels). An open incident's timer restarts
 * from now.
 *
 * @example
 * ```ts
 * const incident = await escalateByHand(services, { orgId, incidentId, actor, now });
 * ```
 */
export async function escalateByHand(
  services: Services,
  target: { orgId: string; incidentId: string; actor: IncidentActor },
): Promise<Incident> {
  const incident = await writeTransaction(
    services.ledger,
    (tx) => lockIncident(tx, target.orgId, target.incidentId),
  );
  if (incident.state !== "open" && incident.state !== "acknowledged") {
    throw new HttpError(409, `The incident is ${incident.state}; it cannot be escalated.`, {
      code: "invalid_transition",
      details: { state: incident.state, action: "escalate" },
    });
  }
  const policy = await getEscalationPolicy(services.ledger, incident.orgId);
  if (incident.escalationLevel >= policy.levels.length) {
    throw new HttpError(
      409,
      policy.levels.length === 0
        ? "The escalation policy has no levels: add some under Escalation."
        : `Level ${incident.escalationLevel} is the last level of the escalation policy.`,
      { code: "no_next_level", details: { level: incident.escalationLevel } },
    );
  }
  const now = services.clock.now();
  const move: Move = { kind: "escalated", level: incident.escalationLevel + 1, reminders: 0 };
  const next = incident.state === "open"
    ? new Date(now.getTime() + repeatDelayMs(policy, incident.severity))
    : null;
  const applied = await applyMove(services, incident, move, {
    step: incident.escalationStep,
    states: ["open", "acknowledged"],
    actor: target.actor,
    next,
  });
  if (!applied) {
    throw new HttpError(409, "The incident changed meanwhile; try again.", {
      code: "conflict",
    });
  }
  const after = (await readIncident(services.ledger, incident.id))!;
  if (next) {
    await scheduleTimerOrLog(services, {
      incidentId: incident.id,
      step: after.escalationStep,
      dueAt: next,
    });
  }
  await page(services, { ...after, escalationStep: incident.escalationStep }, move, policy);
  return after;
}
