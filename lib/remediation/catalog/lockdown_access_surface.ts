/**
 * `lockdown-access-surface`: deny the host's unexpected public ports in ufw.
 *
 * Targets are the latest snapshot's unexpected public ports (agent-protocol §1.7, read as the
 * `unexpected_public_port` signals read them), or a subset the operator names. Rules are added
 * with `ufw prepend` so they win over an earlier `allow` of the same port and work on an empty
 * ruleset (`insert 1` fails there); loopback traffic is accepted by ufw's before-rules, so local
 * clients of the service keep working. Reversible: rollback deletes exactly those rules.
 *
 * @module
 */

import { z } from "zod";
import { type ActionDefinition, type Plan, PlanError, type PlanInput } from "../types.ts";
import { portExposure, unexpectedPublicPorts } from "./evidence.ts";
import { comparePortSpecs, portSpecSchema, splitPortSpec, uniqueSorted } from "./params.ts";
import { DEFAULT_CONFIRM_WINDOW_SEC, EXE, step } from "./steps.ts";

/** At most this many ports per plan (keeps the execute steps within the confirm budget). */
export const LOCKDOWN_MAX_PORTS = 12;

const params = z.object({
  ports: z.array(portSpecSchema).min(1, "name at least one port, or leave ports out")
    .max(LOCKDOWN_MAX_PORTS, `at most ${LOCKDOWN_MAX_PORTS} ports per plan`)
    .transform((ports) => uniqueSorted(ports, comparePortSpecs)).optional(),
}).strict();

/** Params of `lockdown-access-surface`. */
export type LockdownParams = z.infer<typeof params>;

function ufwRule(spec: string): string {
  const { proto, port } = splitPortSpec(spec);
  return `${port}/${proto}`;
}

function stepId(spec: string): string {
  return spec.replace(":", "-");
}

function choosePorts(input: PlanInput, requested: string[] | undefined): string[] {
  const found = unexpectedPublicPorts(input.snapshot);
  if (!found) {
    throw new PlanError(
      "no_port_data",
      "The latest snapshot does not say which public ports are unexpected (it has neither " +
        "ports_public_unexpected nor expected_public_ports). Wait for a snapshot from an agent " +
        "that runs vps-sentry-ports-normalize, or set VPS_SENTRY_EXPECTED_PUBLIC_PORTS on the host.",
    );
  }
  const unexpected = [...found.keys()].sort(comparePortSpecs);
  const list = unexpected.join(", ") || "none";
  if (requested) {
    // Params arrive sorted and de-duplicated, so the field is `ports` and the message names it.
    requested.forEach((spec) => {
      if (!found.has(spec)) {
        throw new PlanError(
          "port_not_unexpected",
          `${spec} is not an unexpected public port in the latest snapshot (unexpected: ${list}). ` +
            "Only those can be denied with this action; add a firewall rule by hand otherwise.",
          "ports",
        );
      }
    });
  }
  const ports = [...new Set(requested ?? unexpected)].sort(comparePortSpecs);
  if (ports.length === 0) {
    throw new PlanError(
      "nothing_to_do",
      "The latest snapshot has no unexpected public ports, so there is nothing to deny.",
    );
  }
  if (ports.length > LOCKDOWN_MAX_PORTS) {
    throw new PlanError(
      "too_many_ports",
      `The snapshot has ${ports.length} unexpected public ports; deny at most ` +
        `${LOCKDOWN_MAX_PORTS} per plan by passing ports explicitly (e.g. {"ports":["${
          ports[0]
        }"]}).`,
      "ports",
    );
  }
  return ports;
}

/** The `lockdown-access-surface` action. */
export const lockdownAccessSurface: ActionDefinition<LockdownParams> = {
  id: "lockdown-access-surface",
  version: 1,
  title: "Lock down the access surface",
  description: "Deny the host's unexpected public ports in ufw (all of them, or the ones you " +
    "name). Use when a service listens publicly by mistake; the service keeps running for local " +
    "clients. Reversible: the rules are deleted again on rollback.",
  riskTier: "guarded_auto",
  reversible: true,
  confirmWindowSec: DEFAULT_CONFIRM_WINDOW_SEC,
  params,
  addresses: ["unexpected_public_port", "public_ports_changed"],

  buildPlan(input, p) {
    const ports = choosePorts(input, p.ports);
    return {
      summary: `Deny ${ports.length} unexpected public port${ports.length === 1 ? "" : "s"} in ` +
        `ufw: ${ports.join(", ")}`,
      steps: [
        ...ports.map((spec) =>
          step(`deny-${stepId(spec)}`, [EXE.ufw, "prepend", "deny", ufwRule(spec)], {
            timeoutMs: 10_000,
          })
        ),
        step("show-status", [EXE.ufw, "status", "verbose"], { timeoutMs: 10_000 }),
      ],
      dryRunSteps: [
        ...ports.map((spec) =>
          step(`check-deny-${stepId(spec)}`, [
            EXE.ufw,
            "--dry-run",
            "prepend",
            "deny",
            ufwRule(spec),
          ], { timeoutMs: 10_000 })
        ),
        step("show-status", [EXE.ufw, "status", "verbose"], { timeoutMs: 10_000 }),
      ],
      rollbackSteps: ports.map((spec) =>
        step(`undeny-${stepId(spec)}`, [EXE.ufw, "delete", "deny", ufwRule(spec)], {
          timeoutMs: 10_000,
          // A rule already removed by hand must not stop the others from being removed.
          allowFailure: true,
        })
      ),
      targets: { ports },
    };
  },

  verify(later, plan: Plan) {
    const ports = plan.targets.ports ?? [];
    const states = ports.map((spec) => ({ spec, state: portExposure(later.snapshot, spec) }));
    const open = states.filter((s) => s.state === "public").map((s) => s.spec);
    const unknown = states.filter((s) => s.state === "unknown").map((s) => s.spec);
    if (open.length > 0) {
      return {
        verified: false,
        reason: `${open.join(", ")} ${open.length === 1 ? "is" : "are"} still public and not ` +
          "blocked inbound in the later snapshot.",
      };
    }
    if (unknown.length > 0) {
      return {
        verified: false,
        inconclusive: true,
        reason: `The later snapshot does not list ${unknown.join(", ")} (no or capped ` +
          "ports_public), so the lockdown cannot be confirmed yet.",
      };
    }
    return {
      verified: true,
      reason: `${ports.join(", ")} ${ports.length === 1 ? "is" : "are"} no longer public ` +
        "(blocked inbound or no longer listening).",
    };
  },
};
