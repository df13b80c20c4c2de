/**
 * Shared shapes of the remediation engine (product §1.2, agent-protocol Part 3): catalog actions,
 * plans and their steps, job modes. Every other remediation module codes against these.
 *
 * @module
 */

import type { z } from "zod";
import type { JobStep } from "../protocol/job.ts";
import type { Signal } from "../signals/types.ts";

/** Risk tiers, least to most risky; an org's approval threshold is one of them. */
export const RISK_TIERS = ["observe", "safe_auto", "guarded_auto", "risky_manual"] as const;
export type RiskTier = typeof RISK_TIERS[number];

/** Job modes of agent-protocol §3.2. */
export type { JobMode } from "../protocol/job.ts";

/** One step of a job: the protocol's {@link JobStep}, an argv array run by direct execve. */
export type PlanStep = JobStep;

/** What a plan builder sees: the host and its latest known state. Pure data, no services. */
export interface PlanInput {
  host: { id: string; name: string; orgId: string };
  /** The latest snapshot's `status` object as the agent sent it (null when none yet). */
  snapshot: Record<string, unknown> | null;
  /** The same snapshot's `last.json` and `diff.json` when the agent sent an envelope. */
  last?: Record<string, unknown> | null;
  diff?: Record<string, unknown> | null;
  /** Signals of the latest snapshot. */
  signals: Signal[];
  /** Collection time of the latest snapshot (ISO 8601), or null. */
  snapshotTs: string | null;
}

/** What a verification predicate says about a later snapshot. */
export interface VerificationResult {
  verified: boolean;
  /** One sentence an operator can read, e.g. "tcp:6379 is no longer public". */
  reason: string;
  /**
   * `true` when the later snapshot cannot show either way (e.g. capped port list, sshd settings
   * the agent does not report); `verified` is then `false`. Absent means a definite answer.
   */
  inconclusive?: boolean;
}

/** Plan builder output before hashing. */
export interface PlanDraft {
  /** One line for the console, e.g. "Deny 2 unexpected public ports in ufw". */
  summary: string;
  /** Execute steps; the plan hash is over these (with actionId and actionVersion). */
  steps: PlanStep[];
  /** Side-effect free, check-mode steps for a dry-run job (`ufw --dry-run …`, `sshd -t`). */
  dryRunSteps: PlanStep[];
  /** Steps that undo `steps`; empty for irreversible or read-only actions. */
  rollbackSteps: PlanStep[];
  /** What the plan touches, for guards and the console (ports as `tcp:6379`, IPs, units, pids). */
  targets: {
    ports?: string[];
    ips?: string[];
    units?: string[];
    pids?: number[];
    /**
     * How long the change should last (`block-ip`: the repeat-offender rung); the caller
     * schedules the rollback (the unban) this many seconds after the execute succeeds.
     */
    durationSec?: number;
  };
}

/** A hashed plan: what operators approve, dry-run and execute. */
export interface Plan extends PlanDraft {
  actionId: string;
  actionVersion: number;
  riskTier: RiskTier;
  reversible: boolean;
  /** Commit-confirm window (120–600 s) of reversible actions; null otherwise. */
  confirmWindowSec: number | null;
  params: Record<string, unknown>;
  /** Lowercase hex SHA-256 of JCS `{actionId, actionVersion, steps}` (agent-protocol §3.2). */
  planHash: string;
}

/** One catalog action, typed by its params. */
export interface ActionDefinition<P extends Record<string, unknown> = Record<string, unknown>> {
  id: string;
  version: number;
  title: string;
  /** What the action does and when to use it, for the console. */
  description: string;
  riskTier: RiskTier;
  reversible: boolean;
  /** Commit-confirm window for reversible actions (default 600). */
  confirmWindowSec?: number;
  params: z.ZodType<P>;
  /** Signal codes this action addresses, used to rank options for a host's open breaches. */
  addresses: string[];
  /** Pure: the host's latest state + params → steps. Throws `PlanError` when it cannot apply. */
  buildPlan(input: PlanInput, params: P): PlanDraft;
  /** Pure: does a later snapshot show the fix? */
  verify(input: PlanInput, plan: Plan): VerificationResult;
}

/** A plan builder's refusal: the action does not apply to this host or these params. */
export class PlanError extends Error {
  constructor(readonly code: string, message: string, readonly field?: string) {
    super(message);
    this.name = "PlanError";
  }
}
