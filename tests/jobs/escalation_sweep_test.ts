/**
 * The escalation sweep on both ledgers: an incident whose timer enqueue failed escalates by the
 * sweep once its deadline is more than the grace period old (not before), and keeps escalating
 * without any queue message; a late timer and the sweep (and two sweeps) racing escalate once;
 * acknowledged, resolved and closed incidents are left alone even with a stale deadline; runs
 * are bounded, cover every organization and are recorded in `cron_runs` (failed when an
 * escalation threw, after the others ran).
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import {
  ESCALATION_SWEEP_CRON,
  ESCALATION_SWEEP_GRACE_MS,
  runEscalationSweep,
} from "@/jobs/escalation_sweep.ts";
import { createQueueHandlers } from "@/jobs/mod.ts";
import { createQueueDispatcher } from "@/jobs/queue.ts";
import { latestCronRuns } from "@/lib/db/ledger/cron_runs.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import {
  type Incident,
  type IncidentActor,
  readIncident,
  systemActor,
} from "@/lib/incidents/model.ts";
import { openIncident } from "@/lib/incidents/lifecycle.ts";
import { setEscalationPolicy } from "@/lib/incidents/policy.ts";
import { createIncident, transitionIncident } from "@/lib/incidents/store.ts";
import { escalateMessage } from "@/lib/incidents/timer.ts";
import { forEachLedger } from "../support/ledgers.ts";
import { seedMember, seedOrg } from "../support/operators.ts";
import { openTestServices, type TestServices } from "../support/test_services.ts";

const MIN = 60_000;
/** The default acknowledgement deadline of a critical incident. */
const CRITICAL_ACK_MS = 5 * MIN;

/** Test services on `ledger`; `lostTimers` makes every `incident.escalate` enqueue fail. */
async function sweepServices(
  ledger: Ledger,
  options: { lostTimers?: boolean } = {},
): Promise<TestServices> {
  const base = await openTestServices({ logLevel: "warn" });
  const kv = options.lostTimers
    ? new Proxy(base.kv, {
      get(target, key) {
        if (key === "enqueue") {
          return (value: { type?: string }, opts?: Parameters<Deno.Kv["enqueue"]>[1]) =>
            value.type === "incident.escalate"
              ? Promise.reject(new Error("queue unavailable"))
              : target.enqueue(value, opts);
        }
        const member = Reflect.get(target, key, target);
        return typeof member === "function" ? member.bind(target) : member;
      },
    })
    : base.kv;
  return { ...base, ledger, kv };
}

const opener: IncidentActor = systemActor("test");

/**
 * A critical incident opened the ordinary way (timer, level 1 paged) in a new organization with
 * a two-level policy: level 1 `ops@acme.test`, level 2 `lead@acme.test`.
 */
async function openWithTwoLevels(services: TestServices, title: string): Promise<Incident> {
  const org = await seedOrg(services.ledger, "acme");
  const ops = await seedMember(services.ledger, org, "ops@acme.test", "ops");
  const lead = await seedMember(services.ledger, org, "lead@acme.test", "admin");
  const levels = [{ userIds: [ops.id] }, { userIds: [lead.id] }];
  await setEscalationPolicy(services.ledger, org.id, { levels }, lead.id, services.clock.now());
  return await openIncident(services, {
    orgId: org.id,
    title,
    summary: "",
    severity: "critical",
    source: "manual",
  }, opener);
}

async function escalationEvents(ledger: Ledger, incidentId: string): Promise<string[]> {
  const rows = await ledger.db.selectFrom("incident_events").select("type")
    .where("incident_id", "=", incidentId)
    .where("type", "in", ["escalated", "reminder", "escalation_stopped"]).orderBy("id").execute();
  return rows.map((r) => r.type);
}

async function pagedTo(ledger: Ledger, eventType: string): Promise<(string | null)[]> {
  return (await ledger.db.selectFrom("notify_deliveries").select("recipient")
    .where("event_type", "=", eventType).orderBy("id").execute()).map((d) => d.recipient);
}

forEachLedger(
  "[jobs] escalation-sweep: a timer never enqueued escalates after the grace period, not before",
  async (ledger) => {
    await using services = await sweepServices(ledger, { lostTimers: true });
    const opened = await openWithTwoLevels(services, "Database unreachable");
    ok(
      services.logLines.some((l) =>
        String(l.msg).startsWith("incident escalation timer not scheduled")
      ),
      "the failed enqueue is logged",
    );
    deepEqual(await pagedTo(ledger, "incident.opened"), ["ops@acme.test"], "level 1 on open");

    // Due, and within the grace period (the timer may still come): nothing.
    services.clock.advance(CRITICAL_ACK_MS);
    equal((await runEscalationSweep(services)).overdue, 0);
    services.clock.advance(ESCALATION_SWEEP_GRACE_MS);
    equal((await runEscalationSweep(services)).overdue, 0, "exactly the grace period: not yet");
    equal((await readIncident(ledger, opened.id))!.escalationLevel, 1);

    services.clock.advance(1_000);
    const run = await runEscalationSweep(services);
    deepEqual(run, { overdue: 1, outcomes: { escalated: 1 }, failed: 0 });
    const escalated = (await readIncident(ledger, opened.id))!;
    equal(escalated.escalationLevel, 2);
    equal(escalated.escalationStep, opened.escalationStep + 1);
    equal(
      escalated.nextEscalationAt?.getTime(),
      services.clock.now().getTime() + 10 * MIN,
      "the next check after the repeat interval, as a timer would set it",
    );
    deepEqual(await pagedTo(ledger, "incident.escalated"), ["lead@acme.test"]);
    equal((await runEscalationSweep(services)).overdue, 0, "a re-run finds nothing");

    // The next timer's enqueue failed too: the sweep keeps the chain going.
    services.clock.advance(10 * MIN + ESCALATION_SWEEP_GRACE_MS + 1_000);
    deepEqual((await runEscalationSweep(services)).outcomes, { reminded: 1 });
    deepEqual(await escalationEvents(ledger, opened.id), ["escalated", "reminder"]);
    deepEqual(await pagedTo(ledger, "incident.reminder"), ["lead@acme.test"]);

    const runs = await latestCronRuns(ledger, ESCALATION_SWEEP_CRON, 20);
    equal(runs.length, 5);
    ok(runs.every((r) => r.status === "ok"));
    equal(runs[0].detail, "1 overdue: 1 reminded");
    equal(runs.at(-1)!.detail, "0 overdue");
  },
);

forEachLedger(
  "[jobs] escalation-sweep: a late timer and the sweep firing together escalate once",
  async (ledger) => {
    await using services = await sweepServices(ledger);
    const opened = await openWithTwoLevels(services, "Disk full");
    // The queue was backed up: the timer arrives when the sweep also acts.
    services.clock.advance(CRITICAL_ACK_MS + ESCALATION_SWEEP_GRACE_MS + 1_000);
    const dispatch = createQueueDispatcher(createQueueHandlers(services), services);
    const timer = escalateMessage(opened.id, opened.escalationStep);
    const [sweepA, , sweepB] = await Promise.all([
      runEscalationSweep(services),
      dispatch(timer),
      runEscalationSweep(services),
      dispatch({ ...timer, id: `${timer.id}:redelivered` }),
    ]);
    ok(
      (sweepA.outcomes.escalated ?? 0) + (sweepB.outcomes.escalated ?? 0) <= 1,
      "one sweep at most",
    );
    deepEqual(await escalationEvents(ledger, opened.id), ["escalated"], "escalated once");
    const after = (await readIncident(ledger, opened.id))!;
    equal(after.escalationLevel, 2);
    equal(after.escalationStep, opened.escalationStep + 1);
    deepEqual(await pagedTo(ledger, "incident.escalated"), ["lead@acme.test"], "paged once");

    // The timer of the old step delivered after the sweep acted: nothing.
    await dispatch({ ...timer, id: `${timer.id}:late` });
    equal((await runEscalationSweep(services)).overdue, 0);
    deepEqual(await escalationEvents(ledger, opened.id), ["escalated"]);
    equal((await readIncident(ledger, opened.id))!.escalationStep, after.escalationStep);
  },
);

forEachLedger(
  "[jobs] escalation-sweep: acknowledged, resolved, closed left alone; bounded; every organization",
  async (ledger) => {
    await using services = await sweepServices(ledger);
    const acme = await seedOrg(ledger, "acme");
    const beta = await seedOrg(ledger, "beta");
    const now = services.clock.now();
    const open = async (orgId: string, title: string) =>
      (await createIncident(
        ledger,
        {
          orgId,
          title,
          summary: "",
          severity: "critical",
          source: "manual",
        },
        opener,
        now,
      )).incident; // its timer is never scheduled
    const a1 = await open(acme.id, "a1");
    const b1 = await open(beta.id, "b1");
    const b2 = await open(beta.id, "b2");
    const acked = await open(acme.id, "acked");
    const resolved = await open(acme.id, "resolved");
    const closed = await open(acme.id, "closed");
    const move = (id: string, action: "acknowledge" | "resolve" | "close") =>
      transitionIncident(ledger, { orgId: acme.id, incidentId: id, actor: opener, now }, action);
    await move(acked.id, "acknowledge");
    await move(resolved.id, "resolve");
    await move(closed.id, "resolve");
    await move(closed.id, "close");
    // Even with a deadline left in the row, only open incidents are escalated.
    await ledger.db.updateTable("incidents").set({ next_escalation_at: now })
      .where("id", "in", [acked.id, resolved.id, closed.id]).execute();
    const untouched = await Promise.all(
      [acked, resolved, closed].map(async (i) => (await readIncident(ledger, i.id))!),
    );

    services.clock.advance(CRITICAL_ACK_MS + ESCALATION_SWEEP_GRACE_MS + 1_000);
    // No policy levels: the first move is a reminder by the routing rules.
    deepEqual(await runEscalationSweep(services, { limit: 2 }), {
      overdue: 2,
      outcomes: { reminded: 2 },
      failed: 0,
    });
    services.clock.advance(1_000); // each run its own start time, so their order is known
    deepEqual(await runEscalationSweep(services, { limit: 2 }), {
      overdue: 1,
      outcomes: { reminded: 1 },
      failed: 0,
    });
    services.clock.advance(1_000);
    equal((await runEscalationSweep(services, { limit: 2 })).overdue, 0);
    for (const incident of [a1, b1, b2]) {
      const after = (await readIncident(ledger, incident.id))!;
      equal(after.remindersSent, 1, incident.title);
      equal(after.escalationStep, incident.escalationStep + 1, incident.title);
    }
    for (const before of untouched) {
      deepEqual(await readIncident(ledger, before.id), before, `${before.title} unchanged`);
      deepEqual(await escalationEvents(ledger, before.id), []);
    }
    const runs = await latestCronRuns(ledger, ESCALATION_SWEEP_CRON, 10);
    deepEqual(runs.map((r) => r.detail), [
      "0 overdue",
      "1 overdue: 1 reminded",
      "2 overdue: 2 reminded",
    ]);
  },
);

forEachLedger(
  "[jobs] escalation-sweep: one incident's failure holds back no other; the run is recorded failed",
  async (ledger) => {
    await using services = await sweepServices(ledger);
    const now = services.clock.now();
    const [acme, beta] = [await seedOrg(ledger, "acme"), await seedOrg(ledger, "beta")];
    const input = {
      title: "t",
      summary: "",
      severity: "critical" as const,
      source: "manual" as const,
    };
    const broken =
      (await createIncident(ledger, { orgId: acme.id, ...input }, opener, now)).incident;
    const fine = (await createIncident(ledger, { orgId: beta.id, ...input }, opener, now)).incident;
    // A policy row that paging cannot read: escalating acme's incident throws.
    await ledger.db.insertInto("escalation_policies").values({
      org_id: acme.id,
      levels: '[{"userIds":null,"endpointIds":null}]',
      ack_minutes: "{}",
      repeat_minutes: "{}",
      repeat_count: null,
      updated_by: "test",
      updated_at: now,
    }).execute();

    services.clock.advance(CRITICAL_ACK_MS + ESCALATION_SWEEP_GRACE_MS + 1_000);
    await rejects(
      runEscalationSweep(services),
      /escalation sweep: 2 overdue: 1 reminded, 1 failed/,
    );
    equal((await readIncident(ledger, fine.id))!.remindersSent, 1, "the other one escalated");
    const logged = services.logLines.find((l) => l.msg === "escalation sweep: escalation failed");
    equal(logged?.incidentId, broken.id);
    const [run] = await latestCronRuns(ledger, ESCALATION_SWEEP_CRON, 1);
    deepEqual([run.status, run.detail], ["failed", "2 overdue: 1 reminded, 1 failed"]);
  },
);
