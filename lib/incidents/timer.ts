/**
 * Escalation timers: delayed, durable KV queue messages `incident.escalate` carrying the
 * incident id and the escalation step they belong to. Arming a timer bumps the incident's
 * `escalation_step` in the ledger (inside the caller's transaction) and, after the commit,
 * enqueues the message with `delay` until it is due. A timer whose step is no longer current
 * (acknowledged, resolved, escalated by hand, re-armed on reopen) does nothing when delivered.
 *
 * Message ids are deterministic (`incident.escalate:<incidentId>:<step>`), so a duplicated
 * enqueue of one timer is also skipped by the dispatcher's run-once guard, and a test (or an
 * operator replaying by hand) can name the message of the current step.
 *
 * A timer whose enqueue failed, or whose message was lost, is found by {@link overdueTimers}
 * (the `escalation-sweep` cron, `jobs/escalation_sweep.ts`), so a lost message delays an
 * escalation by the sweep's grace period instead of stopping it.
 *
 * @module
 */

import { enqueue, newMessageId } from "../../jobs/queue.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { toDate } from "../db/ledger/values.ts";
import type { Services } from "../services.ts";
import type { Incident } from "./model.ts";
import { ackDelayMs, type EscalationPolicy } from "./policy.ts";

/** The longest delay a KV queue message may have (30 days). */
const MAX_DELAY_MS = 30 * 86_400_000;

/** A timer to enqueue once the ledger change that armed it has committed. */
export interface EscalationTimer {
  incidentId: string;
  step: number;
  dueAt: Date;
}

/** The `incident.escalate` message of one step. */
export interface EscalateMessage {
  type: "incident.escalate";
  id: string;
  incidentId: string;
  step: number;
}

/**
 * The message of `incidentId`'s timer for `step` (the id the first delivery carries).
 *
 * @example
 * ```ts
 * const message = escalateMessage(incident.id, incident.escalationStep);
 * await incidentQueueHandlers(services)["incident.escalate"](message);
 * ```
 */
export function escalateMessage(incidentId: string, step: number): EscalateMessage {
  return {
    type: "incident.escalate",
    id: `incident.escalate:${incidentId}:${step}`,
    incidentId,
    step,
  };
}

/**
 * Enqueues `timer`, delayed until it is due (at once when already due). `retry` gives the
 * message a fresh id (a timer delivered early is re-enqueued under another id, since the first
 * id is marked processed).
 *
 * @example
 * ```ts
 * if (timer) await scheduleTimer(services, timer);
 * ```
 */
export async function scheduleTimer(
  services: Pick<Services, "kv" | "clock">,
  timer: EscalationTimer,
  options: { retry?: boolean } = {},
): Promise<void> {
  const message = escalateMessage(timer.incidentId, timer.step);
  if (options.retry) message.id = `${message.id}:${newMessageId()}`;
  const delay = Math.min(MAX_DELAY_MS, timer.dueAt.getTime() - services.clock.now().getTime());
  await enqueue(services.kv, message, delay > 0 ? { delay } : {});
}

/**
 * Enqueues `timer` like {@link scheduleTimer}, but a failure is logged instead of thrown: the
 * ledger already holds the deadline, and the escalation sweep acts on it when no message does.
 *
 * @example
 * ```ts
 * if (next) await scheduleTimerOrLog(services, { incidentId, step: step + 1, dueAt: next });
 * ```
 */
export async function scheduleTimerOrLog(
  services: Pick<Services, "kv" | "clock" | "log">,
  timer: EscalationTimer,
): Promise<void> {
  try {
    await scheduleTimer(services, timer);
  } catch (error) {
    services.log.error("incident escalation timer not scheduled; the escalation sweep will act", {
      incidentId: timer.incidentId,
      step: timer.step,
      error,
    });
  }
}

/**
 * Timers that should have acted before `before` but did not: open incidents whose
 * `next_escalation_at` is that old, oldest due first, at most `limit`, across organizations
 * (served by `incidents_state_next_escalation_at_idx`). Each names the incident's current step,
 * so acting on it goes through the same conditional step change as the queue message.
 *
 * @example
 * ```ts
 * const lost = await overdueTimers(ledger, { before: new Date(now - 120_000), limit: 200 });
 * ```
 */
export async function overdueTimers(
  tx: LedgerTx,
  options: { before: Date; limit: number },
): Promise<EscalationTimer[]> {
  const rows = await tx.db.selectFrom("incidents")
    .select(["id", "escalation_step", "next_escalation_at"])
    .where("state", "=", "open").where("next_escalation_at", "is not", null)
    .where("next_escalation_at", "<", options.before)
    .orderBy("next_escalation_at").limit(options.limit).execute();
  return rows.map((r) => ({
    incidentId: r.id,
    step: Number(r.escalation_step),
    dueAt: toDate(r.next_escalation_at!),
  }));
}

/**
 * Arms the acknowledgement deadline of an open incident (on open and on reopen): the next step,
 * level 1 of the policy paged (0 when the policy has no levels), no reminders yet, and the
 * deadline from the policy. Returns the timer to schedule after the commit.
 *
 * @example
 * ```ts
 * const timer = await armAckDeadline(tx, incident, policy, now);
 * ```
 */
export async function armAckDeadline(
  tx: LedgerTx,
  incident: Pick<Incident, "id" | "severity" | "escalationStep">,
  policy: EscalationPolicy,
  now: Date,
): Promise<EscalationTimer> {
  const dueAt = new Date(now.getTime() + ackDelayMs(policy, incident.severity));
  const step = incident.escalationStep + 1;
  await tx.db.updateTable("incidents").set({
    ack_due_at: dueAt,
    next_escalation_at: dueAt,
    escalation_step: step,
    escalation_level: policy.levels.length > 0 ? 1 : 0,
    reminders_sent: 0,
  }).where("id", "=", incident.id).execute();
  return { incidentId: incident.id, step, dueAt };
}
