import type { IncidentPageData } from "@/lib/incidents/incident_page.ts";
import { Time } from "@/components/HostBadges.tsx";
import { IntentButton } from "@/components/IntentButton.tsx";

function StepButton(
  props: { workflowId: string; stepId: string; action: string; label: string; primary?: boolean },
) {
  return (
    <IntentButton
      intent="workflow"
      fields={{ workflowId: props.workflowId, stepId: props.stepId, action: props.action }}
      label={props.label}
      pendingLabel="Saving…"
      primary={props.primary}
    />
  );
}

/** The workflow catalog with each step's latest result; ops run or mark steps. */
export function WorkflowSteps(props: { data: IncidentPageData }) {
  const { workflows, manage, incident } = props.data;
  const closed = incident.state === "closed";
  return (
    <section class="card" aria-labelledby="incident-workflows">
      <h2 id="incident-workflows">Workflows</h2>
      <p class="muted">
        Pick the playbook that fits. Action steps run for real (a remediation plan or dry-run on the
        incident's host, draining the remediation queue, a notification); checklist items are marked
        done or skipped. Every result goes on the timeline.
      </p>
      {workflows.map((w) => (
        <details
          key={w.id}
          class="incident-workflow"
          open={w.steps.some((s) => s.status !== "pending")}
        >
          <summary>
            <strong>{w.title}</strong> <span class="muted">{w.description}</span>
          </summary>
          <ol class="incident-steps">
            {w.steps.map((s) => (
              <li key={s.id} data-step={`${w.id}/${s.id}`} data-status={s.status}>
                <div>
                  <strong>{s.title}</strong>{" "}
                  <span class={`state state-step-${s.status}`}>{s.status}</span>
                  {s.at && (
                    <>
                      {" "}
                      <Time iso={s.at} />
                    </>
                  )}
                </div>
                <p class="muted small">{s.description}</p>
                {s.detail && (
                  <p class="small wrap">
                    {s.detail}
                    {s.runId && (
                      <>
                        {" "}(<a href={`/remediation/${s.runId}`}>{s.runId}</a>)
                      </>
                    )}
                  </p>
                )}
                {manage && !closed && (
                  <div class="key-actions">
                    {s.kind !== "manual" && (
                      <StepButton
                        workflowId={w.id}
                        stepId={s.id}
                        action="run"
                        label="Run"
                        primary
                      />
                    )}
                    <StepButton workflowId={w.id} stepId={s.id} action="done" label="Done" />
                    <StepButton workflowId={w.id} stepId={s.id} action="skip" label="Skip" />
                  </div>
                )}
              </li>
            ))}
          </ol>
        </details>
      ))}
    </section>
  );
}
