/**
 * Signals from the agent's alerts (agent-protocol §1.4.2, §1.5). An alert is identified by its
 * `code`; a code-less alert by its title (a known agent title maps to its code, anything else
 * becomes `alert_<snake title>`). Unknown codes are kept, with the agent's severity mapped
 * critical→critical, warn→medium, info→info.
 */
import type { Signal } from "./types.ts";
import {
  AGENT_CODES,
  codeForTitle,
  IOC_CODES,
  severityFromAgent,
  watchedFilesProfile,
} from "./catalog.ts";
import { outboundScanSignal, suspiciousProcessSignal } from "./from_threat.ts";
import { makeSignal, type Obj, objects, snakeCode, str } from "./read.ts";

const AGENT_SEVERITIES = new Set(["info", "warn", "critical"]);
const CODE_FORMAT = /^[a-z0-9_]{1,80}$/;

/**
 * The change lists in a drift detail, by section: `Added: a(uid=1), b(uid=2)` and
 * `Changed:\n/path\n/path` both become `{ Added: [...], Changed: [...] }`. Indented
 * continuation lines (the raw `ss` lines of `public_ports_changed`) are skipped.
 */
export function detailSections(detail: string): Record<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const raw of detail.split("\n")) {
    if (/^\s/.test(raw) || raw.trim() === "") continue;
    const header = /^([A-Z][A-Za-z /()-]{0,60}):\s*(.*)$/.exec(raw);
    if (header) {
      current = sections.get(header[1]) ?? [];
      sections.set(header[1], current);
      if (header[2]) current.push(...header[2].split(/,\s*/).filter(Boolean));
      continue;
    }
    current?.push(raw.replace(/^[+\-~]\s+/, "").trim());
  }
  return Object.fromEntries(sections);
}

/**
 * The per-hit blocks of an IOC alert detail (`- pid=… proc=…` then indented `key=value` or
 * `key: value` lines), as objects with the `threat` hit field names.
 */
export function iocDetailHits(detail: string): Obj[] {
  const hits: Obj[] = [];
  let hit: Obj | null = null;
  for (const raw of detail.split("\n")) {
    if (raw.startsWith("- ")) {
      hit = Object.create(null) as Obj;
      hits.push(hit);
      for (const m of raw.slice(2).matchAll(/(\w+)=(\S+)(?:\s+\((\d+(?:\.\d+)?)%\))?/g)) {
        setHitField(hit, m[1], m[2], m[3]);
      }
      continue;
    }
    const m = /^\s+(\w+)(?:=|:\s)(.*)$/.exec(raw);
    if (hit && m) setHitField(hit, m[1], m[2].trim());
  }
  return hits;
}

/** Detail keys → hit fields (the detail abbreviates some of them). */
function setHitField(hit: Obj, key: string, value: string, percent?: string): void {
  const asNumber = (v: string) => (/^\d+(\.\d+)?$/.test(v) ? Number(v) : null);
  switch (key) {
    case "pid":
    case "ppid":
    case "syn_sent":
      hit[key] = asNumber(value);
      break;
    case "dst":
      hit.unique_dst_ips = asNumber(value);
      break;
    case "conns":
      hit.connections = asNumber(value);
      break;
    case "dominant_dport":
      hit.dominant_dst_port = asNumber(value);
      if (percent) hit.dominant_dst_port_ratio = Number(percent) / 100;
      break;
    case "reasons":
      hit.reasons = value.split(/;\s*/).filter(Boolean);
      break;
    case "sample":
      hit.sample_dst = value.split(/,\s*(?=\S+\s\()/).map((s) => s.trim()).filter(Boolean);
      break;
    case "user":
    case "proc":
    case "exe":
    case "unit":
    case "cmdline":
      hit[key] = value;
  }
}

/**
 * Signals from `base.alerts`. IOC alerts whose code the `threat` hits already produced are
 * skipped (the hits carry the evidence); otherwise their detail is parsed into per-hit signals.
 *
 * @example
 * ```ts
 * alertSignals({ alerts: [{ title: "A" }] }, ts, new Set()) // [{ code: "alert_a", severity: "medium", … }]
 * ```
 */
export function alertSignals(base: Obj, ts: string, coveredIoc: ReadonlySet<string>): Signal[] {
  const out: Signal[] = [];
  for (const alert of objects(base.alerts)) {
    const rawSeverity = str(alert.severity);
    const agentSeverity = AGENT_SEVERITIES.has(rawSeverity) ? rawSeverity : "warn";
    const title = str(alert.title).trim();
    const detail = str(alert.detail);
    const agentCode = str(alert.code).trim();
    let code: string;
    let codeFrom: "agent" | "title" = "agent";
    if (agentCode) {
      code = CODE_FORMAT.test(agentCode) ? agentCode : snakeCode(agentCode, 80);
    } else {
      codeFrom = "title";
      code = codeForTitle(title, agentSeverity) ?? `alert_${snakeCode(title)}`;
    }

    if (code === "suspicious_process_ioc" || code === "outbound_scan_ioc") {
      if (coveredIoc.has(code)) continue;
      const hits = iocDetailHits(detail);
      const build = code === "suspicious_process_ioc"
        ? suspiciousProcessSignal
        : outboundScanSignal;
      if (hits.length > 0) {
        out.push(...hits.map((h) => build(ts, h)));
        continue;
      }
    }

    const known = AGENT_CODES.get(code);
    let severity = known?.severity ?? severityFromAgent(agentSeverity);
    let mitre = known?.mitre ?? [];
    if (code === "watched_files_changed") ({ severity, mitre } = watchedFilesProfile(detail));
    const project = str(alert.project);
    const path = str(alert.path);
    const evidence: Record<string, unknown> = { agentSeverity };
    if (agentCode && agentCode !== code) evidence.agentCode = agentCode;
    if (codeFrom === "title") evidence.codeFrom = "title";
    if (project) evidence.project = project;
    if (path) evidence.path = path;
    if (code === "ssh_noise_spike") {
      const m = /Failed password:\s*(\d+).*Invalid user:\s*(\d+)/s.exec(detail);
      if (m) Object.assign(evidence, { ssh_failed_password: +m[1], ssh_invalid_user: +m[2] });
    } else if (!IOC_CODES.has(code) || code === "self_integrity_changed") {
      const sections = detailSections(detail);
      if (Object.keys(sections).length > 0) evidence.changes = sections;
    }
    out.push(makeSignal(ts, {
      code,
      severity,
      title: title || known?.title || code,
      detail,
      source: "alert",
      fingerprint: [code, project, path].filter(Boolean).join("|"),
      evidence,
      mitre,
    }));
  }
  return out;
}
