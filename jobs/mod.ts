/**
 * Registers every cron and the queue listener. Call once per process, at top level before
 * `Deno.serve` (Deno Deploy requires crons to be registered at startup), under
 * `import.meta.main` in `main.ts`.
 *
 * @module
 */

import type { Services } from "../lib/services.ts";
import {
  AUDIT_HEAD_EXPORT_CRON,
  AUDIT_HEAD_EXPORT_SCHEDULE,
  AUDIT_RETENTION_CRON,
  AUDIT_RETENTION_SCHEDULE,
  runAuditHeadExport,
  runAuditRetention,
} from "./audit.ts";
import {
  handleSchedulerPing,
  runSchedulerHeartbeat,
  SCHEDULER_HEARTBEAT_CRON,
} from "./heartbeat.ts";
import {
  HEARTBEAT_SWEEP_CRON,
  HEARTBEAT_SWEEP_SCHEDULE,
  runHeartbeatSweep,
} from "./heartbeat_sweep.ts";
import { createQueueDispatcher, type QueueHandlers } from "./queue.ts";
import {
  NOTIFY_REDRIVE_CRON,
  NOTIFY_REDRIVE_SCHEDULE,
  notifyQueueHandlers,
  runNotifyRedrive,
} from "./notify.ts";
import { remediationQueueHandlers } from "./remediation.ts";
import { incidentQueueHandlers } from "./incidents.ts";
import {
  ESCALATION_SWEEP_CRON,
  ESCALATION_SWEEP_SCHEDULE,
  runEscalationSweep,
} from "./escalation_sweep.ts";
import { expireJobs, JOB_EXPIRY_CRON } from "../lib/remediation/job_store.ts";
import { FLEET_REPORTS_CRON, FLEET_REPORTS_SCHEDULE, runScheduledReports } from "./reports.ts";
import {
  runSnapshotRetention,
  SNAPSHOT_RETENTION_CRON,
  SNAPSHOT_RETENTION_SCHEDULE,
} from "./retention.ts";

/** What {@link registerJobs} started. */
export interface RegisteredJobs {
  /** Settles when every cron has stopped (after `signal` aborts). */
  crons: Promise<void>;
  /** Settles when the queue listener has stopped (after `services.kv.close()`). */
  queue: Promise<void>;
  /**
   * Settles once no cron run and no queue message is being handled: shutdown waits for it
   * before closing the stores, so a sweep is not cut off mid-write.
   */
  idle(): Promise<void>;
}

/**
 * The job runs in progress, so shutdown can wait for them.
 *
 * @example
 * ```ts
 * const inFlight = new InFlight();
 * void inFlight.track(() => runHeartbeatSweep(services));
 * await inFlight.idle(); // after the sweep settled
 * ```
 */
export class InFlight {
  #running = new Set<Promise<unknown>>();

  /** Runs `work`, counted until it settles. */
  track<T>(work: () => Promise<T>): Promise<T> {
    const run = work();
    this.#running.add(run);
    const done = () => this.#running.delete(run);
    run.then(done, done);
    return run;
  }

  /** Settles when everything running now (and started meanwhile) has settled. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}

/**
 * The handler of every queue message type.
 *
 * @example
 * ```ts
 * const dispatch = createQueueDispatcher(createQueueHandlers(services), services);
 * ```
 */
export function createQueueHandlers(services: Services): QueueHandlers {
  return {
    "scheduler.ping": handleSchedulerPing(services),
    ...notifyQueueHandlers(services),
    ...remediationQueueHandlers(services),
    ...incidentQueueHandlers(services),
  };
}

/**
 * Registers the crons (stopped by `signal`) and the KV queue listener (stopped by closing KV).
 * Cron handlers always get a `backoffSchedule`: without one Deno 2.9 still retries, on its own
 * schedule.
 *
 * @example
 * ```ts
 * const shutdown = new AbortController();
 * const jobs = registerJobs(services, shutdown.signal);
 * // … on SIGTERM:
 * shutdown.abort();
 * await jobs.idle();
 * await closeServices(services);
 * await Promise.all([jobs.crons, jobs.queue]);
 * ```
 */
export function registerJobs(services: Services, signal: AbortSignal): RegisteredJobs {
  const inFlight = new InFlight();
  const logFailure = (cron: string, run: () => Promise<unknown>) =>
    inFlight.track(() => runLogged(services, cron, run));
  const crons = [
    Deno.cron(
      SCHEDULER_HEARTBEAT_CRON,
      "* * * * *",
      { backoffSchedule: [1000, 5000], signal },
      () => logFailure(SCHEDULER_HEARTBEAT_CRON, () => runSchedulerHeartbeat(services)),
    ),
    Deno.cron(
      AUDIT_HEAD_EXPORT_CRON,
      AUDIT_HEAD_EXPORT_SCHEDULE,
      { backoffSchedule: [60_000, 300_000, 900_000], signal },
      () => logFailure(AUDIT_HEAD_EXPORT_CRON, () => runAuditHeadExport(services)),
    ),
    Deno.cron(
      AUDIT_RETENTION_CRON,
      AUDIT_RETENTION_SCHEDULE,
      { backoffSchedule: [60_000, 600_000, 3_600_000], signal },
      () => logFailure(AUDIT_RETENTION_CRON, () => runAuditRetention(services)),
    ),
    Deno.cron(
      SNAPSHOT_RETENTION_CRON,
      SNAPSHOT_RETENTION_SCHEDULE,
      { backoffSchedule: [60_000, 600_000, 3_600_000], signal },
      () => logFailure(SNAPSHOT_RETENTION_CRON, () => runSnapshotRetention(services)),
    ),
    Deno.cron(
      HEARTBEAT_SWEEP_CRON,
      HEARTBEAT_SWEEP_SCHEDULE,
      { backoffSchedule: [5000, 20_000], signal },
      () => logFailure(HEARTBEAT_SWEEP_CRON, () => runHeartbeatSweep(services)),
    ),
    // Notifications: re-send attempts whose queue message was lost, flush overdue digests.
    Deno.cron(
      NOTIFY_REDRIVE_CRON,
      NOTIFY_REDRIVE_SCHEDULE,
      { backoffSchedule: [30_000, 120_000], signal },
      () => logFailure(NOTIFY_REDRIVE_CRON, () => runNotifyRedrive(services)),
    ),
    // Incidents whose escalation timer message was never enqueued or was lost.
    Deno.cron(
      ESCALATION_SWEEP_CRON,
      ESCALATION_SWEEP_SCHEDULE,
      { backoffSchedule: [5000, 20_000], signal },
      () => logFailure(ESCALATION_SWEEP_CRON, () => runEscalationSweep(services)),
    ),
    // Job tokens past `exp` without a result: expired / outcome_unknown (agent-protocol §3.6).
    Deno.cron(
      JOB_EXPIRY_CRON,
      "* * * * *",
      { backoffSchedule: [5000, 20_000], signal },
      () => logFailure(JOB_EXPIRY_CRON, () => expireJobs(services, services.clock.now())),
    ),
    // Scheduled fleet reports: each organization's due report, once per period.
    Deno.cron(
      FLEET_REPORTS_CRON,
      FLEET_REPORTS_SCHEDULE,
      { backoffSchedule: [60_000, 300_000], signal },
      () => logFailure(FLEET_REPORTS_CRON, () => runScheduledReports(services)),
    ),
  ];
  const dispatch = createQueueDispatcher(createQueueHandlers(services), services);
  const queue = services.kv.listenQueue((message) => inFlight.track(() => dispatch(message)));
  return { crons: Promise.all(crons).then(() => {}), queue, idle: () => inFlight.idle() };
}

async function runLogged(services: Services, cron: string, run: () => Promise<unknown>) {
  try {
    await run();
  } catch (error) {
    services.log.error("cron run failed; it will be retried", { cron, error });
    throw error;
  }
}
