import type { IncidentPageData } from "@/lib/incidents/incident_page.ts";
import { LINK_KINDS } from "@/lib/incidents/model.ts";
import { Field, Hidden, SelectField } from "@/components/Field.tsx";
import { IntentButton } from "@/components/IntentButton.tsx";
import { TextArea } from "./TextArea.tsx";
import { type FailedForm, failedOf } from "./types.ts";
import SubmitButton from "@/islands/SubmitButton.tsx";

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
        <form method="post" class="breach-action">
          <h3>Assignment</h3>
          <Hidden name="intent" value="assign" />
          <SelectField
            id="assign-user"
            name="assigneeId"
            label="Assignee"
            value={assign?.values.assigneeId ?? incident.assigneeId ?? ""}
            error={assign?.errors.assigneeId}
            options={[["", "Unassigned"], ...members]}
          />
          <SubmitButton label="Assign" pendingLabel="Assigning…" />
        </form>
        <form method="post" class="breach-action">
          <h3>Note</h3>
          <Hidden name="intent" value="note" />
          <TextArea
            id="note-text"
            name="text"
            label="Note"
            value={note?.values.text}
            error={note?.errors.text}
            rows={3}
            maxLength={4000}
            required
          />
          <SubmitButton label="Add note" pendingLabel="Adding…" />
        </form>
        <form method="post" class="breach-action">
          <h3>Link</h3>
          <Hidden name="intent" value="link" />
          <SelectField
            id="link-kind"
            name="kind"
            label="Kind"
            value={link?.values.kind ?? "breach"}
            error={link?.errors.kind}
            options={LINK_KINDS.map((k): [string, string] => [k, k])}
          />
          <Field
            id="link-ref"
            name="refId"
            label="Id"
            value={link?.values.refId}
            error={link?.errors.refId}
            hint="A host, signal, breach or run id of this organization"
            maxLength={64}
            required
          />
          <SubmitButton label="Link" pendingLabel="Linking…" />
        </form>
      </div>
    </section>
  );
}
