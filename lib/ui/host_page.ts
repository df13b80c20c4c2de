/**
 * The host page's data: registry fields, heartbeat and posture (from `hostView`), and what the
 * latest stored snapshot says — public ports marked expected/unexpected, IOC threats with their
 * evidence (the signals stored with that snapshot), vitals — plus the host's keys.
 *
 * @module
 */
import type { Services } from "../services.ts";
import type { Host } from "../hosts/host.ts";
import { hostView } from "../hosts/admin.ts";
import { hostHeartbeatOptions } from "../hosts/host_heartbeat.ts";
import { listHostKeys } from "../hosts/keys.ts";
import { keyState } from "../hosts/key_format.ts";
import { getSnapshot } from "../ingest/snapshots.ts";
import { IOC_CODES } from "../signals/catalog.ts";
import { num, obj, objects, str, strings } from "../signals/read.ts";
import type { Severity } from "../signals/types.ts";

/** Signals of one snapshot read for the page, at most. */
const MAX_SIGNALS = 500;

export interface PortRow {
  proto: string;
  host: string;
  port: number;
  proc: string;
  pid: number | null;
  expected: boolean;
}

export interface ThreatRow {
  code: string;
  title: string;
  detail: string;
  mitre: string[];
  pid: number | null;
  user: string;
  exe: string;
  cmdline: string;
  reasons: string[];
  destinations: string[];
}

export interface FindingRow {
  code: string;
  severity: Severity;
  title: string;
}

export interface Vitals {
  cpuPercent: number | null;
  cores: number | null;
  memoryPercent: number | null;
  memoryUsedMb: number | null;
  memoryTotalMb: number | null;
}

export interface KeyRow {
  id: string;
  prefix: string;
  label: string | null;
  scopes: string[];
  state: string;
  createdAt: string;
  expiresAt: string | null;
  graceUntil: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
}

interface StoredSignal {
  code: string;
  severity: Severity;
  title: string;
  detail: string;
  fingerprint: string;
  evidence: Record<string, unknown>;
  mitre: string[];
}

function parseObject(text: string | null): Record<string, unknown> {
  if (!text) return {};
  try {
    return obj(JSON.parse(text)) ?? {};
  } catch {
    return {};
  }
}

async function snapshotSignals(
  services: Services,
  orgId: string,
  snapshotId: string,
): Promise<StoredSignal[]> {
  const rows = await services.ledger.db.selectFrom("signals").selectAll()
    .where("org_id", "=", orgId).where("snapshot_id", "=", snapshotId)
    .orderBy("id").limit(MAX_SIGNALS).execute();
  return rows.map((r) => ({
    code: r.code,
    severity: r.severity,
    title: r.title,
    detail: r.detail,
    fingerprint: r.fingerprint,
    evidence: parseObject(r.evidence),
    mitre: strings(safeJson(r.mitre)),
  }));
}

function safeJson(text: string | null): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** `proto:port` of every unexpected public port, from the signals and the agent's own list. */
function unexpectedKeys(base: Record<string, unknown>, signals: StoredSignal[]): Set<string> {
  const out = new Set<string>();
  for (const s of signals) {
    if (s.code === "unexpected_public_port") out.add(s.fingerprint.split("|")[1] ?? "");
  }
  for (const p of objects(base.ports_public_unexpected)) out.add(`${str(p.proto)}:${num(p.port)}`);
  return out;
}

function portRows(base: Record<string, unknown>, signals: StoredSignal[]): PortRow[] {
  const unexpected = unexpectedKeys(base, signals);
  return objects(base.ports_public).slice(0, 200).map((p) => {
    const proto = str(p.proto) || "tcp";
    const port = num(p.port) ?? 0;
    return {
      proto,
      host: str(p.host),
      port,
      proc: str(p.proc),
      pid: num(p.pid) || null,
      expected: !unexpected.has(`${proto}:${port}`),
    };
  }).sort((a, b) => Number(a.expected) - Number(b.expected) || a.port - b.port);
}

function threatRow(s: StoredSignal): ThreatRow {
  const e = s.evidence;
  const destinations = Array.isArray(e.destinations)
    ? e.destinations.map((d) => {
      const o = obj(d);
      if (!o) return String(d);
      const port = num(o.port);
      return `${str(o.ip)}${port !== null ? `:${port}` : ""}${str(o.state) ? ` (${o.state})` : ""}`;
    })
    : [];
  return {
    code: s.code,
    title: s.title,
    detail: s.detail,
    mitre: s.mitre,
    pid: num(e.pid),
    user: str(e.user),
    exe: str(e.exe),
    cmdline: str(e.cmdline),
    reasons: strings(e.reasons),
    destinations: destinations.slice(0, 50),
  };
}

function vitalsOf(base: Record<string, unknown>): Vitals | null {
  const vitals = obj(base.vitals);
  if (!vitals) return null;
  const cpu = obj(vitals.cpu);
  const memory = obj(vitals.memory);
  const total = num(memory?.total_mb);
  const used = num(memory?.used_mb);
  return {
    cpuPercent: num(cpu?.used_percent),
    cores: num(cpu?.cores),
    memoryPercent: num(memory?.used_percent) ??
      (total && used !== null ? (used / total) * 100 : null),
    memoryUsedMb: used,
    memoryTotalMb: total,
  };
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * Everything the host page shows.
 *
 * @example
 * ```ts
 * const data = await hostPageData(services, await hostOr404(services, org.id, hostId));
 * ```
 */
export async function hostPageData(services: Services, host: Host) {
  const view = await hostView(services, host);
  const now = services.clock.now();
  const snapshot = view.latest
    ? await getSnapshot(services.ledger, host.orgId, view.latest.snapshotId)
    : null;
  const signals = view.latest
    ? await snapshotSignals(services, host.orgId, view.latest.snapshotId)
    : [];
  const base = snapshot?.base ?? {};
  const keys = await listHostKeys(services.ledger, host.orgId, host.id);
  return {
    host: {
      id: host.id,
      name: host.name,
      slug: host.slug,
      group: host.group,
      tags: host.tags,
      paused: host.paused,
      rolloutPriority: host.rolloutPriority,
      disabled: host.disabledAt !== null,
      ingestMode: host.ingestMode,
      agentVersion: view.latest?.agentVersion ?? host.agentVersion,
      createdAt: host.createdAt.toISOString(),
      lastSeenAt: iso(host.lastSeenAt),
      heartbeatExpectedMinutes: host.heartbeatExpectedMinutes,
    },
    heartbeat: {
      state: view.heartbeat.state,
      label: view.heartbeat.label,
      /** The interval in force: the host's own, else the deployment's. */
      expectedMinutes: hostHeartbeatOptions(host, services.config.heartbeat).expectedMinutes,
    },
    posture: view.posture,
    /** Shown when the host has a host runner (signed mode) or one ever polled. */
    jobChannel: host.ingestMode === "signed" || host.lastPollAt !== null ? view.jobChannel : null,
    latest: view.latest
      ? {
        ts: view.latest.ts,
        receivedAt: view.latest.receivedAt,
        counts: view.latest.counts,
        bySeverity: view.latest.signals.bySeverity,
        warnings: view.latest.warnings,
        reportedHost: str(base.host),
      }
      : null,
    ports: portRows(base, signals),
    threats: signals.filter((s) => IOC_CODES.has(s.code)).map(threatRow),
    findings: signals.filter((s) => !IOC_CODES.has(s.code) && s.severity !== "info")
      .slice(0, 30).map((s): FindingRow => ({
        code: s.code,
        severity: s.severity,
        title: s.title,
      })),
    vitals: vitalsOf(base),
    keys: keys.map((k): KeyRow => ({
      id: k.id,
      prefix: k.prefix,
      label: k.label,
      scopes: k.scopes,
      state: keyState(k, now),
      createdAt: k.createdAt.toISOString(),
      expiresAt: iso(k.expiresAt),
      graceUntil: iso(k.graceUntil),
      lastUsedAt: iso(k.lastUsedAt),
      lastUsedIp: k.lastUsedIp,
    })),
  };
}

/** What {@link hostPageData} returns. */
export type HostPageData = Awaited<ReturnType<typeof hostPageData>>;
