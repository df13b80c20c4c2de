import { CheckField, Field, SelectField } from "@/components/Field.tsx";
import type { FieldErrors, FormProblem } from "@/lib/ui/forms.ts";
import type { EndpointFormValues } from "@/lib/notify/form_input.ts";
import {
  type EndpointKind,
  EVENT_TYPE_LABELS,
  NOTIFY_EVENT_TYPES,
  NOTIFY_SEVERITIES,
} from "@/lib/notify/types.ts";

const URL_HINTS: Record<Exclude<EndpointKind, "email">, string> = {
  webhook: "Receives signed JSON (Standard Webhooks headers). A signing secret is created and " +
    "shown once.",
  slack: "A Slack (or Mattermost, Rocket.Chat) incoming-webhook URL. It is a credential: it is " +
    "stored encrypted and shown only as its host.",
  discord: "A Discord webhook URL (…/api/webhooks/…). Stored encrypted, shown only as its host.",
};

/**
 * A problem's errors keyed by the form fields of the notification pages: a nested field names
 * its top-level one (`emails.0` → `emails`) unless `rename` names the field, or its top-level
 * one, differently.
 *
 * @example
 * ```ts
 * fieldErrors(problem, { "quietHours.start": "quietStart", quietHours: "quietEnd" })
 * ```
 */
export function fieldErrors(
  problem: FormProblem,
  rename: Record<string, string> = {},
): FieldErrors {
  const renamed = (name: string) => Object.hasOwn(rename, name) ? rename[name] : undefined;
  const out: FieldErrors = {};
  for (const [field, message] of Object.entries(problem.errors)) {
    const top = field.split(".")[0];
    out[renamed(field) ?? renamed(top) ?? top] ??= message;
  }
  return out;
}

/** The addresses of an e-mail endpoint, one per line or separated by commas. */
function EmailsField(props: { id: string; value: string; error?: string }) {
  return (
    <div class={props.error ? "field field-invalid" : "field"}>
      <label for={props.id}>Addresses</label>
      <p id={`${props.id}-hint`} class="field-hint">
        One per line or separated by commas; up to 20.
      </p>
      <textarea
        id={props.id}
        name="emails"
        rows={3}
        maxLength={6000}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={`${props.id}-hint${props.error ? ` ${props.id}-error` : ""}`}
        value={props.value}
      />
      {props.error && <p id={`${props.id}-error`} class="field-error">{props.error}</p>}
    </div>
  );
}

/** Which event types the endpoint routes; none checked means every type except reports. */
function EventTypeChecks(props: { prefix: string; checked: string[]; error?: string }) {
  return (
    <fieldset class={props.error ? "field field-invalid" : "field"}>
      <legend>Event types</legend>
      <p class="field-hint">
        None checked: every event type except reports (reports go only where "Report" is checked).
      </p>
      {NOTIFY_EVENT_TYPES.map((t) => {
        const id = `${props.prefix}-event-${t.replace(/\./g, "-")}`;
        return (
          <CheckField
            key={t}
            id={id}
            name={`event.${t}`}
            label={EVENT_TYPE_LABELS[t]}
            checked={props.checked.includes(t)}
          />
        );
      })}
      {props.error && <p class="field-error">{props.error}</p>}
    </fieldset>
  );
}

/**
 * The fields of an endpoint form (create or edit) for one kind. `prefix` keeps element ids
 * unique when a page shows several forms.
 */
export function EndpointFields(props: {
  kind: EndpointKind;
  prefix: string;
  values: EndpointFormValues;
  errors: FieldErrors;
  mode: "create" | "update";
  urlDisplay?: string | null;
}) {
  const { kind, prefix, values, errors } = props;
  const eventError = Object.entries(errors).find(([k]) => k.startsWith("eventTypes"))?.[1];
  return (
    <>
      <Field
        name="name"
        id={`${prefix}-name`}
        label="Name"
        value={values.name}
        error={errors.name}
        maxLength={80}
        required
      />
      {kind === "email"
        ? <EmailsField id={`${prefix}-emails`} value={values.emails} error={errors.emails} />
        : (
          <Field
            name="url"
            id={`${prefix}-url`}
            label={props.mode === "update" ? "New URL (empty: keep the current one)" : "URL"}
            value={values.url}
            error={errors.url}
            maxLength={2000}
            autocomplete="off"
            placeholder="https://"
            required={props.mode === "create"}
            hint={props.mode === "update"
              ? `Current: ${props.urlDisplay ?? "none"}. The full URL is never shown again.`
              : URL_HINTS[kind]}
          />
        )}
      <SelectField
        name="minSeverity"
        id={`${prefix}-minSeverity`}
        label="Minimum severity"
        value={values.minSeverity || "medium"}
        error={errors.minSeverity}
        options={NOTIFY_SEVERITIES.map((s) => [s, s])}
        hint="Events below it are not sent here. Low and info events arrive as a digest."
      />
      <EventTypeChecks prefix={prefix} checked={values.eventTypes} error={eventError} />
      <CheckField
        id={`${prefix}-enabled`}
        name="enabled"
        label="Enabled"
        checked={values.enabled}
      />
    </>
  );
}
