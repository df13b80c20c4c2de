/**
 * `verify-system-drift`: read-only package and config verification, to judge drift alerts
 * (`packages_changed`, `self_integrity_changed`, `watched_files_changed`, …) before acting.
 *
 * Steps: `dpkg --verify` (md5 of every installed file against the package database; all
 * packages or the ones named), optionally `debsums -s` (silent unless a file differs; it may not
 * be installed, so it is allowed to fail), and `sshd -t` (the SSH config still parses). Nothing
 * is changed, so the dry-run runs the very same steps.
 *
 * @module
 */

import { z } from "zod";
import type { ActionDefinition, PlanStep } from "../types.ts";
import { uniqueSorted } from "./params.ts";
import { EXE, step } from "./steps.ts";

/** Debian package names (policy §5.6.1), at most 100 characters. */
export const PACKAGE_NAME_RE = /^[a-z0-9][a-z0-9+.-]{1,99}$/;

const params = z.object({
  packages: z.array(
    z.string().regex(
      PACKAGE_NAME_RE,
      "give a Debian package name such as openssh-server (lowercase letters, digits, + . -)",
    ),
  ).max(20, "verify at most 20 packages by name, or leave packages out for all")
    .transform((names) => uniqueSorted(names)).optional(),
  includeDebsums: z.boolean().default(true),
  includeSshdConfig: z.boolean().default(true),
}).strict();

/** Params of `verify-system-drift`. */
export type VerifyDriftParams = z.infer<typeof params>;

/** The `verify-system-drift` action. */
export const verifySystemDrift: ActionDefinition<VerifyDriftParams> = {
  id: "verify-system-drift",
  version: 1,
  title: "Verify system drift",
  description: "Read-only: check installed files against the package database (dpkg --verify, " +
    "debsums) and that the SSH config parses. Use to judge package, integrity and watched-file " +
    "alerts before changing anything.",
  riskTier: "observe",
  reversible: false,
  params,
  addresses: [
    "self_integrity_changed",
    "packages_changed",
    "watched_files_changed",
    "user_list_changed",
    "cron_changed",
    "firewall_changed",
  ],

  buildPlan(_input, p) {
    const packages = p.packages ?? [];
    const steps: PlanStep[] = [
      // dpkg --verify exits non-zero when it finds modified files: that is a finding, not an error.
      step("dpkg-verify", [EXE.dpkg, "--verify", ...packages], {
        timeoutMs: 300_000,
        allowFailure: true,
        maxOutputBytes: 262_144,
      }),
    ];
    if (p.includeDebsums) {
      steps.push(step("debsums-changed", [EXE.debsums, "-s", ...packages], {
        timeoutMs: 600_000,
        allowFailure: true,
        maxOutputBytes: 262_144,
      }));
    }
    if (p.includeSshdConfig) {
      steps.push(step("sshd-config-test", [EXE.sshd, "-t"], {
        timeoutMs: 10_000,
        allowFailure: true,
        maxOutputBytes: 8_192,
      }));
    }
    return {
      summary: `Verify ${packages.length ? packages.join(", ") : "all installed packages"}` +
        `${p.includeDebsums ? " with dpkg and debsums" : " with dpkg"}` +
        `${p.includeSshdConfig ? " and test the sshd config" : ""} (read-only)`,
      steps,
      dryRunSteps: steps,
      rollbackSteps: [],
      targets: {},
    };
  },

  verify() {
    return {
      verified: true,
      reason: "Read-only check: nothing to confirm in a snapshot; the findings are in the job's " +
        "output.",
    };
  },
};
