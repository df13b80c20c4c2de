import type { IncidentPageData } from "@/lib/incidents/incident_page.ts";
import { ActionForm, refill } from "@/components/ActionForm.tsx";
import { Field, Hidden } from "@/components/Field.tsx";
import { SeverityBadge, Time } from "@/components/HostBadges.tsx";
import { IntentButton } from "@/components/IntentButton.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";
import { TextArea } from "./TextArea.tsx";
import { type FailedForm, failedOf } from "./types.ts";

type Pm = NonNullable<IncidentPageData["postmortem"]>;

/** The draft's text fields, in form order. */
const TEXT_FIELDS = [
  { name: "summary", label: "Summary", rows: 5 },
  { name: "impact", label: "Impact", hint: "Who and what was affected, for how long" },
  { name: "rootCause", label: "Root cause" },
] as const;

function ItemRow(
  props: { n: number; item?: Pm["actionItems"][number]; members: [string, string][]; ro: boolean },
) {
  const { n, item, members, ro } = props;
  return (
    <tr data-item={item?.id ?? "new"}>
      <td>
        {item && <Hidden name={`item-${n}-id`} value={item.id} />}
        <label class="visually-hidden" for={`item-${n}-title`}>Action item {n + 1}</label>
        <input
          id={`item-${n}-title`}
          name={`item-${n}-title`}
          value={item?.title ?? ""}
          maxLength={300}
          readOnly={ro}
          placeholder={item ? undefined : "New action item"}
        />
      </td>
      <td>
        <label class="visually-hidden" for={`item-${n}-owner`}>Owner</label>
        <select id={`item-${n}-owner`} name={`item-${n}-owner`} disabled={ro}>
          <option value="">No owner</option>
          {members.map(([id, email]) => (
            <option key={id} value={id} selected={item?.ownerId === id}>{email}</option>
          ))}
        </select>
      </td>
      <td>
        <label class="visually-hidden" for={`item-${n}-due`}>Due date</label>
        <input
          id={`item-${n}-due`}
          name={`item-${n}-due`}
          value={item?.dueDate ?? ""}
          placeholder="YYYY-MM-DD"
          maxLength={10}
          readOnly={ro}
        />
      </td>
      <td>
        <label class="visually-hidden" for={`item-${n}-status`}>Status</label>
        <select id={`item-${n}-status`} name={`item-${n}-status`} disabled={ro}>
          <option value="open" selected={item?.status !== "done"}>open</option>
          <option value="done" selected={item?.status === "done"}>done</option>
        </select>
      </td>
    </tr>
  );
}

function Prefill(props: { pm: Pm }) {
  const { prefill } = props.pm;
  return (
    <details>
      <summary>
        Pre-filled at resolve: {prefill.timeline.length} timeline entries, {prefill.signals.length}
        {" "}
        signals, {prefill.runs.length} runs
      </summary>
      <ul class="plain small">
        {prefill.timeline.map((e, i) => (
          <li key={i}>
            <Time iso={e.ts} /> {e.type}: {e.message}
          </li>
        ))}
      </ul>
      {prefill.signals.length > 0 && (
        <ul class="plain small">
          {prefill.signals.map((s) => (
            <li key={s.id}>
              <Time iso={s.ts} /> <SeverityBadge severity={s.severity} /> {s.code}: {s.title}
            </li>
          ))}
        </ul>
      )}
      {prefill.runs.length > 0 && (
        <ul class="plain small">
          {prefill.runs.map((r) => (
            <li key={r.id}>
              <a href={`/remediation/${r.id}`}>{r.actionId}</a> {r.mode} ({r.state})
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}

/** The postmortem: drafted on resolve, editable until published or waived. */
export function PostmortemEditor(props: { data: IncidentPageData; failed?: FailedForm }) {
  const pm = props.data.postmortem;
  if (!pm) {
    return (
      <section class="card" aria-labelledby="incident-postmortem">
        <h2 id="incident-postmortem">Postmortem</h2>
        <p class="empty">
          A postmortem draft is created when the incident is resolved, pre-filled with its timeline,
          signals and remediation runs.
        </p>
      </section>
    );
  }
  const ro = pm.status !== "draft" || !props.data.manage;
  const save = failedOf(props.failed, "postmortem-save");
  const finish = failedOf(props.failed, "postmortem-publish") ??
    failedOf(props.failed, "postmortem-waive");
  return (
    <section class="card" aria-labelledby="incident-postmortem" data-postmortem={pm.status}>
      <h2 id="incident-postmortem">
        Postmortem <span class={`state state-pm-${pm.status}`}>{pm.status}</span>
      </h2>
      {pm.status === "published" && (
        <p class="muted">
          Published <Time iso={pm.publishedAt} />; read-only.
        </p>
      )}
      {pm.status === "waived" && <p class="muted">Waived: {pm.waiveReason}</p>}
      {finish?.errors &&
        Object.values(finish.errors).map((e) => <p key={e} class="field-error">{e}</p>)}
      <form method="post" class="form">
        <Hidden name="intent" value="postmortem-save" />
        {TEXT_FIELDS.map((field) => (
          <TextArea
            key={field.name}
            {...field}
            {...refill(save, field.name, pm[field.name])}
            maxLength={8000}
            readOnly={ro}
          />
        ))}
        <div class="table-wrap" tabIndex={0} role="region" aria-label="Action items table">
          <table class="postmortem-items">
            <caption>Action items</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Owner</th>
                <th scope="col">Due</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {pm.actionItems.map((item, n) => (
                <ItemRow key={item.id} n={n} item={item} members={props.data.members} ro={ro} />
              ))}
              {!ro && <ItemRow n={pm.actionItems.length} members={props.data.members} ro={false} />}
            </tbody>
          </table>
        </div>
        {save && Object.entries(save.errors).filter(([k]) => k.startsWith("actionItems")).map((
          [k, e],
        ) => <p key={k} class="field-error">{k}: {e}</p>)}
        {!ro && (
          <div>
            <SubmitButton label="Save draft" pendingLabel="Saving…" class="button-primary" />
          </div>
        )}
      </form>
      {!ro && (
        <div class="breach-actions">
          <div class="breach-action">
            <h3>Publish</h3>
            <p class="muted small">Summary and root cause are required. Read-only afterwards.</p>
            <IntentButton intent="postmortem-publish" label="Publish postmortem" primary />
          </div>
          <ActionForm
            intent="postmortem-waive"
            title="Waive"
            submit="Waive postmortem"
            pending="Waiving…"
          >
            <Field id="waive-reason" name="reason" label="Reason" maxLength={1000} required />
          </ActionForm>
        </div>
      )}
      <Prefill pm={pm} />
    </section>
  );
}
