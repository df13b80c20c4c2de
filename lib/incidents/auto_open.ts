/**
 * Automatic incidents (issue 6 item 2): critical signals of a stored snapshot and newly opened
 * (or re-opened) critical breaches open an incident — ONE per host and group:
 *
 * - the group of a finding is `ioc` for the compromise indicators (`suspicious_process_ioc`,
 *   `outbound_scan_ioc`, `self_integrity_changed`: one intrusion, whichever indicator shows it),
 *   else its code (`host_silent`, `host_disk_critical`, …);
 * - an `open` or `acknowledged` incident of the host and group takes every later finding of the
 *   group (a flood of IOC snapshots is one incident with many linked signals);
 * - a `resolved` one whose last finding is younger than {@link GROUP_WINDOW_MS} (60 min) is
 *   re-opened instead (the fix did not hold); a `closed` one, or an older resolved one, is left
 *   alone and a new incident opens.
 *
 * Each host's group is decided in one write transaction holding the host row (Postgres
 * `for update`; SQLite write transactions are exclusive), so two concurrent pushes still make
 * one incident. Repeated findings fold on the timeline: a "seen again" entry at most every
 * {@link FOLD_MS}.
 *
 * @module
 */

import { type LedgerTx, writeTransaction } from "../db/ledger/transaction.ts";
import { toDate } from "../db/ledger/values.ts";
import { prepared } from "../db/ledger/prepared.ts";
import type { IncidentsTable } from "../db/ledger/schema.ts";
import type { Selectable } from "kysely";
import type { Services } from "../services.ts";
import { IOC_CODES } from "../signals/catalog.ts";
import {
  appendEvent,
  cleanText,
  type Incident,
  type IncidentSeverity,
  type IncidentSource,
  insertLinks,
  readIncident,
  systemActor,
  toIncident,
} from "./model.ts";
import { getEscalationPolicy } from "./policy.ts";
import { createIncident } from "./store.ts";
import { armAckDeadline, type EscalationTimer } from "./timer.ts";
import { counted } from "../text/plural.ts";

/** How long a resolved incident keeps taking the findings of its group. */
export const GROUP_WINDOW_MS = 60 * 60_000;
/** Repeated findings add a timeline entry at most this often. */
export const FOLD_MS = 30 * 60_000;
/** Signal links kept per incident (the count goes on). */
export const MAX_SIGNAL_LINKS = 1000;

/**
 * The group of a finding code.
 *
 * @example
 * ```ts
 * groupKeyOf("outbound_scan_ioc"); // "ioc"
 * groupKeyOf("host_silent");       // "host_silent"
 * ```
 */
export function groupKeyOf(code: string): string {
  return IOC_CODES.has(code) ? "ioc" : code;
}

/** One critical finding to group. */
export interface Finding {
  kind: "signal" | "breach";
  id: string;
  code: string;
  title: string;
  detail: string;
  ts: Date;
}

/** The findings of one host and group. */
export interface FindingGroup {
  orgId: string;
  host: { id: string; name: string };
  groupKey: string;
  source: IncidentSource;
  severity: IncidentSeverity;
  findings: Finding[];
}

/** What grouping did for one group. */
export interface GroupOutcome {
  incident: Incident;
  action: "opened" | "linked" | "reopened";
  timer: EscalationTimer | null;
}

/**
 * Splits findings of one host into groups.
 *
 * @example
 * ```ts
 * const groups = groupFindings(orgId, host, findings, "signal");
 * ```
 */
export function groupFindings(
  orgId: string,
  host: { id: string; name: string },
  findings: readonly Finding[],
  source: IncidentSource,
  severity: IncidentSeverity = "critical",
): FindingGroup[] {
  const groups = new Map<string, FindingGroup>();
  for (const f of findings) {
    const key = groupKeyOf(f.code);
    const group = groups.get(key) ??
      { orgId, host, groupKey: key, source, severity, findings: [] };
    group.findings.push(f);
    groups.set(key, group);
  }
  return [...groups.values()];
}

function describe(group: FindingGroup): { title: string; summary: string } {
  const first = group.findings[0];
  const lead = group.groupKey === "ioc" ? "Compromise indicator" : first.title;
  const title = group.groupKey === "ioc"
    ? `${lead} on ${group.host.name}: ${first.title}`
    : `${lead} on ${group.host.name}`;
  const codes = [...new Set(group.findings.map((f) => f.code))].join(", ");
  const summary = `${first.detail}\n\nFindings: ${codes} (host ${group.host.name}).`;
  return { title: cleanText(title, 200), summary: cleanText(summary, 4000) };
}

/** The host's latest incidents of a group that can take findings (newest first). */
const groupCandidates = prepared<
  { orgId: string; hostId: string; groupKey: string },
  Selectable<IncidentsTable>
>((db, p) =>
  db.selectFrom("incidents").selectAll()
    .where("org_id", "=", p("orgId")).where("host_id", "=", p("hostId"))
    .where("group_key", "=", p("groupKey"))
    .where("state", "in", ["open", "acknowledged", "resolved"])
    .orderBy("id", "desc").limit(5)
);

async function candidate(tx: LedgerTx, group: FindingGroup, now: Date): Promise<Incident | null> {
  const { rows } = await groupCandidates(tx, {
    orgId: group.orgId,
    hostId: group.host.id,
    groupKey: group.groupKey,
  });
  const incidents = rows.map(toIncident);
  const active = incidents.find((i) => i.state === "open" || i.state === "acknowledged");
  if (active) return active;
  const recent = incidents.find((i) =>
    i.state === "resolved" &&
    now.getTime() - (i.lastSignalAt ?? i.resolvedAt ?? i.openedAt).getTime() <= GROUP_WINDOW_MS
  );
  return recent ?? null;
}

/** When the incident's timeline last took findings. */
const lastFolded = prepared<{ incidentId: string }, { ts: Date | string }>((db, p) =>
  db.selectFrom("incident_events").select("ts")
    .where("incident_id", "=", p("incidentId"))
    .where("type", "in", ["opened", "findings", "reopened"])
    .orderBy("ts", "desc").limit(1)
);

async function lastFoldedAt(tx: LedgerTx, incidentId: string): Promise<Date | null> {
  const row = (await lastFolded(tx, { incidentId })).rows[0];
  return row ? toDate(row.ts) : null;
}

async function absorb(
  tx: LedgerTx,
  incident: Incident,
  group: FindingGroup,
  now: Date,
): Promise<GroupOutcome> {
  const actor = systemActor(group.source === "heartbeat" ? "heartbeat" : "ingest");
  const signalIds = group.findings.filter((f) => f.kind === "signal").map((f) => f.id);
  const breachIds = group.findings.filter((f) => f.kind === "breach").map((f) => f.id);
  const room = Math.max(0, MAX_SIGNAL_LINKS - incident.signalCount);
  const linkedSignals = await insertLinks(
    tx,
    incident,
    "signal",
    signalIds.slice(0, room),
    actor.id,
    now,
  );
  const linkedBreaches = await insertLinks(tx, incident, "breach", breachIds, actor.id, now);
  const latest = group.findings.reduce((t, f) => (f.ts > t ? f.ts : t), new Date(0));
  const lastSignal = incident.lastSignalAt && incident.lastSignalAt > latest
    ? incident.lastSignalAt
    : latest;
  // New links, plus the findings beyond the link cap (counted, not linked).
  const signalCount = incident.signalCount + linkedSignals + Math.max(0, signalIds.length - room);
  // A breach linked again (re-opened) withdraws a resolve suggestion.
  const withdraw = linkedBreaches > 0 || breachIds.length > 0;
  await tx.db.updateTable("incidents").set({
    signal_count: signalCount,
    last_signal_at: lastSignal,
    updated_at: now,
    ...(withdraw ? { suggest_resolve: 0 } : {}),
  }).where("id", "=", incident.id).execute();
  let timer: EscalationTimer | null = null;
  let action: GroupOutcome["action"] = "linked";
  if (incident.state === "resolved") {
    await tx.db.updateTable("incidents").set({
      state: "open",
      resolved_at: null,
      suggest_resolve: 0,
      reopen_count: incident.reopenCount + 1,
    }).where("id", "=", incident.id).where("state", "=", "resolved").execute();
    await appendEvent(tx, incident, {
      type: "reopened",
      actor,
      now,
      from: "resolved",
      to: "open",
      message: `Re-opened: ${group.findings[0].code} came back within ` +
        `${GROUP_WINDOW_MS / 60_000} min`,
    });
    const policy = await getEscalationPolicy(tx, incident.orgId);
    timer = await armAckDeadline(tx, incident, policy, now);
    action = "reopened";
  } else {
    const folded = await lastFoldedAt(tx, incident.id);
    if (linkedBreaches > 0 || !folded || now.getTime() - folded.getTime() >= FOLD_MS) {
      await appendEvent(tx, incident, {
        type: "findings",
        actor,
        now,
        message: `Seen again: ${counted(signalIds.length, "signal")}` +
          (breachIds.length ? `, ${counted(breachIds.length, "breach", "breaches")}` : "") +
          ` (${[...new Set(group.findings.map((f) => f.code))].join(", ")})`,
        data: { signalIds: signalIds.slice(0, 50), breachIds },
      });
    }
  }
  if (action === "linked") {
    // Only these columns moved (the incident row is held by this transaction): no re-read.
    const suggestResolve = withdraw ? false : incident.suggestResolve;
    const linked = { ...incident, signalCount, lastSignalAt: lastSignal, updatedAt: now };
    return { incident: { ...linked, suggestResolve }, action, timer };
  }
  return { incident: (await readIncident(tx, incident.id))!, action, timer };
}

/**
 * Opens the group's incident, or links the findings to the one it already has (re-opening a
 * recently resolved one), inside `tx`, which must already hold the host (ingest: the
 * snapshot's transaction, whose first statement updates the host row). Idempotent for the same
 * findings (links are unique).
 *
 * @example
 * ```ts
 * const outcome = await groupInTransaction(tx, group, now);
 * ```
 */
export async function groupInTransaction(
  tx: LedgerTx,
  group: FindingGroup,
  now: Date,
): Promise<GroupOutcome> {
  const existing = await candidate(tx, group, now);
  if (existing) return await absorb(tx, existing, group, now);
  const { title, summary } = describe(group);
  const latest = group.findings.reduce((t, f) => (f.ts > t ? f.ts : t), new Date(0));
  const write = await createIncident(
    tx,
    {
      orgId: group.orgId,
      title,
      summary,
      severity: group.severity,
      source: group.source,
      hostIds: [group.host.id],
      groupKey: group.groupKey,
      signalIds: group.findings.filter((f) => f.kind === "signal").map((f) => f.id),
      breachIds: group.findings.filter((f) => f.kind === "breach").map((f) => f.id),
      lastSignalAt: latest,
    },
    systemActor(group.source === "heartbeat" ? "heartbeat" : "ingest"),
    now,
  );
  return { incident: write.incident, action: "opened", timer: write.timer };
}

/**
 * {@link groupInTransaction} in its own write transaction holding the host row (Postgres
 * `for update`; SQLite write transactions are exclusive).
 *
 * @example
 * ```ts
 * for (const group of groupFindings(orgId, host, findings, "heartbeat")) {
 *   const { incident, action } = await openOrLink(services, group);
 * }
 * ```
 */
export function openOrLink(
  services: Pick<Services, "ledger" | "clock">,
  group: FindingGroup,
): Promise<GroupOutcome> {
  const now = services.clock.now();
  return writeTransaction(services.ledger, async (tx) => {
    let lock = tx.db.selectFrom("hosts").select("id").where("id", "=", group.host.id);
    if (tx.dialect === "postgres") lock = lock.forUpdate();
    await lock.executeTakeFirst();
    return await groupInTransaction(tx, group, now);
  });
}
