/**
 * Snapshot retention cron: once a day, deletes each organization's raw snapshots older than its
 * `snapshot_retention_days` (default 30), keeping each host's newest snapshot and every signal.
 * Records a `cron_runs` row (status "failed" with the error, then rethrows so `Deno.cron`
 * retries); re-running finds nothing more to prune.
 *
 * @module
 */

import { recordCronRun } from "../lib/db/ledger/cron_runs.ts";
import { DEFAULT_SNAPSHOT_RETENTION_DAYS, pruneSnapshots } from "../lib/ingest/snapshots.ts";
import type { Services } from "../lib/services.ts";

/** `Deno.cron` name (and `cron_runs.name`) of snapshot retention. */
export const SNAPSHOT_RETENTION_CRON = "snapshot-retention";
/** Daily at 03:41 UTC (after audit retention). */
export const SNAPSHOT_RETENTION_SCHEDULE = "41 3 * * *";

/** What one organization's pruning did. */
export interface SnapshotPruneResult {
  orgId: string;
  days: number;
  pruned: number;
}

type RetentionServices = Pick<Services, "ledger" | "clock" | "log">;

const DAY_MS = 86_400_000;
const ORGS_PAGE = 500;

/**
 * Prunes every organization's raw snapshots past its retention.
 *
 * @example
 * ```ts
 * Deno.cron(SNAPSHOT_RETENTION_CRON, SNAPSHOT_RETENTION_SCHEDULE, { backoffSchedule: [60_000] },
 *   () => runSnapshotRetention(services));
 * ```
 */
export async function runSnapshotRetention(
  services: RetentionServices,
  options: { defaultDays?: number } = {},
): Promise<SnapshotPruneResult[]> {
  const defaultDays = options.defaultDays ?? DEFAULT_SNAPSHOT_RETENTION_DAYS;
  const startedAt = services.clock.now();
  const results: SnapshotPruneResult[] = [];
  try {
    let after = "";
    while (true) {
      const orgs = await services.ledger.db.selectFrom("orgs")
        .select(["id", "snapshot_retention_days"]).where("id", ">", after)
        .orderBy("id").limit(ORGS_PAGE).execute();
      for (const org of orgs) {
        const days = org.snapshot_retention_days ?? defaultDays;
        const before = new Date(startedAt.getTime() - days * DAY_MS);
        const pruned = await pruneSnapshots(services.ledger, { orgId: org.id, before });
        results.push({ orgId: org.id, days, pruned });
      }
      if (orgs.length < ORGS_PAGE) break;
      after = orgs[orgs.length - 1].id;
    }
    const total = results.reduce((sum, r) => sum + r.pruned, 0);
    await recordCronRun(services.ledger, {
      name: SNAPSHOT_RETENTION_CRON,
      startedAt,
      finishedAt: services.clock.now(),
      status: "ok",
      detail: `pruned ${total} snapshots in ${results.length} organizations`,
    });
    if (total > 0) services.log.info("snapshot retention", { pruned: total });
    return results;
  } catch (error) {
    await recordCronRun(services.ledger, {
      name: SNAPSHOT_RETENTION_CRON,
      startedAt,
      finishedAt: services.clock.now(),
      status: "failed",
      detail: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}
