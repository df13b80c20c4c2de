/**
 * The incident ledger on both dialects (SQLite and, with TEST_DATABASE_URL, Postgres):
 * concurrent automatic findings of one host and group make ONE incident; concurrent transitions
 * move an incident once (the others are 409); concurrent escalation timers escalate once.
 */
import { deepEqual, equal, ok, rejects } from "node:assert/strict";
import { HttpError } from "@/lib/fresh/errors.ts";
import { createOrg } from "@/lib/orgs/orgs.ts";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { groupFindings, groupKeyOf, openOrLink } from "@/lib/incidents/auto_open.ts";
import { escalateIncident } from "@/lib/incidents/escalation.ts";
import { readIncident, systemActor } from "@/lib/incidents/model.ts";
import { createIncident, transitionIncident } from "@/lib/incidents/store.ts";
import { forEachLedger } from "../../support/ledgers.ts";
import { openTestServices, testClock } from "../../support/test_services.ts";

async function orgWithHost(ledger: Ledger) {
  const org = await createOrg(ledger, { name: "Acme", slug: "acme" });
  const now = new Date("2026-11-25T10:00:00.000Z");
  await ledger.db.insertInto("hosts").values({
    id: "h_web1",
    org_id: org.id,
    name: "web-1",
    slug: "web-1",
    group_name: null,
    tags: "[]",
    scopes: "[]",
    rollout_priority: 0,
    paused: 0,
    disabled_at: null,
    agent_version: null,
    last_seen_at: null,
    last_snapshot_at: null,
    created_at: now,
  }).execute();
  return { orgId: org.id, host: { id: "h_web1", name: "web-1" } };
}

const finding = (id: string, code = "outbound_scan_ioc") => ({
  kind: "signal" as const,
  id,
  code,
  title: "Outbound scan IOC detected",
  detail: "pid=48813",
  ts: new Date("2026-11-25T09:59:00.000Z"),
});

Deno.test("[incidents] groups: IOC codes share one group, other codes their own", () => {
  equal(groupKeyOf("suspicious_process_ioc"), groupKeyOf("outbound_scan_ioc"));
  equal(groupKeyOf("host_disk_critical"), "host_disk_critical");
  const groups = groupFindings("o", { id: "h", name: "h" }, [
    finding("s1"),
    finding("s2", "self_integrity_changed"),
    finding("s3", "host_disk_critical"),
  ], "signal");
  equal(groups.length, 2);
});

forEachLedger(
  "[incidents] concurrent findings of one host and group open ONE incident",
  async (ledger) => {
    const { orgId, host } = await orgWithHost(ledger);
    const clock = testClock();
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        openOrLink(
          { ledger, clock },
          groupFindings(orgId, host, [finding(`sig_${i}`)], "signal")[0],
        )),
    );
    equal(
      outcomes.filter((o) => o.action === "opened").length,
      1,
    );
    equal(new Set(outcomes.map((o) => o.incident.id)).size, 1);
    const rows = await ledger.db.selectFrom("incidents").selectAll().execute();
    equal(rows.length, 1);
    equal(Number(rows[0].signal_count), 6);
    const links = await ledger.db.selectFrom("incident_links").select("ref_id")
      .where("kind", "=", "signal").execute();
    equal(links.length, 6);
    // A linked outcome's incident is what is stored (built without a re-read).
    const last = outcomes.find((o) => o.incident.signalCount === 6);
    equal(last?.action, "linked");
    deepEqual(last.incident, await readIncident(ledger, last.incident.id));
    // The same findings again change nothing (links are unique, the count stays).
    await openOrLink(
      { ledger, clock },
      groupFindings(orgId, host, [finding("sig_0")], "signal")[0],
    );
    equal(
      Number(
        (await ledger.db.selectFrom("incidents").select("signal_count").executeTakeFirstOrThrow())
          .signal_count,
      ),
      6,
    );
  },
);

forEachLedger(
  "[incidents] a resolved incident comes back within the window, a closed one never",
  async (ledger) => {
    const { orgId, host } = await orgWithHost(ledger);
    const clock = testClock();
    const group = (id: string) => groupFindings(orgId, host, [finding(id)], "signal")[0];
    const first = await openOrLink({ ledger, clock }, group("a"));
    const target = {
      orgId,
      incidentId: first.incident.id,
      actor: systemActor("t"),
      now: clock.now(),
    };
    await transitionIncident(ledger, target, "resolve");
    clock.advance(10 * 60_000);
    const back = await openOrLink({ ledger, clock }, group("b"));
    equal(back.action, "reopened");
    equal(back.incident.id, first.incident.id);
    equal(back.incident.state, "open");
    ok(back.timer, "a new acknowledgement deadline");
    await transitionIncident(ledger, { ...target, now: clock.now() }, "resolve");
    await transitionIncident(ledger, { ...target, now: clock.now() }, "close");
    const fresh = await openOrLink({ ledger, clock }, group("c"));
    equal(fresh.action, "opened");
    ok(fresh.incident.id !== first.incident.id);
  },
);

forEachLedger(
  "[incidents] concurrent transitions move an incident once; the rest are 409",
  async (ledger) => {
    const { orgId } = await orgWithHost(ledger);
    const now = new Date("2026-11-25T10:00:00.000Z");
    const { incident } = await createIncident(
      ledger,
      {
        orgId,
        title: "t",
        summary: "",
        severity: "high",
        source: "manual",
      },
      systemActor("t"),
      now,
    );
    const target = { orgId, incidentId: incident.id, actor: systemActor("t"), now };
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => transitionIncident(ledger, target, "acknowledge")),
    );
    equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results) {
      if (r.status === "rejected") equal((r.reason as HttpError).status, 409);
    }
    await rejects(
      transitionIncident(ledger, { ...target, orgId: "org_other" }, "resolve"),
      (e) => e instanceof HttpError && e.status === 404,
    );
    const events = await ledger.db.selectFrom("incident_events").select("type")
      .where("incident_id", "=", incident.id).execute();
    equal(
      events.filter((e) => e.type === "acknowledged").length,
      1,
    );
  },
);

forEachLedger(
  "[incidents] concurrent deliveries of one escalation timer escalate once",
  async (ledger) => {
    await using base = await openTestServices();
    const services = { ...base, ledger };
    const { orgId } = await orgWithHost(ledger);
    const { incident, timer } = await createIncident(
      ledger,
      {
        orgId,
        title: "t",
        summary: "",
        severity: "critical",
        source: "manual",
      },
      systemActor("t"),
      services.clock.now(),
    );
    services.clock.set(timer!.dueAt);
    const results = await Promise.all(
      Array.from({ length: 5 }, () => escalateIncident(services, incident.id, timer!.step)),
    );
    // No policy levels: the first move past the (empty) last level is a reminder.
    equal(
      results.filter((r) => r.outcome === "reminded").length,
      1,
      JSON.stringify(results.map((r) => r.outcome)),
    );
    const after = await ledger.db.selectFrom("incidents").selectAll().executeTakeFirstOrThrow();
    equal(Number(after.escalation_step), timer!.step + 1);
    equal(Number(after.reminders_sent), 1);
  },
);
