/**
 * Which signals become breaches (issue 4 item 8, product §1.6): every critical signal, host
 * compromise indicators, configuration tamper, firewall and account drift, and unexpected
 * public ports. Everything else (package changes, SSH noise, ingest warnings, heartbeat) stays
 * on the timeline only: those are context, not something an operator must close.
 *
 * @module
 */

import { IOC_CODES } from "../signals/catalog.ts";
import type { Signal } from "../signals/types.ts";

/** Codes promoted whatever their severity. */
export const PROMOTED_CODES: ReadonlySet<string> = new Set([
  ...IOC_CODES,
  // Configuration tamper.
  "self_integrity_changed",
  "watched_files_changed",
  // Firewall drift.
  "firewall_changed",
  // Account drift.
  "user_list_changed",
  // Exposure.
  "unexpected_public_port",
]);

/**
 * True when `signal` opens (or keeps open) a breach.
 *
 * @example
 * ```ts
 * isPromoted({ code: "firewall_changed", severity: "high" });   // true
 * isPromoted({ code: "packages_changed", severity: "medium" }); // false
 * isPromoted({ code: "host_disk_critical", severity: "critical" }); // true
 * ```
 */
export function isPromoted(signal: Pick<Signal, "code" | "severity">): boolean {
  return signal.severity === "critical" || PROMOTED_CODES.has(signal.code);
}
