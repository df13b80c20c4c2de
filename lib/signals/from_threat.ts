/**
 * Signals from the agent's IOC results (`threat`, agent-protocol §1.4.4): one critical signal per
 * suspicious process and per outbound-scan hit, carrying the evidence an operator needs to act
 * (pid, user, exe, unit, cmdline, reasons, destinations). Fingerprints use proc + exe, not the
 * pid, so the same program seen again after a restart is the same finding.
 */
import type { Signal } from "./types.ts";
import { AGENT_CODES, severityFromAgent } from "./catalog.ts";
import { arr, makeSignal, num, type Obj, obj, objects, snakeCode, str, strings } from "./read.ts";

/** Evidence with empty strings and missing numbers left out. */
function compact(entries: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(entries).filter(([, v]) =>
      v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0)
    ),
  );
}

function line(label: string, value: string | number | null): string | null {
  return value === null || value === "" ? null : `${label}${value}`;
}

/** MITRE for a suspicious process, from what the agent saw (reasons, name, command line). */
function processTechniques(text: string): string[] {
  const mitre: string[] = [];
  if (/xmrig|miner|cryptonight|stratum\+tcp|high-CPU process/i.test(text)) mitre.push("T1496");
  if (/scanner IOC pattern|masscan|zmap|nmap/i.test(text)) mitre.push("T1046");
  if (mitre.length === 0 || /execution IOC pattern/i.test(text)) mitre.push("T1059");
  return mitre;
}

/**
 * One `suspicious_process_ioc` signal from a process hit (or the same fields read from the
 * alert detail when the `threat` block is missing).
 */
export function suspiciousProcessSignal(ts: string, hit: Obj): Signal {
  const proc = str(hit.proc);
  const exe = str(hit.exe);
  const pid = num(hit.pid);
  const user = str(hit.user);
  const unit = str(hit.unit);
  const cmdline = str(hit.cmdline);
  const reasons = strings(hit.reasons);
  const outbound = obj(hit.outbound);
  const hardening = obj(hit.temp_exec_hardening);
  const detail = [
    `pid=${pid ?? "?"}${num(hit.ppid) !== null ? ` ppid=${hit.ppid}` : ""} user=${user || "?"} ` +
    `proc=${proc || "?"}`,
    `exe=${exe || "(unreadable)"}`,
    line("unit=", unit),
    reasons.length ? `reasons: ${reasons.join("; ")}` : null,
    line("cmdline=", cmdline),
    outbound
      ? `outbound: ${num(outbound.connections) ?? "?"} connections, ${
        num(outbound.syn_sent) ?? "?"
      } in SYN-SENT, ${num(outbound.unique_dst_ips) ?? "?"} unique destinations`
      : null,
    hardening
      ? line("hardening: ", [str(hardening.status), str(hardening.detail)].join(" "))
      : null,
  ].filter((l): l is string => l !== null && l.trim() !== "");
  return makeSignal(ts, {
    code: "suspicious_process_ioc",
    severity: "critical",
    title: `Suspicious process IOC: ${proc || "unknown process"}${exe ? ` (${exe})` : ""}`,
    detail: detail.join("\n"),
    source: "threat",
    fingerprint: `suspicious_process_ioc|${proc}|${exe}`,
    evidence: compact({
      pid,
      ppid: num(hit.ppid),
      user,
      proc,
      exe,
      unit,
      cmdline,
      reasons,
      cpu_percent: num(hit.cpu_percent),
      outbound: outbound ?? undefined,
      temp_exec_hardening: hardening ?? undefined,
    }),
    mitre: processTechniques([proc, cmdline, ...reasons].join("\n")),
  });
}

/**
 * `"198.51.100.23:22 (syn-sent)"` → `{ ip, port, state }`; IPv6 peers have no brackets, so the
 * split is at the last `:` before the space (§1.4.4).
 */
export function parseDestination(
  sample: string,
): { ip: string; port: number | null; state: string } {
  const m = /^(\S+?)(?::(\d+))?(?:\s+\(([^)]*)\))?$/.exec(sample.trim());
  if (!m) return { ip: sample, port: null, state: "" };
  return { ip: m[1], port: m[2] ? Number(m[2]) : null, state: m[3] ?? "" };
}

/** One `outbound_scan_ioc` signal from an outbound hit. */
export function outboundScanSignal(ts: string, hit: Obj): Signal {
  const proc = str(hit.proc);
  const exe = str(hit.exe);
  const pid = num(hit.pid);
  const sample = strings(hit.sample_dst);
  const ratio = num(hit.dominant_dst_port_ratio);
  const dominant = num(hit.dominant_dst_port);
  const detail = [
    `pid=${pid ?? "?"} proc=${proc || "?"}: ${num(hit.connections) ?? "?"} outbound connections ` +
    `to ${num(hit.unique_dst_ips) ?? "?"} unique public destinations, ` +
    `${num(hit.syn_sent) ?? "?"} still in SYN-SENT` +
    (dominant !== null
      ? `; dominant destination port ${dominant}${
        ratio !== null ? ` (${Math.round(ratio * 100)}%)` : ""
      }`
      : "") +
    ".",
    `exe=${exe || "(unreadable)"}`,
    line("unit=", str(hit.unit)),
    line("cmdline=", str(hit.cmdline)),
    sample.length ? `sample: ${sample.join(", ")}` : null,
  ].filter((l): l is string => l !== null);
  return makeSignal(ts, {
    code: "outbound_scan_ioc",
    severity: "critical",
    title: `Outbound scan IOC: ${proc || "unknown process"}${exe ? ` (${exe})` : ""}`,
    detail: detail.join("\n"),
    source: "threat",
    fingerprint: `outbound_scan_ioc|${proc}|${exe}`,
    evidence: compact({
      pid,
      proc,
      exe,
      unit: str(hit.unit),
      cmdline: str(hit.cmdline),
      connections: num(hit.connections),
      syn_sent: num(hit.syn_sent),
      unique_dst_ips: num(hit.unique_dst_ips),
      unique_dst_ports: num(hit.unique_dst_ports),
      dominant_dst_port: dominant,
      dominant_dst_port_count: num(hit.dominant_dst_port_count),
      dominant_dst_port_ratio: ratio,
      sample_dst: sample,
      destinations: sample.map(parseDestination),
    }),
    mitre: ["T1046"],
  });
}

/** `threat.persistence_hits` is reserved (always `[]` today); anything there is shown as high. */
function persistenceSignal(ts: string, hit: unknown, index: number): Signal {
  const o = obj(hit);
  const label = o
    ? str(o.path) || str(o.id) || str(o.name) || str(o.title) || `#${index + 1}`
    : typeof hit === "string"
    ? hit
    : `#${index + 1}`;
  return makeSignal(ts, {
    code: "persistence_hit",
    severity: "high",
    title: `Persistence indicator: ${label}`,
    detail: o ? str(o.detail) || JSON.stringify(o) : String(hit),
    source: "threat",
    fingerprint: `persistence_hit|${label}`,
    evidence: o ?? { value: hit },
  });
}

/**
 * Per-hit signals from `threat.suspicious_processes`, `threat.outbound_suspicious` and
 * `threat.persistence_hits`.
 *
 * @example
 * ```ts
 * threatHitSignals(parsed.base, parsed.ts).map((s) => s.code) // ["suspicious_process_ioc"]
 * ```
 */
export function threatHitSignals(base: Obj, ts: string): Signal[] {
  const threat = obj(base.threat);
  if (!threat) return [];
  return [
    ...objects(threat.suspicious_processes).map((h) => suspiciousProcessSignal(ts, h)),
    ...objects(threat.outbound_suspicious).map((h) => outboundScanSignal(ts, h)),
    ...arr(threat.persistence_hits).map((h, i) => persistenceSignal(ts, h, i)),
  ];
}

/**
 * Signals from `threat.indicators` whose code nothing else produced (normally the alerts and hits
 * already cover them; an indicator alone still means the detector fired).
 */
export function indicatorSignals(base: Obj, ts: string, covered: ReadonlySet<string>): Signal[] {
  const out: Signal[] = [];
  for (const ind of objects(obj(base.threat)?.indicators)) {
    const code = snakeCode(str(ind.id) || str(ind.title), 80);
    if (covered.has(code)) continue;
    const known = AGENT_CODES.get(code);
    out.push(makeSignal(ts, {
      code,
      severity: known?.severity ?? severityFromAgent(str(ind.severity)),
      title: str(ind.title) || known?.title || code,
      detail: str(ind.detail),
      source: "threat",
      fingerprint: code,
      evidence: compact({ indicator: str(ind.id), agentSeverity: str(ind.severity) }),
      mitre: known?.mitre,
    }));
  }
  return out;
}
