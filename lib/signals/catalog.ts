/**
 * What the control plane makes of each agent alert code (agent-protocol §1.5): severity on the
 * project's five-level scale, MITRE ATT&CK techniques where one clearly applies, and the agent's
 * title (which identifies a code-less alert, §1.4.2).
 */
import type { Severity } from "./types.ts";

export interface CodeInfo {
  /** The agent's fixed title for this code. */
  title: string;
  severity: Severity;
  mitre?: string[];
}

/**
 * Agent codes → signal defaults. A `Map`, so a payload code such as `constructor` can never hit
 * an inherited member.
 */
export const AGENT_CODES: ReadonlyMap<string, CodeInfo> = new Map<string, CodeInfo>([
  // Host compromise indicators: critical, and they carry their evidence.
  ["suspicious_process_ioc", {
    title: "Suspicious process IOC detected",
    severity: "critical",
    mitre: ["T1059"],
  }],
  ["outbound_scan_ioc", {
    title: "Outbound scan IOC detected",
    severity: "critical",
    mitre: ["T1046"],
  }],
  // The agent's own binary or unit changed: the classic first step of blinding a monitor.
  ["self_integrity_changed", {
    title: "Self integrity changed",
    severity: "critical",
    mitre: ["T1562.001"],
  }],
  // Access and configuration drift.
  ["new_ssh_accept", { title: "New SSH accepted login", severity: "high", mitre: ["T1078"] }],
  ["user_list_changed", { title: "User list changed", severity: "high", mitre: ["T1136"] }],
  ["firewall_changed", { title: "Firewall changed", severity: "high", mitre: ["T1562.004"] }],
  // Refined from the changed paths (see `watchedFilesProfile`); medium for e.g. nginx sites.
  ["watched_files_changed", { title: "Watched files changed", severity: "medium" }],
  ["cron_changed", { title: "Cron changed", severity: "medium", mitre: ["T1053.003"] }],
  ["public_ports_changed", { title: "Public listening ports changed", severity: "medium" }],
  ["packages_changed", { title: "Packages changed", severity: "medium" }],
  ["ssh_noise_spike", { title: "SSH noise spike", severity: "medium", mitre: ["T1110"] }],
  ["cpu_hotspot", { title: "CPU hotspot detected", severity: "low" }],
  // A local dashboard's health: operationally important, not evidence of compromise.
  ["app_service_inactive", { title: "VPS Sentry web service inactive", severity: "high" }],
  ["app_public_status_unreadable", {
    title: "VPS Sentry dashboard status path unreadable",
    severity: "high",
  }],
  ["app_readyz_failed", { title: "VPS Sentry web readiness failed", severity: "high" }],
  ["app_sanity_failed", { title: "VPS Sentry web sanity failed", severity: "high" }],
  ["app_healthz_failed", { title: "VPS Sentry web health failed", severity: "high" }],
  // Storage pressure keeps the agent's own warn/critical split.
  ["host_disk_warn", { title: "Host disk pressure", severity: "medium" }],
  ["host_disk_critical", { title: "Host disk pressure", severity: "critical" }],
  ["project_disk_growth_warn", { title: "Project disk usage grew sharply", severity: "medium" }],
  ["project_disk_growth_critical", {
    title: "Project disk usage grew sharply",
    severity: "critical",
  }],
]);

/** Codes whose presence means the host itself is likely compromised (posture forces critical). */
export const IOC_CODES: ReadonlySet<string> = new Set([
  "suspicious_process_ioc",
  "outbound_scan_ioc",
  "self_integrity_changed",
]);

/** Severity for a code the catalog does not know, from the agent's three levels. */
export function severityFromAgent(agentSeverity: string): Severity {
  if (agentSeverity === "critical") return "critical";
  if (agentSeverity === "info") return "info";
  return "medium";
}

/**
 * The code a code-less alert stands for, from its title (agent-protocol §1.4.2: receivers use
 * the title when the code is absent), or `null` for a title the agent never writes.
 *
 * @example
 * ```ts
 * codeForTitle("Packages changed", "warn")          // "packages_changed"
 * codeForTitle("Host disk pressure", "critical")    // "host_disk_critical"
 * codeForTitle("A", "warn")                         // null
 * ```
 */
export function codeForTitle(title: string, agentSeverity: string): string | null {
  const t = title.trim();
  const level = agentSeverity === "critical" ? "critical" : "warn";
  if (t === "Host disk pressure") return `host_disk_${level}`;
  if (/ disk usage grew sharply$/.test(t)) return `project_disk_growth_${level}`;
  for (const [code, info] of AGENT_CODES) {
    if (info.title === t && !code.startsWith("host_disk") && !code.startsWith("project_disk")) {
      return code;
    }
  }
  return null;
}

/**
 * Severity and techniques for `watched_files_changed` from the paths in its detail: SSH keys,
 * sshd, sudoers and systemd units are how access and persistence are planted.
 *
 * @example
 * ```ts
 * watchedFilesProfile("Changed:\n/root/.ssh") // { severity: "high", mitre: ["T1098.004"] }
 * ```
 */
export function watchedFilesProfile(detail: string): { severity: Severity; mitre: string[] } {
  const mitre: string[] = [];
  let sensitive = false;
  if (/authorized_keys|\/\.ssh\b/.test(detail)) {
    mitre.push("T1098.004");
    sensitive = true;
  }
  if (/sudoers/.test(detail)) {
    mitre.push("T1548.003");
    sensitive = true;
  }
  if (/\/etc\/systemd\/system/.test(detail)) {
    mitre.push("T1543.002");
    sensitive = true;
  }
  if (/sshd_config/.test(detail)) sensitive = true;
  return { severity: sensitive ? "high" : "medium", mitre };
}

/** Words written in capitals when a code is spelt out (`ssh_…` → "SSH …"). */
const ACRONYMS = new Set(["ssh", "ioc", "cpu", "ip", "ufw", "tcp", "udp", "dns", "ids"]);

/**
 * A readable title for a signal `code` when no signal of it is at hand: the agent's own title,
 * else the code spelt out ("ssh_bruteforce_activity" → "SSH bruteforce activity").
 *
 * @example
 * ```ts
 * codeTitle("unexpected_public_port"); // "Unexpected public port"
 * ```
 */
export function codeTitle(code: string): string {
  const known = AGENT_CODES.get(code)?.title;
  if (known) return known;
  const words = code.split("_").filter(Boolean)
    .map((w) => ACRONYMS.has(w) ? w.toUpperCase() : w);
  const text = words.join(" ");
  return text ? text[0].toUpperCase() + text.slice(1) : code;
}
