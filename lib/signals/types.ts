/**
 * Signals: what a snapshot means, normalized. Every later capability (breaches,
 * incidents, posture, remediation) reads signals, never raw payloads.
 */

export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = typeof SEVERITIES[number];

/** Where a signal came from. */
export type SignalSource =
  | "alert"
  | "auth"
  | "ports"
  | "threat"
  | "vitals"
  | "ingest"
  | "heartbeat"
  | "remediation";

/** One normalized finding about a host at one time. */
export interface Signal {
  /** Stable machine code, e.g. `suspicious_process_ioc`, `unexpected_public_port`, `snapshot_gap`. */
  code: string;
  severity: Severity;
  title: string;
  detail: string;
  /** Snapshot collection time (ISO 8601, UTC, ms, Z). */
  ts: string;
  source: SignalSource;
  /**
   * Identity of the finding across snapshots (same fingerprint = same thing still present), e.g.
   * `unexpected_public_port|tcp:6379`. Breaches are keyed by it; timeline dedupe uses
   * `code|title|detail`.
   */
  fingerprint: string;
  /** Structured evidence (pid, user, exe, cmdline, destinations, reasons, port, …). */
  evidence?: Record<string, unknown>;
  /** MITRE ATT&CK technique ids where one clearly applies, e.g. `T1046`. */
  mitre?: string[];
}

/** Numeric rank for sorting and comparisons: critical first. */
export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}
