/**
 * Escalation sweep: escalation runs on delayed `incident.escalate` queue messages
 * (`lib/incidents/timer.ts`). When the enqueue after an incident's commit fails, or a message is
 * lost, nothing would ever escalate that incident. Every minute this cron finds open incidents
 * whose `next_escalation_at` is more than {@link ESCALATION_SWEEP_GRACE_MS} in the past (the
 * grace leaves the timer its chance first) and runs the queue consumer's own step,
 * `escalateIncident`, for each one's current step.
 *
 * That step is one conditional update (`escalation_step` N → N+1 while still N and `open`), so
 * the sweep racing a late timer, another instance's sweep or an operator escalates once; the
 * loser sees `stale`. Each escalation schedules the next timer as usual. Bounded per run
 * ({@link ESCALATION_SWEEP_LIMIT}, oldest due first), across organizations, on
 * `incidents_state_next_escalation_at_idx`. Records a `cron_runs` row.
 *
 * @module
 */

import { recordCronRun } from "../lib/db/ledger/cron_runs.ts";
import { escalateIncident, type EscalationResult } from "../lib/incidents/escalation.ts";
import { overdueTimers } from "../lib/incidents/timer.ts";
import type { Services } from "../lib/services.ts";

/** `Deno.cron` name (and `cron_runs.name`) of the sweep. */
export const ESCALATION_SWEEP_CRON = "escalation-sweep";
/** Every minute. */
export const ESCALATION_SWEEP_SCHEDULE = "* * * * *";
/** How long past due an escalation must be before the sweep assumes its timer was lost. */
export const ESCALATION_SWEEP_GRACE_MS = 2 * 60_000;
/** Most incidents one run acts on; the rest wait for the next minute. */
export const ESCALATION_SWEEP_LIMIT = 200;

/** What {@link runEscalationSweep} did. */
export interface EscalationSweepResult {
  /** Overdue incidents found. */
  overdue: number;
  /** How many ended in each outcome of `escalateIncident`. */
  outcomes: Partial<Record<EscalationResult["outcome"], number>>;
  /** Incidents whose escalation threw (logged; retried by a later run if the step did not move). */
  failed: number;
}

/** Options of {@link runEscalationSweep} (tests shrink them). */
export interface EscalationSweepOptions {
  graceMs?: number;
  limit?: number;
}

/**
 * One sweep: escalates every open incident overdue by more than the grace period, once.
 *
 * @example
 * ```ts
 * Deno.cron(ESCALATION_SWEEP_CRON, ESCALATION_SWEEP_SCHEDULE, { backoffSchedule: [5000] },
 *   () => runEscalationSweep(services));
 * ```
 */
export async function runEscalationSweep(
  services: Services,
  options: EscalationSweepOptions = {},
): Promise<EscalationSweepResult> {
  const startedAt = services.clock.now();
  const graceMs = options.graceMs ?? ESCALATION_SWEEP_GRACE_MS;
  const result: EscalationSweepResult = { overdue: 0, outcomes: {}, failed: 0 };
  const record = (status: "ok" | "failed", detail: string) =>
    recordCronRun(services.ledger, {
      name: ESCALATION_SWEEP_CRON,
      startedAt,
      finishedAt: services.clock.now(),
      status,
      detail,
    });
  const timers = await overdueTimers(services.ledger, {
    before: new Date(startedAt.getTime() - graceMs),
    limit: options.limit ?? ESCALATION_SWEEP_LIMIT,
  }).catch(async (error) => {
    await record("failed", error instanceof Error ? error.message : String(error));
    throw error;
  });
  result.overdue = timers.length;
  for (const timer of timers) {
    try {
      const { outcome } = await escalateIncident(services, timer.incidentId, timer.step);
      result.outcomes[outcome] = (result.outcomes[outcome] ?? 0) + 1;
    } catch (error) {
      // One incident's failure (its notification, say) must not hold back the others.
      result.failed++;
      services.log.error("escalation sweep: escalation failed", {
        incidentId: timer.incidentId,
        step: timer.step,
        error,
      });
    }
  }
  const counts = Object.entries(result.outcomes).map(([o, n]) => `${n} ${o}`);
  const detail = `${result.overdue} overdue` +
    (counts.length > 0 ? `: ${counts.join(", ")}` : "") +
    (result.failed > 0 ? `, ${result.failed} failed` : "");
  if (result.overdue > 0) {
    services.log.warn("escalation sweep: acted on timers that never fired", {
      overdue: result.overdue,
      failed: result.failed,
    });
  }
  await record(result.failed > 0 ? "failed" : "ok", detail);
  if (result.failed > 0) throw new Error(`escalation sweep: ${detail}`);
  return result;
}
