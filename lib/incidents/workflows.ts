/**
 * The incident workflow catalog (issue 6 item 4): small playbooks whose steps either run a real
 * action — a remediation plan or dry-run for the incident's host (`requestRemediation`),
 * draining the remediation queue (`drainQueue`), a notification (`notify`) — or are checklist
 * items an operator marks done or skips. Running steps is `workflow_run.ts`.
 *
 * @module
 */

/** What a step does when run. */
export type StepKind = "manual" | "remediation" | "drain" | "notify";

/** One step of a workflow. */
export interface WorkflowStep {
  id: string;
  title: string;
  description: string;
  kind: StepKind;
  /** `remediation`: the catalog action and mode (plan: preview only; dry-run: a queued run). */
  actionId?: string;
  mode?: "plan" | "dry-run";
}

/** One workflow. */
export interface Workflow {
  id: string;
  title: string;
  description: string;
  steps: WorkflowStep[];
}

const drain: WorkflowStep = {
  id: "drain",
  title: "Dispatch queued remediation",
  description: "Hand every queued remediation run of the organization to its host now.",
  kind: "drain",
};

const notifyStep: WorkflowStep = {
  id: "notify",
  title: "Notify stakeholders",
  description: "Send an incident update through the notification routing rules.",
  kind: "notify",
};

/** The catalog, in display order. */
export const WORKFLOWS: readonly Workflow[] = [
  {
    id: "critical-triage",
    title: "Critical triage",
    description: "A compromise indicator or critical finding: preserve evidence, contain, inform.",
    steps: [
      {
        id: "own",
        title: "Acknowledge and assign an owner",
        description: "Stop the escalation and make one person responsible.",
        kind: "manual",
      },
      {
        id: "forensics",
        title: "Collect forensics first",
        description: "Queue a read-only dry-run of collect-forensics-first on the host.",
        kind: "remediation",
        actionId: "collect-forensics-first",
        mode: "dry-run",
      },
      {
        id: "contain-plan",
        title: "Plan lockdown of the access surface",
        description: "Build the lockdown-access-surface plan for the host (preview, nothing runs).",
        kind: "remediation",
        actionId: "lockdown-access-surface",
        mode: "plan",
      },
      drain,
      notifyStep,
      {
        id: "isolate",
        title: "Decide: isolate the host or keep watching",
        description: "Record the decision as a note.",
        kind: "manual",
      },
    ],
  },
  {
    id: "auth-abuse",
    title: "Auth abuse",
    description: "Brute force, unexpected SSH accepts or account drift.",
    steps: [
      {
        id: "review",
        title: "Review authentication signals",
        description: "Check SSH failures, invalid users and new accepts on the host timeline.",
        kind: "manual",
      },
      {
        id: "harden-plan",
        title: "Plan SSH hardening",
        description: "Build the harden-ssh-auth plan for the host (preview, nothing runs).",
        kind: "remediation",
        actionId: "harden-ssh-auth",
        mode: "plan",
      },
      {
        id: "rotate",
        title: "Rotate exposed credentials",
        description: "Rotate passwords and keys that may have been tried or used.",
        kind: "manual",
      },
      drain,
      notifyStep,
    ],
  },
  {
    id: "degraded-performance",
    title: "Degraded performance",
    description: "CPU, memory or disk pressure, or a host that keeps going silent.",
    steps: [
      {
        id: "vitals",
        title: "Check vitals",
        description: "Read CPU, memory and disk on the host page.",
        kind: "manual",
      },
      {
        id: "drift",
        title: "Verify system drift",
        description: "Queue a read-only dry-run of verify-system-drift on the host.",
        kind: "remediation",
        actionId: "verify-system-drift",
        mode: "dry-run",
      },
      drain,
      notifyStep,
      {
        id: "capacity",
        title: "Plan capacity or clean-up",
        description: "Record what will change as a note.",
        kind: "manual",
      },
    ],
  },
];

/**
 * A workflow and one of its steps, or undefined.
 *
 * @example
 * ```ts
 * findStep("critical-triage", "forensics")?.step.actionId; // "collect-forensics-first"
 * ```
 */
export function findStep(
  workflowId: string,
  stepId: string,
): { workflow: Workflow; step: WorkflowStep } | undefined {
  const workflow = WORKFLOWS.find((w) => w.id === workflowId);
  const step = workflow?.steps.find((s) => s.id === stepId);
  return workflow && step ? { workflow, step } : undefined;
}
