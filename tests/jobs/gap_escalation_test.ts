/**
 * The §2.6 follow-up of recorded sequence gaps on both ledgers: the heartbeat sweep raises a gap
 * still unexplained 30 minutes after it was recorded to `high`, once; a later snapshot's
 * `runner.lost` ranges that cover a gap mark it explained (`low`, with the reason and the seq
 * that explained it), partial coverage changes nothing, and an explained gap is never raised.
 */
import assert from "node:assert/strict";
import { runHeartbeatSweep } from "@/jobs/heartbeat_sweep.ts";
import { loadConfig } from "@/lib/config.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { storeSnapshot } from "@/lib/ingest/store.ts";
import { explainRecordedGaps, gapSignal, type SequenceGap } from "@/lib/ingest/sequence.ts";
import { createLogger } from "@/lib/log.ts";
import { forEachLedger } from "../support/ledgers.ts";
import { seedOrg } from "../support/operators.ts";
import { parsedSnapshot, seedHost, T0 } from "../support/hosts.ts";
import { testClock } from "../support/test_services.ts";

const MIN = 60_000;

async function sweepServices(ledger: Ledger) {
  const kv = await Deno.openKv(":memory:");
  return {
    ledger,
    kv,
    config: loadConfig({ APP_ENV: "test" }),
    clock: testClock(T0),
    log: createLogger("error", () => {}),
    [Symbol.asyncDispose]() {
      kv.close();
      return Promise.resolve();
    },
  };
}

async function gaps(ledger: Ledger, hostId: string) {
  const rows = await ledger.db.selectFrom("signals").select(["severity", "detail", "evidence"])
    .where("host_id", "=", hostId).where("code", "=", "snapshot_gap").orderBy("id").execute();
  return rows.map((r) => ({ ...r, evidence: JSON.parse(r.evidence ?? "{}") }));
}

forEachLedger(
  "[jobs] sequence gaps: unexplained after 30 min → high once; runner.lost explains → low",
  async (ledger) => {
    await using services = await sweepServices(ledger);
    const org = await seedOrg(ledger, "acme");
    const host = await seedHost(ledger, org, "web-1");
    const record = async (gap: SequenceGap, seq: number) => {
      const now = services.clock.now();
      await storeSnapshot(services, {
        host,
        parsed: parsedSnapshot({ ts: now.toISOString(), base: { seq } }),
        signals: [gapSignal(gap, [], now.toISOString())],
        now,
      });
    };
    await record({ missing: 2, fromSeq: 2, toSeq: 3 }, 4);
    await record({ missing: 1, fromSeq: 5, toSeq: 5 }, 6);
    assert.deepEqual((await gaps(ledger, host.id)).map((g) => g.severity), ["medium", "medium"]);

    // Partial coverage explains nothing; full coverage of 5 explains that gap only.
    const partial = [{ from: 2, to: 2, reason: "spool_overflow" }];
    assert.equal(await explainRecordedGaps(ledger, host, partial, 7, services.clock.now()), 0);
    const lost = [{ from: 5, to: 5, reason: "rejected:clock_skew" }];
    assert.equal(await explainRecordedGaps(ledger, host, lost, 7, services.clock.now()), 1);
    assert.equal(await explainRecordedGaps(ledger, host, lost, 8, services.clock.now()), 0);
    let [first, second] = await gaps(ledger, host.id);
    assert.equal(first.severity, "medium");
    assert.equal(second.severity, "low");
    assert.equal(second.evidence.explainedBy, "rejected");
    assert.equal(second.evidence.explainedBySeq, 7);
    assert.match(second.detail, /runner reported them lost \(rejected\) in snapshot 7/);

    // 29 minutes: not yet. 30: raised, once, however often the sweep runs.
    services.clock.advance(29 * MIN);
    assert.equal((await runHeartbeatSweep(services)).gapsEscalated, 0);
    services.clock.advance(MIN);
    assert.equal((await runHeartbeatSweep(services)).gapsEscalated, 1);
    assert.equal((await runHeartbeatSweep(services)).gapsEscalated, 0);
    [first, second] = await gaps(ledger, host.id);
    assert.equal(first.severity, "high");
    assert.match(first.detail, /Still unexplained 30 minutes after it was recorded/);
    assert.ok(first.evidence.escalatedAt);
    assert.equal(second.severity, "low", "an explained gap is never raised");

    // A later report still explains the raised gap, and lowers it.
    const overflow = [{ from: 1, to: 3, reason: "spool_overflow" }];
    assert.equal(await explainRecordedGaps(ledger, host, overflow, 9, services.clock.now()), 1);
    [first] = await gaps(ledger, host.id);
    assert.equal(first.severity, "low");
    assert.equal(first.evidence.explainedBy, "spool_overflow");
    assert.ok(first.evidence.escalatedAt, "the escalation stays on record");
  },
);
