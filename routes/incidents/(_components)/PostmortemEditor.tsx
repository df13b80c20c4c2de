import type { IncidentPageData } from "@/lib/incidents/incident_page.ts";
import { ActionForm, refill } from "@/components/ActionForm.tsx";
import { Field, Hidden } from "@/components/Field.tsx";
import { SeverityBadge, Time } from "@/components/HostBadges.tsx";
import { counted } from "@/lib/text/plural.ts";
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

/** One row of the action items table (as stored, or as typed when the form came back). */
interface ItemValues {
  id?: string;
  title: string;
  ownerId: string | null;
  dueDate: string | null;
  status: string;
}

/** A field of an action item in words, for its error. */
const ITEM_FIELDS: Record<string, string> = {
  title: "title",
  ownerId: "owner",
  dueDate: "due date",
  status: "status",
};

/**
 * The rows typed into a form that came back (`item-<n>-…`), in the order the server read them
 * (rows without a title are dropped, as on save), so error `actionItems.<i>` is row `i`.
 */
function typedItems(values: Record<string, string>): ItemValues[] {
  const rows: ItemValues[] = [];
  for (let n = 0; n <= 50; n++) {
    const title = values[`item-${n}-title`] ?? "";
    if (title.trim() === "") continue;
    rows.push({
      id: values[`item-${n}-id`] || undefined,
      title,
      ownerId: values[`item-${n}-owner`] || null,
      dueDate: values[`item-${n}-due`] || null,
      status: values[`item-${n}-status`] === "done" ? "done" : "open",
    });
  }
  return rows;
}

/** The plain error of action item `n` (0-based), if the failed form has one. */
function itemError(errors: Record<string, string>, n: number): string | undefined {
  const entry = Object.entries(errors).find(([k]) => k.startsWith(`actionItems.${n}.`));
  if (!entry) return undefined;
  const field = entry[0].split(".")[2] ?? "";
  return `Action item ${n + 1}: ${ITEM_FIELDS[field] ?? field} ${entry[1]}`;
}

function ItemRow(
  props: {
    n: number;
    item?: ItemValues;
    members: [string, string][];
    ro: boolean;
    error?: string;
  },
) {
  const { n, item, members, ro, error } = props;
  return (
    <tr data-item={item?.id ?? "new"} class={error ? "field-invalid" : undefined}>
      <td>
        {item?.id && <Hidden name={`item-${n}-id`} value={item.id} />}
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
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? `item-${n}-error` : undefined}
        />
        {error && <p id={`item-${n}-error`} class="field-error">{error}</p>}
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
        Pre-filled at resolve:{" "}
        {counted(prefill.timeline.length, "timeline entry", "timeline entries")},{" "}
        {counted(prefill.signals.length, "signal")}, {counted(prefill.runs.length, "run")}
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
  // The editor form saves, or saves and publishes: either way it comes back as typed.
  const save = failedOf(props.failed, "postmortem-save") ??
    failedOf(props.failed, "postmortem-publish");
  const finish = failedOf(props.failed, "postmortem-waive");
  const items: ItemValues[] = save ? typedItems(save.values) : pm.actionItems;
  const itemErrors = items.map((_, n) => save ? itemError(save.errors, n) : undefined);
  const listed = new Set(itemErrors.filter(Boolean));
  const otherItemErrors = save
    ? Object.keys(save.errors).filter((k) => k.startsWith("actionItems"))
      .map((k) => itemError(save.errors, Number(k.split(".")[1])) ?? save.errors[k])
      .filter((e) => !listed.has(e))
    : [];
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
      {props.failed?.form === "postmortem-publish" && (
        <p class="field-error" data-publish-error>
          Not published: {Object.values(props.failed.errors).length > 0
            ? "fix what is marked below (your text is kept)."
            : "see the message above (your text is kept)."}
        </p>
      )}
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
              {items.map((item, n) => (
                <ItemRow
                  key={item.id ?? `typed-${n}`}
                  n={n}
                  item={item}
                  members={props.data.members}
                  ro={ro}
                  error={itemErrors[n]}
                />
              ))}
              {!ro && <ItemRow n={items.length} members={props.data.members} ro={false} />}
            </tbody>
          </table>
        </div>
        {otherItemErrors.map((e) => <p key={e} class="field-error">{e}</p>)}
        {!ro && (
          <div class="key-actions">
            <SubmitButton label="Save draft" pendingLabel="Saving…" />
            {/* A second submit of this form: its intent comes after the hidden one, so it wins. */}
            <button
              type="submit"
              name="intent"
              value="postmortem-publish"
              class="button-primary"
              id="postmortem-publish"
            >
              Publish postmortem
            </button>
            <p class="muted small">
              Publishing saves what is above first. Summary and root cause are required; the
              postmortem is read-only afterwards.
            </p>
          </div>
        )}
      </form>
      {!ro && (
        <div class="breach-actions">
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
