/**
 * Every ledger migration, by name. Names sort in the order they run
 * (`YYYY_MM_DD_NNNN_what`); add new ones at the end. A static list (no file-system provider), so
 * `deno check` sees every migration and bundles carry them.
 *
 * @module
 */

import type { LedgerMigration } from "../migration_kit.ts";
import { migration as foundation } from "./2026_11_25_0001_foundation.ts";
import { migration as operators } from "./2026_11_25_0002_operators.ts";
import { migration as hosts } from "./2026_11_25_0003_hosts.ts";
import { migration as breaches } from "./2026_11_25_0004_breaches.ts";
import { migration as signedIngest } from "./2026_11_25_0005_signed_ingest.ts";
import { migration as signalIndexes } from "./2026_11_25_0006_signal_indexes.ts";
import { migration as hostHeartbeat } from "./2026_11_25_0007_host_heartbeat.ts";
import { migration as jobChannel } from "./2026_11_25_0008_job_channel.ts";
import { migration as remediationRuns } from "./2026_11_25_0009_remediation_runs.ts";
import { migration as notifications } from "./2026_11_25_0010_notifications.ts";
import { migration as incidents } from "./2026_11_25_0011_incidents.ts";
import { migration as reportSettings } from "./2026_11_25_0012_report_settings.ts";
import { migration as fleetSummaries } from "./2026_11_25_0013_fleet_summaries.ts";
import { migration as chartAggregates } from "./2026_11_25_0014_chart_aggregates.ts";
import { migration as incidentGroupIndex } from "./2026_11_26_0015_incident_group_index.ts";
import { migration as escalationSweepIndex } from "./2026_11_26_0016_escalation_sweep_index.ts";
import { migration as webhookSecretOverlap } from "./2026_11_26_0017_webhook_secret_overlap.ts";
import { migration as hostJobPoll } from "./2026_11_26_0018_host_job_poll.ts";

/** Migrations in the order they run. */
export const ledgerMigrations: Record<string, LedgerMigration> = {
  "2026_11_25_0001_foundation": foundation,
  "2026_11_25_0002_operators": operators,
  "2026_11_25_0003_hosts": hosts,
  "2026_11_25_0004_breaches": breaches,
  "2026_11_25_0005_signed_ingest": signedIngest,
  "2026_11_25_0006_signal_indexes": signalIndexes,
  "2026_11_25_0007_host_heartbeat": hostHeartbeat,
  "2026_11_25_0008_job_channel": jobChannel,
  "2026_11_25_0009_remediation_runs": remediationRuns,
  "2026_11_25_0010_notifications": notifications,
  "2026_11_25_0011_incidents": incidents,
  "2026_11_25_0012_report_settings": reportSettings,
  "2026_11_25_0013_fleet_summaries": fleetSummaries,
  "2026_11_25_0014_chart_aggregates": chartAggregates,
  "2026_11_26_0015_incident_group_index": incidentGroupIndex,
  "2026_11_26_0016_escalation_sweep_index": escalationSweepIndex,
  "2026_11_26_0017_webhook_secret_overlap": webhookSecretOverlap,
  "2026_11_26_0018_host_job_poll": hostJobPoll,
};
