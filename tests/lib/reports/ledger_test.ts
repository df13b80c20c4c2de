/**
 * The report's ledger side on both dialects: the once-per-period claim under concurrency
 * (several runs racing for one period: exactly one wins), retries of a failed send up to the
 * limit, take-over of a stale claim; and the report queries' counts, sums and response times
 * (Postgres returns counts as strings and timestamps as `Date`s).
 */
import { deepEqual, equal } from "node:assert/strict";
import { ulid } from "ulid";
import { storeSnapshot } from "@/lib/ingest/store.ts";
import {
  claimReportPeriod,
  finishReportSend,
  MAX_SEND_ATTEMPTS,
  recentReportSends,
  STALE_CLAIM_MS,
} from "@/lib/reports/sends.ts";
import { incidentSummary, ingestVolume, signalSummary } from "@/lib/reports/queries.ts";
import { reportWindow } from "@/lib/reports/period.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { seedOrg } from "../../support/operators.ts";
import {
  at,
  parsedSnapshot,
  seedTwoOrgFleet,
  signal,
  storeServices,
  T0,
} from "../../support/hosts.ts";

forEachLedger(
  "[reports] a period is claimed once, however many runs race for it",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    const other = await seedOrg(ledger, "beta");
    const claims = await Promise.all(
      Array.from({ length: 6 }, () => claimReportPeriod(ledger, org.id, "daily:2026-11-25", T0)),
    );
    equal(claims.filter((c) => c.claimed).length, 1, "exactly one run sends");
    const winner = claims.find((c) => c.claimed)!;
    equal(winner.send.state, "sending");
    equal((await claimReportPeriod(ledger, other.id, "daily:2026-11-25", T0)).claimed, true);

    await finishReportSend(ledger, winner.send.id, "sent", at(5), "1 deliveries queued");
    const again = await claimReportPeriod(ledger, org.id, "daily:2026-11-25", at(3600));
    equal(again.claimed, false);
    equal(again.send.state, "sent");
    deepEqual(
      (await recentReportSends(ledger, org.id)).map((s) => [s.periodKey, s.state, s.detail]),
      [["daily:2026-11-25", "sent", "1 deliveries queued"]],
    );
  },
);

forEachLedger(
  "[reports] failed sends are retried up to the limit; stale claims taken over",
  async (ledger) => {
    const org = await seedOrg(ledger, "acme");
    let claim = await claimReportPeriod(ledger, org.id, "weekly:2026-11-23", T0);
    for (let attempt = 1; attempt <= MAX_SEND_ATTEMPTS; attempt++) {
      equal(claim.claimed, true, `attempt ${attempt}`);
      equal(claim.send.attempts, attempt);
      await finishReportSend(ledger, claim.send.id, "failed", at(attempt), "SMTP down");
      claim = await claimReportPeriod(ledger, org.id, "weekly:2026-11-23", at(attempt * 60));
    }
    equal(claim.claimed, false, "given up after the last attempt");
    equal(claim.send.state, "failed");

    const stuck = await claimReportPeriod(ledger, org.id, "weekly:2026-11-30", T0);
    equal(stuck.claimed, true);
    equal((await claimReportPeriod(ledger, org.id, "weekly:2026-11-30", at(60))).claimed, false);
    const later = new Date(T0.getTime() + STALE_CLAIM_MS + 1000);
    const racing = await Promise.all([
      claimReportPeriod(ledger, org.id, "weekly:2026-11-30", later),
      claimReportPeriod(ledger, org.id, "weekly:2026-11-30", later),
    ]);
    equal(racing.filter((c) => c.claimed).length, 1, "one run takes over a dead run's claim");
  },
);

forEachLedger(
  "[reports] report queries: counts, bytes and response times per organization",
  async (ledger) => {
    await using services = await storeServices(ledger);
    const { org, other, web, db, foreign } = await seedTwoOrgFleet(ledger);
    for (const [host, n] of [[web, 1], [db, 2], [foreign, 3]] as const) {
      await storeSnapshot(services, {
        host,
        parsed: parsedSnapshot({ ts: at(n).toISOString(), base: { n } }),
        signals: [
          signal({ ts: at(n).toISOString() }),
          signal({ code: "suspicious_process_ioc", severity: "critical", ts: at(n).toISOString() }),
        ],
        now: at(n),
      });
    }
    const window = reportWindow("day", at(600));
    const signals = await signalSummary(ledger, org.id, window);
    deepEqual(signals.bySeverity, { info: 0, low: 0, medium: 2, high: 0, critical: 2 });
    deepEqual(signals.top, [
      { code: "suspicious_process_ioc", severity: "critical", count: 2, hosts: 2 },
      { code: "public_ports_changed", severity: "medium", count: 2, hosts: 2 },
    ]);
    const ingest = await ingestVolume(ledger, org.id, window);
    equal(ingest.snapshots, 2);
    equal(ingest.reportingHosts, 2);
    equal(ingest.bytes, JSON.stringify({ n: 1 }).length + JSON.stringify({ n: 2 }).length);

    const incident = (
      orgId: string,
      opened: number,
      acked: number | null,
      resolved: number | null,
    ) =>
      ledger.db.insertInto("incidents").values({
        id: `inc_${ulid()}`,
        org_id: orgId,
        title: "t",
        summary: "s",
        severity: "critical",
        state: resolved !== null ? "resolved" : acked !== null ? "acknowledged" : "open",
        host_id: null,
        source: "manual",
        created_by: "system",
        opened_at: at(opened),
        acknowledged_at: acked === null ? null : at(acked),
        resolved_at: resolved === null ? null : at(resolved),
        closed_at: null,
        updated_at: at(opened),
      }).execute();
    await incident(org.id, 0, 300, 3600);
    await incident(org.id, 60, 960, null);
    await incident(org.id, 120, null, null);
    await incident(other.id, 0, 30, 60);
    deepEqual(await incidentSummary(ledger, org.id, reportWindow("day", at(1200))), {
      open: 2,
      unacknowledged: 1,
      openedInPeriod: 3,
      resolvedInPeriod: 0,
      mtta: { count: 2, medianMinutes: 10, meanMinutes: 10 },
      mttr: { count: 0, medianMinutes: null, meanMinutes: null },
    });
    const later = reportWindow("day", at(7200));
    const after = await incidentSummary(ledger, org.id, later);
    deepEqual(after.mttr, { count: 1, medianMinutes: 60, meanMinutes: 60 });
  },
);
