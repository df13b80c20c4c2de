import type { IncidentPageData } from "@/lib/incidents/incident_page.ts";
import { LINK_KINDS } from "@/lib/incidents/model.ts";
import { ActionForm, refill } from "@/components/ActionForm.tsx";
import { Field, SelectField } from "@/components/Field.tsx";
import { IntentButton } from "@/components/IntentButton.tsx";
import { TextArea } from "./TextArea.tsx";
import { type FailedForm, failedOf } from "./types.ts";

const STATE_ACTIONS: Record<string, [string, string, boolean][]> = {
  open: [["acknowledge", "Acknowledge", true], ["resolve", "Resolve", false]],
  acknowledged: [["resolve", "Resolve", true], ["reopen", "Re-open", false]],
  resolved: [["close", "Close", true], ["reopen", "Re-open", false]],
  closed: [["reopen", "Re-open", false]],
};

/** State changes, escalation, assignment, notes and links (ops and above). */
export function IncidentActions(props: { data: IncidentPageData; failed?: FailedForm }) {
  const { incident, members, levels } = props.data;
  const assign = failedOf(props.failed, "assign");
  const note = failedOf(props.failed, "note");
  const link = failedOf(props.failed, "link");
  const canEscalate = (incident.state === "open" || incident.state === "acknowledged") &&
    incident.escalationLevel < levels;
  return (
    <section class="card" aria-labelledby="incident-actions">
      <h2 id="incident-actions">Actions</h2>
      <div class="key-actions">
        {STATE_ACTIONS[incident.state].map(([intent, label, primary]) => (
          <IntentButton key={intent} intent={intent} label={label} primary={primary} />
        ))}
        {canEscalate && (
          <IntentButton
            intent="escalate"
            label={`Escalate to level ${incident.escalationLevel + 1}`}
            danger
          />
        )}
      </div>
      <div class="breach-actions">
        <ActionForm intent="assign" title="Assignment" submit="Assign" pending="Assigning…">
          <SelectField
            id="assign-user"
            {...refill(assign, "assigneeId", incident.assigneeId ?? "")}
            label="Assignee"
            options={[["", "Unassigned"], ...members]}
          />
        </ActionForm>
        <ActionForm intent="note" title="Note" submit="Add note" pending="Adding…">
          <TextArea
            id="note-text"
            {...refill(note, "text")}
            label="Note"
            rows={3}
            maxLength={4000}
            required
          />
        </ActionForm>
        <ActionForm intent="link" title="Link" submit="Link" pending="Linking…">
          <SelectField
            id="link-kind"
            {...refill(link, "kind", "breach")}
            label="Kind"
            options={LINK_KINDS.map((k): [string, string] => [k, k])}
          />
          <Field
            id="link-ref"
            {...refill(link, "refId")}
            label="Id"
            hint="A host, signal, breach or run id of this organization"
            maxLength={64}
            required
          />
        </ActionForm>
      </div>
    </section>
  );
}
