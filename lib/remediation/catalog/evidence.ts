/**
 * Readers of a host's latest snapshot for plan builders, verifiers and the self-lockout guard.
 * Ports are read exactly as the signals read them (`lib/signals/port_rules.ts`); everything from
 * the host is untrusted, so values that may reach an argv (unit names, pids) are re-validated
 * here and dropped when they do not fit.
 *
 * @module
 */

import { type Listener, toListener, unexpectedListeners } from "../../signals/port_rules.ts";
import { num, type Obj, obj, objects, str, strings } from "../../signals/read.ts";
import { canonicalIp } from "./ip.ts";
import { MAX_PID, UNIT_NAME_RE } from "./params.ts";

/**
 * The unexpected public listeners grouped by `proto:port` (the `unexpected_public_port` signal
 * identity), or `null` when the snapshot cannot tell (no normalize fields and no rules).
 *
 * @example
 * ```ts
 * [...unexpectedPublicPorts(status)!.keys()]; // ["tcp:6379", "tcp:8080"]
 * ```
 */
export function unexpectedPublicPorts(status: Obj | null): Map<string, Listener[]> | null {
  if (!status) return null;
  const found = unexpectedListeners(status);
  if (!found) return null;
  const byPort = new Map<string, Listener[]>();
  for (const l of found.listeners) {
    if (l.proto !== "tcp" && l.proto !== "udp") continue;
    const key = `${l.proto}:${l.port}`;
    byPort.set(key, [...byPort.get(key) ?? [], l]);
  }
  return byPort;
}

/** Where a `proto:port` stands in a snapshot. */
export type PortExposure = "public" | "blocked" | "absent" | "unknown";

/**
 * Whether `proto:port` is still a public listener: `blocked` when an inbound ufw deny covers it
 * (`blocked_inbound_ports`), `absent` when the complete public list lacks it, `unknown` when the
 * list is missing or capped at 50 without it.
 *
 * @example
 * ```ts
 * portExposure(laterStatus, "tcp:6379"); // "blocked"
 * ```
 */
export function portExposure(status: Obj | null, spec: string): PortExposure {
  if (!status || !Array.isArray(status.ports_public)) return "unknown";
  const listeners = objects(status.ports_public).filter((p) => p.public !== false)
    .map(toListener).filter((l): l is Listener => l !== null);
  const present = listeners.some((l) => `${l.proto}:${l.port}` === spec);
  const blocked = strings(status.blocked_inbound_ports).map((b) => b.trim().toLowerCase());
  if (present) return blocked.includes(spec) ? "blocked" : "public";
  const total = num(status.public_ports_count);
  const complete = total === null || total <= status.ports_public.length;
  return complete ? "absent" : "unknown";
}

function validUnit(v: unknown): string | null {
  const unit = str(v);
  return UNIT_NAME_RE.test(unit) ? unit : null;
}

/**
 * A pid that may be signalled (an integer 2–MAX_PID), else `null`.
 *
 * @example
 * ```ts
 * validPid(2817); // 2817
 * validPid(1);    // null
 * ```
 */
export function validPid(v: unknown): number | null {
  const pid = num(v);
  return pid !== null && Number.isInteger(pid) && pid >= 2 && pid <= MAX_PID ? pid : null;
}

/** Process rows that name a unit: vitals top processes and IOC hits. */
function processRows(status: Obj): Obj[] {
  const threat = obj(status.threat);
  return [
    ...objects(obj(obj(status.vitals)?.processes)?.top),
    ...objects(threat?.suspicious_processes),
    ...objects(threat?.outbound_suspicious),
  ];
}

/**
 * The systemd unit behind a listener: from a process row with the same pid (vitals top
 * processes, IOC hits), else from the `public_ports_changed` alert line of its `sig`
 * (`+ <sig> (unit=…, exe=…, pid=…)`). Only names that pass `UNIT_NAME_RE` are returned.
 *
 * @example
 * ```ts
 * unitForListener(status, { sig: "tcp|0.0.0.0|6379|redis-server", pid: 2817, … });
 * // "redis-server.service"
 * ```
 */
export function unitForListener(status: Obj, listener: Listener): string | null {
  if (listener.pid !== null && listener.pid > 0) {
    for (const row of processRows(status)) {
      if (num(row.pid) === listener.pid) {
        const unit = validUnit(row.unit);
        if (unit) return unit;
      }
    }
  }
  if (!listener.sig) return null;
  for (const alert of objects(status.alerts)) {
    if (str(alert.code) !== "public_ports_changed") continue;
    for (const line of str(alert.detail).split("\n")) {
      const m = /^\+ (\S+) \((.*)\)$/.exec(line);
      if (!m || m[1] !== listener.sig) continue;
      const unit = /(?:^|,\s*)unit=([^,\s]*)/.exec(m[2]);
      if (unit && validUnit(unit[1])) return unit[1];
    }
  }
  return null;
}

/**
 * The pids of the snapshot's IOC hits (suspicious processes, outbound-scan hits), valid ones
 * only, sorted.
 *
 * @example
 * ```ts
 * threatPids(iocStatus); // [48813]
 * ```
 */
export function threatPids(status: Obj | null): number[] {
  if (!status) return [];
  const threat = obj(status.threat);
  const pids = [...objects(threat?.suspicious_processes), ...objects(threat?.outbound_suspicious)]
    .map((h) => validPid(h.pid)).filter((p): p is number => p !== null);
  return [...new Set(pids)].sort((a, b) => a - b);
}

/** The parts of a snapshot that can name SSH peers. */
export interface SnapshotParts {
  /** `status.json` (the `status` of an envelope). */
  status?: Obj | null;
  /** `last.json` of the envelope, when the host sends it. */
  last?: Obj | null;
  /** `diff.json` of the envelope, when the host sends it. */
  diff?: Obj | null;
}

function acceptIps(holder: Obj | null): string[] {
  if (!holder) return [];
  return [
    ...objects(obj(holder.auth)?.ssh_accepted),
    ...objects(holder.new_ssh_accepts),
  ].map((a) => canonicalIp(str(a.ip))).filter((ip): ip is string => ip !== null);
}

/**
 * The source IPs of SSH logins the latest snapshot shows, treated as possibly-active sessions.
 * The agent reports no live session list: `status.json` drops the accept list (it keeps only
 * `auth.new_ssh_accepts_count`), `last.json` keeps `auth.ssh_accepted` (the last 20 accepted
 * logins, `{user, ip}`) and `new_ssh_accepts`, and `diff.json` keeps `new_ssh_accepts`. So this
 * reads all three, plus the same members on `status` should a future agent send them. The
 * result is canonical, sorted and unique; an empty list proves nothing when only `status` is
 * known.
 *
 * @example
 * ```ts
 * sshSessionIps({ status: envelope.status, last: envelope.last, diff: envelope.diff });
 * // ["198.51.100.23"]
 * ```
 */
export function sshSessionIps(parts: SnapshotParts): string[] {
  const ips = [
    ...acceptIps(parts.status ?? null),
    ...acceptIps(parts.last ?? null),
    ...acceptIps(parts.diff ?? null),
  ];
  return [...new Set(ips)].sort();
}

/**
 * The SSH ports of a host: 22, plus any port an `sshd` process listens on in the snapshot (the
 * agent's default `ignore_ports` removes 22 itself from the lists, so it is always assumed).
 *
 * @example
 * ```ts
 * sshListenPorts(status); // ["tcp:22"]
 * ```
 */
export function sshListenPorts(status: Obj | null): string[] {
  const ports = new Set(["tcp:22"]);
  for (const item of [...objects(status?.ports_public), ...objects(status?.ports_local)]) {
    const l = toListener(item);
    if (l && l.proto === "tcp" && /^sshd?\b/.test(l.proc)) ports.add(`tcp:${l.port}`);
  }
  return [...ports].sort();
}
