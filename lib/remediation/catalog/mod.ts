/**
 * The action catalog (product §1.2): the registry of typed, versioned actions, and the ranking of
 * response options for a host's open findings.
 *
 * @module
 */

import type { Severity, Signal } from "../../signals/types.ts";
import { type ActionDefinition, RISK_TIERS, type RiskTier } from "../types.ts";
import { blockIp } from "./block_ip.ts";
import { collectForensicsFirst } from "./collect_forensics_first.ts";
import { hardenSshAuth } from "./harden_ssh_auth.ts";
import { lockdownAccessSurface } from "./lockdown_access_surface.ts";
import { quarantineUnexpectedListener } from "./quarantine_unexpected_listener.ts";
import { verifySystemDrift } from "./verify_system_drift.ts";

export { CATALOG_EXECUTABLES, type CatalogExecutable, EXE } from "./steps.ts";

/** An action of any params type, as the registry holds it. */
export type CatalogAction = ActionDefinition<Record<string, unknown>>;

const ACTIONS: readonly CatalogAction[] = [
  collectForensicsFirst,
  verifySystemDrift,
  blockIp,
  lockdownAccessSurface,
  quarantineUnexpectedListener,
  hardenSshAuth,
] as CatalogAction[];

const BY_ID: ReadonlyMap<string, CatalogAction> = new Map(ACTIONS.map((a) => [a.id, a]));

/**
 * One action by id, or `null` (a `Map`, so ids such as `constructor` never hit a prototype).
 *
 * @example
 * ```ts
 * catalogAction("block-ip")?.riskTier; // "safe_auto"
 * ```
 */
export function catalogAction(id: string): CatalogAction | null {
  return BY_ID.get(id) ?? null;
}

/**
 * Every action, in a stable order (read-only first, then by risk).
 *
 * @example
 * ```ts
 * catalogActions().map((a) => a.id);
 * ```
 */
export function catalogActions(): readonly CatalogAction[] {
  return ACTIONS;
}

/** Codes that mean the host may be compromised: capture evidence before changing anything. */
export const EVIDENCE_FIRST_CODES: ReadonlySet<string> = new Set([
  "suspicious_process_ioc",
  "outbound_scan_ioc",
  "self_integrity_changed",
  "persistence_hit",
]);

const SEVERITY_WEIGHT: Record<Severity, number> = {
  critical: 16,
  high: 8,
  medium: 4,
  low: 2,
  info: 1,
};

/** A finding to rank against: a signal, a breach-like `{code, severity}`, or a bare code. */
export type Finding = Pick<Signal, "code"> & { severity?: Severity } | string;

/** One ranked response option. */
export interface ActionOption {
  actionId: string;
  title: string;
  riskTier: RiskTier;
  /** Higher is more relevant. */
  score: number;
  /** The finding codes this action addresses, most severe first. */
  matches: string[];
  /** One line for the console. */
  reason: string;
}

/**
 * Orders the catalog's actions for a host's open findings (signals, breaches or bare codes; a
 * bare code counts as `medium`). Score = Σ over addressed findings of severity weight
 * (critical 16 … info 1) × relevance (3 for an action's first listed code, 2 for its second,
 * 1 after). When any finding means possible compromise, `collect-forensics-first` comes first
 * whatever the scores (evidence before change). Ties go to the lower risk tier, then the id.
 * Actions that address nothing are left out.
 *
 * @example
 * ```ts
 * rankActionsForSignals([{ code: "unexpected_public_port", severity: "high" }])
 *   .map((o) => o.actionId);
 * // ["lockdown-access-surface", "quarantine-unexpected-listener", "collect-forensics-first"]
 * ```
 */
export function rankActionsForSignals(findings: readonly Finding[]): ActionOption[] {
  const normalized = findings.map((f) =>
    typeof f === "string"
      ? { code: f, severity: "medium" as Severity }
      : { code: f.code, severity: f.severity ?? "medium" }
  );
  const evidenceFirst = normalized.some((f) => EVIDENCE_FIRST_CODES.has(f.code));
  const options: ActionOption[] = [];
  for (const action of ACTIONS) {
    let score = 0;
    const matched = new Map<string, number>();
    for (const f of normalized) {
      const index = action.addresses.indexOf(f.code);
      if (index < 0) continue;
      const weight = SEVERITY_WEIGHT[f.severity] ?? 4;
      score += weight * (index === 0 ? 3 : index === 1 ? 2 : 1);
      matched.set(f.code, Math.max(matched.get(f.code) ?? 0, weight));
    }
    if (matched.size === 0) continue;
    const forensics = evidenceFirst && action.id === collectForensicsFirst.id;
    const matches = [...matched].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([code]) => code);
    options.push({
      actionId: action.id,
      title: action.title,
      riskTier: action.riskTier,
      score: forensics ? score + 10_000 : score,
      matches,
      reason: forensics
        ? `Possible compromise (${matches.join(", ")}): capture evidence before changing anything.`
        : `Addresses ${matches.join(", ")}.`,
    });
  }
  return options.sort((a, b) =>
    b.score - a.score ||
    RISK_TIERS.indexOf(a.riskTier) - RISK_TIERS.indexOf(b.riskTier) ||
    (a.actionId < b.actionId ? -1 : a.actionId > b.actionId ? 1 : 0)
  );
}
