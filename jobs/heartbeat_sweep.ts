/**
 * Heartbeat sweep (agent-protocol Part 5): silence generates no request, so every minute this
 * cron computes each host's heartbeat state and records transitions in KV
 * (`hostHeartbeatKey`). Entering `stale` raises `heartbeat_stale` (medium), entering `missing`
 * raises `host_silent` (high) — once per silence — and coming back (`fresh`/`delayed` after
 * `stale`/`missing`) raises `heartbeat_recovered` (info). The signals are `signals` rows without
 * a snapshot, so the timeline and notifications see them like any other. A host never seen
 * raises nothing (it is not silent, it never spoke).
 *
 * Idempotent and safe with several instances: a transition is claimed with a KV versionstamp
 * check before its signal is written, so it is raised once however many sweeps race. Batched
 * for fleet-wide outages: an organization's records are read in one range scan, claims go ten
 * per KV commit, and a page of hosts writes its signals in one ledger transaction. The same
 * run also ends expired breach ignores (`expireIgnoredBreaches`) and raises signed-ingest
 * sequence gaps still unexplained after 30 minutes to `high` (`escalateUnexplainedGaps`,
 * agent-protocol §2.6). Records a `cron_runs` row.
 *
 * @module
 */

import { monotonicFactory } from "ulid";
import { expireIgnoredBreaches } from "../lib/breaches/reconcile.ts";
import { hostHeartbeatKey, hostHeartbeatPrefix } from "../lib/db/kv.ts";
import { recordCronRun } from "../lib/db/ledger/cron_runs.ts";
import { writeTransaction } from "../lib/db/ledger/transaction.ts";
import { escalateUnexplainedGaps } from "../lib/ingest/sequence.ts";
import { type Host, listHosts } from "../lib/hosts/registry.ts";
import type { Services } from "../lib/services.ts";
import { hostHeartbeat } from "../lib/hosts/host_heartbeat.ts";
import { hostSilentForIncidents } from "../lib/incidents/ingest_hook.ts";
import { refreshDueSummaries } from "../lib/hosts/summary.ts";
import type { HeartbeatStateName } from "../lib/signals/heartbeat.ts";
import type { Severity } from "../lib/signals/types.ts";
import { noteHourly } from "../lib/charts/fleet_hourly.ts";
import { noteHost } from "../lib/live/notes.ts";

/** `Deno.cron` name (and `cron_runs.name`) of the sweep. */
export const HEARTBEAT_SWEEP_CRON = "heartbeat-sweep";
/** Every minute (Part 5: "a sweeper also runs every 60 s"). */
export const HEARTBEAT_SWEEP_SCHEDULE = "* * * * *";

/** What the sweeper remembers per host, under `hostHeartbeatKey`. */
export interface HeartbeatRecord {
  state: HeartbeatStateName;
  /** When the sweeper recorded this state, ISO 8601. */
  since: string;
  /** The host's `lastSeenAt` then, ISO 8601 or null. */
  lastSeenAt: string | null;
}

/** One recorded transition. */
export interface HeartbeatTransition {
  orgId: string;
  hostId: string;
  from: HeartbeatStateName | null;
  to: HeartbeatStateName;
  /** The signal raised, if any. */
  signal: "host_silent" | "heartbeat_stale" | "heartbeat_recovered" | null;
}

/** What {@link runHeartbeatSweep} did. */
export interface HeartbeatSweepResult {
  hosts: number;
  transitions: HeartbeatTransition[];
  expiredIgnores: number;
  /** `snapshot_gap` signals raised to `high`: unexplained 30 min after recording (§2.6). */
  gapsEscalated: number;
  /** Fleet summary rows recomputed because time changed their posture or heartbeat. */
  summariesRefreshed: number;
}

type SweepServices = Pick<Services, "ledger" | "kv" | "clock" | "log" | "config">;

const ORGS_PAGE = 500;
const HOSTS_PAGE = 200;
/** Signal rows per insert statement. */
const SIGNAL_ROWS = 100;
const nextId = monotonicFactory();

const SIGNALS: Record<
  NonNullable<HeartbeatTransition["signal"]>,
  { severity: Severity; title: string }
> = {
  host_silent: { severity: "high", title: "Host silent" },
  heartbeat_stale: { severity: "medium", title: "Heartbeat stale" },
  heartbeat_recovered: { severity: "info", title: "Heartbeat recovered" },
};

/** The signal a transition raises (Part 5), or null. */
function signalFor(
  from: HeartbeatStateName | null,
  to: HeartbeatStateName,
  seen: boolean,
): HeartbeatTransition["signal"] {
  if (to === "missing") return seen ? "host_silent" : null;
  if (to === "stale") return from === "missing" ? null : "heartbeat_stale";
  if (from === "stale" || from === "missing") return "heartbeat_recovered";
  return null;
}

/**
 * Sweeps every host of every organization once.
 *
 * @example
 * ```ts
 * Deno.cron(HEARTBEAT_SWEEP_CRON, HEARTBEAT_SWEEP_SCHEDULE, { backoffSchedule: [1000] },
 *   () => runHeartbeatSweep(services));
 * ```
 */
export async function runHeartbeatSweep(services: SweepServices): Promise<HeartbeatSweepResult> {
  const startedAt = services.clock.now();
  const result: HeartbeatSweepResult = {
    hosts: 0,
    transitions: [],
    expiredIgnores: 0,
    gapsEscalated: 0,
    summariesRefreshed: 0,
  };
  try {
    let afterOrg = "";
    while (true) {
      const orgs = await services.ledger.db.selectFrom("orgs").select("id")
        .where("id", ">", afterOrg).orderBy("id").limit(ORGS_PAGE).execute();
      for (const org of orgs) {
        // The org's records in one range scan, not one KV read per host (10,000 hosts a minute).
        const records = await heartbeatRecords(services, org.id);
        let afterSlug: string | undefined;
        while (true) {
          const hosts = await listHosts(services.ledger, org.id, {
            limit: HOSTS_PAGE,
            after: afterSlug,
          });
          result.hosts += hosts.length;
          result.transitions.push(...await sweepPage(services, hosts, records, startedAt));
          if (hosts.length < HOSTS_PAGE) break;
          afterSlug = hosts[hosts.length - 1].slug;
        }
        result.gapsEscalated += await escalateUnexplainedGaps(services.ledger, org.id, startedAt);
      }
      if (orgs.length < ORGS_PAGE) break;
      afterOrg = orgs[orgs.length - 1].id;
    }
    result.expiredIgnores = await expireIgnoredBreaches(services.ledger, startedAt);
    // The fleet overview's stored postures and heartbeats whose time has come (summary.ts).
    result.summariesRefreshed = await refreshDueSummaries(services, startedAt);
    // Open fleet pages re-read the rows whose heartbeat moved (now that their summaries did).
    await Promise.all(
      result.transitions.map((t) =>
        noteHost(services, { id: t.hostId, orgId: t.orgId }, "heartbeat", { heartbeat: t.to })
      ),
    );
    const raised = result.transitions.filter((t) => t.signal !== null).length;
    await recordCronRun(services.ledger, {
      name: HEARTBEAT_SWEEP_CRON,
      startedAt,
      finishedAt: services.clock.now(),
      status: "ok",
      detail: `${result.hosts} hosts, ${result.transitions.length} transitions, ` +
        `${raised} signals, ${result.expiredIgnores} ignores expired, ` +
        `${result.gapsEscalated} sequence gaps escalated, ` +
        `${result.summariesRefreshed} fleet summaries refreshed`,
    });
    return result;
  } catch (error) {
    await recordCronRun(services.ledger, {
      name: HEARTBEAT_SWEEP_CRON,
      startedAt,
      finishedAt: services.clock.now(),
      status: "failed",
      detail: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
}

/** The organization's heartbeat records by host id. */
async function heartbeatRecords(
  services: SweepServices,
  orgId: string,
): Promise<Map<string, Deno.KvEntry<HeartbeatRecord>>> {
  const records = new Map<string, Deno.KvEntry<HeartbeatRecord>>();
  const list = services.kv.list<HeartbeatRecord>(
    { prefix: hostHeartbeatPrefix(orgId) },
    { batchSize: 500 },
  );
  for await (const entry of list) records.set(String(entry.key[2]), entry);
  return records;
}

/** A transition found on a page, before it is claimed. */
interface Due {
  host: Host;
  current: Deno.KvEntryMaybe<HeartbeatRecord>;
  from: HeartbeatStateName | null;
  to: HeartbeatStateName;
  label: string;
  record: HeartbeatRecord;
}

/** Claims per KV atomic operation (each a check and a set). */
const CLAIM_GROUP = 10;

/**
 * Claims transitions in KV: a concurrent sweep that got to a host first makes its claim fail. In
 * groups of {@link CLAIM_GROUP} per atomic commit (a fleet-wide outage turns thousands of hosts
 * stale in one sweep); a group that fails is retried host by host, so one lost race costs only
 * that host. Returns the claimed ones.
 */
async function claimTransitions(kv: Deno.Kv, due: readonly Due[]): Promise<Due[]> {
  const claim = (group: readonly Due[]) => {
    const op = kv.atomic();
    for (const d of group) {
      op.check(d.current).set(hostHeartbeatKey(d.host.orgId, d.host.id), d.record);
    }
    return op.commit();
  };
  const claimed: Due[] = [];
  for (let i = 0; i < due.length; i += CLAIM_GROUP) {
    const group = due.slice(i, i + CLAIM_GROUP);
    if ((await claim(group)).ok) {
      claimed.push(...group);
      continue;
    }
    for (const d of group) if ((await claim([d])).ok) claimed.push(d);
  }
  return claimed;
}

/**
 * Records the transitions of one page of an organization's hosts and raises each signal once:
 * claims in KV, then the page's signals and hourly counters in one ledger transaction, then
 * critical-priority silences to incidents. `records` are the organization's heartbeat records
 * as listed at the start of the sweep.
 */
async function sweepPage(
  services: SweepServices,
  hosts: readonly Host[],
  records: Map<string, Deno.KvEntry<HeartbeatRecord>>,
  now: Date,
): Promise<HeartbeatTransition[]> {
  const due: Due[] = [];
  for (const host of hosts) {
    const key = hostHeartbeatKey(host.orgId, host.id);
    const current: Deno.KvEntryMaybe<HeartbeatRecord> = records.get(host.id) ??
      { key, value: null, versionstamp: null };
    // Thresholds from HEARTBEAT_* (config) with the host's own interval, as the console shows.
    const hb = hostHeartbeat(host, now, services.config.heartbeat);
    const from = current.value?.state ?? null;
    if (from === hb.state) continue;
    const record: HeartbeatRecord = {
      state: hb.state,
      since: now.toISOString(),
      lastSeenAt: host.lastSeenAt?.toISOString() ?? null,
    };
    due.push({ host, current, from, to: hb.state, label: hb.label, record });
  }
  if (due.length === 0) return [];
  const claimed = await claimTransitions(services.kv, due);
  const raised = claimed.map((d) => ({
    ...d,
    signal: signalFor(d.from, d.to, d.host.lastSeenAt !== null),
    signalId: nextId(now.getTime()),
  }));
  const rows = raised.filter((r) => r.signal !== null).map((r) => {
    const info = SIGNALS[r.signal!];
    return {
      id: r.signalId,
      org_id: r.host.orgId,
      host_id: r.host.id,
      snapshot_id: null,
      code: r.signal!,
      severity: info.severity,
      title: info.title,
      detail: r.signal === "heartbeat_recovered"
        ? `The host is reporting again (${r.label}).`
        : `No status push received: ${r.label}. Last seen ${r.record.lastSeenAt ?? "never"}.`,
      ts: now,
      source: "heartbeat",
      fingerprint: r.signal!,
      evidence: JSON.stringify({ from: r.from, to: r.to, lastSeenAt: r.record.lastSeenAt }),
      mitre: null,
      created_at: now,
    };
  });
  if (rows.length > 0) {
    await writeTransaction(services.ledger, async (tx) => {
      for (let i = 0; i < rows.length; i += SIGNAL_ROWS) {
        await tx.db.insertInto("signals").values(rows.slice(i, i + SIGNAL_ROWS)).execute();
      }
      await noteHourly(tx, rows[0].org_id, { signals: rows });
    });
  }
  for (const r of raised) {
    if (r.signal === null) continue;
    services.log.info("heartbeat transition", {
      hostId: r.host.id,
      from: r.from,
      to: r.to,
      signal: r.signal,
    });
    // A critical-priority host's silence opens (or joins) its incident; never fails the sweep.
    if (r.signal === "host_silent") {
      await hostSilentForIncidents(services, r.host, r.signalId, now);
    }
  }
  return raised.map((r) => ({
    orgId: r.host.orgId,
    hostId: r.host.id,
    from: r.from,
    to: r.to,
    signal: r.signal,
  }));
}
