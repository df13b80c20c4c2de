/**
 * `quarantine-unexpected-listener`: stop the program behind one unexpected public listener.
 *
 * The listener must be an unexpected public port of the latest snapshot. When a systemd unit is
 * known (vitals top processes or IOC hits with the same pid, the `public_ports_changed` alert
 * line, or the operator's `unit`), the unit is stopped and disabled; rollback enables and starts
 * it again, so that plan is reversible. Otherwise the pid is sent a signal (`kill`), which cannot
 * be undone: such a plan has no rollback steps and is marked irreversible. Core units (sshd,
 * systemd, dbus, the agent and runner) and pid 1 are refused.
 *
 * A socket-activated service keeps its port open through its `.socket` unit after the service
 * stops; verification then reports the port still public, which is the truth.
 *
 * The pid comes from a snapshot taken minutes before the job runs; the execute job re-checks it
 * with `ps -p` first (a vanished pid stops the job), but cannot prove it is still the same
 * program. Prefer the unit path, and dry-run right before executing.
 *
 * @module
 */

import { z } from "zod";
import { type ActionDefinition, type Plan, PlanError, type PlanStep } from "../types.ts";
import { portExposure, unexpectedPublicPorts, unitForListener, validPid } from "./evidence.ts";
import { comparePortSpecs, portSpecSchema, unitNameSchema } from "./params.ts";
import { DEFAULT_CONFIRM_WINDOW_SEC, EXE, step } from "./steps.ts";

const params = z.object({
  port: portSpecSchema,
  method: z.enum(["auto", "systemd", "kill"]).default("auto"),
  /** The unit to stop when the snapshot does not name one (or names another). */
  unit: unitNameSchema.optional(),
  signal: z.enum(["TERM", "KILL"]).default("TERM"),
}).strict();

/** Params of `quarantine-unexpected-listener`. */
export type QuarantineParams = z.infer<typeof params>;

/** Units this action never stops: losing them cuts off access or blinds monitoring. */
const PROTECTED_UNIT =
  /^(?:ssh|sshd|ssh@.*|sshd@.*|systemd-.*|dbus.*|vps-sentry.*|polkit|cron|rsyslog|getty@.*)\.service$/;
/** Process names this action never kills, for the same reason. */
const PROTECTED_PROC = /^(?:sshd|systemd.*|init|dbus-daemon|vps-sentry.*)$/;

function psCheck(id: string, pid: number): PlanStep {
  return step(id, [EXE.ps, "-p", String(pid), "-o", "pid=,user=,comm=,args="], {
    timeoutMs: 5_000,
    maxOutputBytes: 8_192,
  });
}

/** The `quarantine-unexpected-listener` action. */
export const quarantineUnexpectedListener: ActionDefinition<QuarantineParams> = {
  id: "quarantine-unexpected-listener",
  version: 1,
  title: "Quarantine an unexpected listener",
  description: "Stop and disable the systemd unit behind one unexpected public port (or, when " +
    "no unit is known, signal its process). Use when the program itself should not run, not " +
    "just be unreachable (otherwise prefer lockdown-access-surface). Reversible only via the unit.",
  riskTier: "risky_manual",
  reversible: true,
  confirmWindowSec: DEFAULT_CONFIRM_WINDOW_SEC,
  params,
  addresses: ["unexpected_public_port", "public_ports_changed", "suspicious_process_ioc"],

  buildPlan(input, p) {
    const found = unexpectedPublicPorts(input.snapshot);
    if (!found || !input.snapshot) {
      throw new PlanError(
        "no_port_data",
        "The latest snapshot does not say which public ports are unexpected, so no listener " +
          "can be quarantined. Wait for a snapshot with the ports-normalize fields.",
      );
    }
    const listeners = found.get(p.port);
    if (!listeners) {
      const list = [...found.keys()].sort(comparePortSpecs).join(", ") || "none";
      throw new PlanError(
        "port_not_unexpected",
        `${p.port} is not an unexpected public port in the latest snapshot (unexpected: ${list}).`,
        "port",
      );
    }
    const withPid = listeners.find((l) => validPid(l.pid) !== null);
    const pid = withPid ? validPid(withPid.pid) : null;
    const proc = listeners.map((l) => l.proc).find(Boolean) ?? "";
    const evidenceUnit = listeners.map((l) => unitForListener(input.snapshot!, l)).find(Boolean) ??
      null;
    const unit = p.unit ?? evidenceUnit;
    if (PROTECTED_PROC.test(proc)) {
      throw new PlanError(
        "protected_target",
        `${p.port} belongs to ${proc}, which this action never stops (it would cut off access ` +
          "or monitoring). Deny the port with lockdown-access-surface instead.",
        "port",
      );
    }
    if (unit && PROTECTED_UNIT.test(unit)) {
      throw new PlanError(
        "protected_target",
        `${unit} is a core unit this action never stops. Deny the port with ` +
          "lockdown-access-surface instead.",
        p.unit ? "unit" : "port",
      );
    }

    const useUnit = p.method === "systemd" || (p.method === "auto" && unit !== null);
    if (useUnit) {
      if (!unit) {
        throw new PlanError(
          "no_unit",
          `The snapshot names no systemd unit for ${p.port}. Pass "unit" (e.g. ` +
            `"redis-server.service") or use method "kill".`,
          "unit",
        );
      }
      const u = ["--", unit];
      return {
        summary: `Stop and disable ${unit} (listening on ${p.port}${proc ? `, ${proc}` : ""})`,
        steps: [
          step("stop-unit", [EXE.systemctl, "stop", ...u], { timeoutMs: 90_000 }),
          step("disable-unit", [EXE.systemctl, "disable", ...u], { timeoutMs: 15_000 }),
        ],
        dryRunSteps: [
          step("show-unit", [
            EXE.systemctl,
            "show",
            "--no-pager",
            "--property=Id,LoadState,ActiveState,UnitFileState,MainPID,FragmentPath",
            ...u,
          ], { timeoutMs: 10_000, maxOutputBytes: 8_192 }),
        ],
        rollbackSteps: [
          step("enable-unit", [EXE.systemctl, "enable", ...u], { timeoutMs: 15_000 }),
          step("start-unit", [EXE.systemctl, "start", ...u], { timeoutMs: 90_000 }),
        ],
        targets: { ports: [p.port], units: [unit], ...(pid !== null ? { pids: [pid] } : {}) },
      };
    }

    if (pid === null) {
      throw new PlanError(
        "no_process_evidence",
        `The snapshot does not attribute ${p.port} to a process (pid 0 or missing) and names no ` +
          'unit. Run collect-forensics-first to find it, pass "unit", or deny the port with ' +
          "lockdown-access-surface.",
        "port",
      );
    }
    return {
      summary: `Send SIG${p.signal} to pid ${pid}${proc ? ` (${proc})` : ""} listening on ` +
        `${p.port} (irreversible)`,
      steps: [
        psCheck("check-pid", pid),
        step("signal-pid", [EXE.kill, "-s", p.signal, String(pid)], { timeoutMs: 5_000 }),
      ],
      dryRunSteps: [psCheck("check-pid", pid)],
      rollbackSteps: [],
      targets: { ports: [p.port], pids: [pid] },
    };
  },

  verify(later, plan: Plan) {
    const port = plan.targets.ports?.[0] ?? "";
    const state = portExposure(later.snapshot, port);
    if (state === "public" || state === "blocked") {
      return {
        verified: false,
        reason: `Something still listens publicly on ${port} in the later snapshot.`,
      };
    }
    if (state === "unknown") {
      return {
        verified: false,
        inconclusive: true,
        reason: `The later snapshot's public port list is missing or capped, so ${port} cannot ` +
          "be confirmed gone.",
      };
    }
    return { verified: true, reason: `Nothing listens publicly on ${port} any more.` };
  },
};
