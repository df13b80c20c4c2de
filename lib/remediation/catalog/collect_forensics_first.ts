/**
 * `collect-forensics-first`: read-only evidence capture before anyone changes the host.
 *
 * Steps: sockets with their processes (`ss -tunapH`), the process table (`ps`), login history
 * (`last`), a bounded journal excerpt (`journalctl --since=-<n>min --lines=<m>`), and for each
 * pid of interest (the snapshot's IOC hits by default) the `/proc/<pid>` links and a hash of its
 * executable image (which works even when the file on disk was deleted). Every step may fail
 * without stopping the others: a vanished pid or a missing `last` must not lose the rest. Nothing
 * is changed, so the dry-run runs the very same steps.
 *
 * @module
 */

import { z } from "zod";
import type { ActionDefinition, PlanStep } from "../types.ts";
import { threatPids } from "./evidence.ts";
import { pidSchema, uniqueSorted } from "./params.ts";
import { EXE, step } from "./steps.ts";

/** Per-pid evidence costs two steps; this keeps a plan within 16 steps. */
export const FORENSICS_MAX_PIDS = 6;

const params = z.object({
  /** Pids to examine; default: the latest snapshot's IOC hits. */
  pids: z.array(pidSchema).max(
    FORENSICS_MAX_PIDS,
    `examine at most ${FORENSICS_MAX_PIDS} pids per plan`,
  ).transform((pids) => uniqueSorted(pids, (a, b) => a - b)).optional(),
  journalSinceMinutes: z.number().int().min(5).max(1_440).default(120),
  journalLines: z.number().int().min(100).max(5_000).default(1_000),
}).strict();

/** Params of `collect-forensics-first`. */
export type ForensicsParams = z.infer<typeof params>;

const READ = { allowFailure: true, maxOutputBytes: 262_144 } as const;

/** The `collect-forensics-first` action. */
export const collectForensicsFirst: ActionDefinition<ForensicsParams> = {
  id: "collect-forensics-first",
  version: 1,
  title: "Collect forensics first",
  description: "Read-only: capture sockets, processes, logins, a bounded journal excerpt and the " +
    "image hash of suspicious processes, before a fix destroys the evidence. Run it first on " +
    "any IOC.",
  riskTier: "observe",
  reversible: false,
  params,
  addresses: [
    "suspicious_process_ioc",
    "outbound_scan_ioc",
    "self_integrity_changed",
    "persistence_hit",
    "new_ssh_accept",
    "user_list_changed",
    "unexpected_public_port",
  ],

  buildPlan(input, p) {
    const pids = (p.pids ?? threatPids(input.snapshot)).slice(0, FORENSICS_MAX_PIDS);
    const steps: PlanStep[] = [
      step("sockets", [EXE.ss, "-tunapH"], { ...READ, timeoutMs: 20_000 }),
      step("processes", [
        EXE.ps,
        "-eww",
        "-o",
        "pid,ppid,user,lstart,stat,pcpu,rss,comm,args",
      ], { ...READ, timeoutMs: 20_000 }),
      step("logins", [EXE.last, "-F", "-i", "-n", "50"], { ...READ, timeoutMs: 20_000 }),
      step("journal", [
        EXE.journalctl,
        "--no-pager",
        "--output=short-iso",
        `--since=-${p.journalSinceMinutes}min`,
        `--lines=${p.journalLines}`,
      ], { ...READ, timeoutMs: 60_000 }),
    ];
    for (const pid of pids) {
      steps.push(
        step(`proc-${pid}-links`, [
          EXE.ls,
          "-l",
          "--time-style=full-iso",
          `/proc/${pid}/exe`,
          `/proc/${pid}/cwd`,
          `/proc/${pid}/fd`,
        ], { ...READ, timeoutMs: 10_000, maxOutputBytes: 65_536 }),
        step(`proc-${pid}-exe-sha256`, [EXE.sha256sum, `/proc/${pid}/exe`], {
          ...READ,
          timeoutMs: 60_000,
          maxOutputBytes: 4_096,
        }),
      );
    }
    return {
      summary: `Capture sockets, processes, logins and ${p.journalSinceMinutes} min of journal` +
        (pids.length ? `, plus evidence for pid ${pids.join(", ")}` : "") + " (read-only)",
      steps,
      dryRunSteps: steps,
      rollbackSteps: [],
      targets: pids.length ? { pids } : {},
    };
  },

  verify() {
    return {
      verified: true,
      reason: "Read-only capture: nothing to confirm in a snapshot; the evidence is in the " +
        "job's output.",
    };
  },
};
