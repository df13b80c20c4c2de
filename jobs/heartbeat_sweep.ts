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
 * check before its signal is written, so it is raised once however many sweeps race. The same
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
          for (const host of hosts) {
            result.hosts++;
            const t = await sweepHost(services, host, startedAt, records.get(host.id));
            if (t) result.transitions.push(t);
          }
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

/**
 * Records one host's transition (if any) and raises its signal once. `recorded` is the host's
 * record as the sweep listed it (none yet: undefined).
 */
async function sweepHost(
  services: SweepServices,
  host: Host,
  now: Date,
  recorded: Deno.KvEntry<HeartbeatRecord> | undefined,
): Promise<HeartbeatTransition | null> {
  const key = hostHeartbeatKey(host.orgId, host.id);
  const current: Deno.KvEntryMaybe<HeartbeatRecord> = recorded ??
    { key, value: null, versionstamp: null };
  // Thresholds from HEARTBEAT_* (config) with the host's own interval, as the console shows them.
  const hb = hostHeartbeat(host, now, services.config.heartbeat);
  const from = current.value?.state ?? null;
  if (from === hb.state) return null;
  const record: HeartbeatRecord = {
    state: hb.state,
    since: now.toISOString(),
    lastSeenAt: host.lastSeenAt?.toISOString() ?? null,
  };
  // Claim the transition: a concurrent sweep that got here first makes this commit fail.
  const claimed = await services.kv.atomic().check(current).set(key, record).commit();
  if (!claimed.ok) return null;
  const signal = signalFor(from, hb.state, host.lastSeenAt !== null);
  if (signal !== null) {
    const info = SIGNALS[signal];
    const detail = signal === "heartbeat_recovered"
      ? `The host is reporting again (${hb.label}).`
      : `No status push received: ${hb.label}. Last seen ${record.lastSeenAt ?? "never"}.`;
    const signalId = nextId(now.getTime());
    await services.ledger.db.insertInto("signals").values({
      id: signalId,
      org_id: host.orgId,
      host_id: host.id,
      snapshot_id: null,
      code: signal,
      severity: info.severity,
      title: info.title,
      detail,
      ts: now,
      source: "heartbeat",
      fingerprint: signal,
      evidence: JSON.stringify({ from, to: hb.state, lastSeenAt: record.lastSeenAt }),
      mitre: null,
      created_at: now,
    }).execute();
    await noteHourly(services.ledger, host.orgId, {
      signals: [{ ts: now, severity: info.severity }],
    });
    services.log.info("heartbeat transition", { hostId: host.id, from, to: hb.state, signal });
    // A critical-priority host's silence opens (or joins) its incident; never fails the sweep.
    if (signal === "host_silent") await hostSilentForIncidents(services, host, signalId, now);
  }
  return { orgId: host.orgId, hostId: host.id, from, to: hb.state, signal };
}
