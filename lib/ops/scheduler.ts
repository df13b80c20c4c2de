/** Names shared by the scheduler (jobs/) and what reports on it (lib/ops, routes). */

/** `Deno.cron` name of the scheduler heartbeat, also the `cron_runs.name` of its runs. */
export const SCHEDULER_HEARTBEAT_CRON = "scheduler-heartbeat";
