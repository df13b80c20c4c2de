import { Field, Hidden, SelectField } from "@/components/Field.tsx";
import type { FieldErrors } from "@/lib/ui/forms.ts";
import { HostGroupTagFields } from "./HostFields.tsx";

/** The settings form's field values, as typed (or as stored). */
export interface HostSettingsValues {
  name: string;
  group: string;
  tags: string;
  rolloutPriority: string;
  paused: boolean;
  disabled: boolean;
  ingestMode: string;
}

function Check(props: { name: string; label: string; checked: boolean; hint: string }) {
  const id = `f-${props.name}`;
  return (
    <div class="check">
      <input
        type="checkbox"
        id={id}
        name={props.name}
        value="on"
        checked={props.checked}
        aria-describedby={`${id}-hint`}
      />
      <label for={id}>{props.label}</label>
      <p id={`${id}-hint`} class="field-hint">{props.hint}</p>
    </div>
  );
}

/** The admin-only settings form of the host page (intent `settings`). */
export function HostSettingsForm(props: { values: HostSettingsValues; errors: FieldErrors }) {
  const { values, errors } = props;
  return (
    <form method="post" class="form" id="host-settings">
      <Hidden name="intent" value="settings" />
      <Field
        name="name"
        label="Name"
        value={values.name}
        error={errors.name}
        maxLength={80}
        required
        autocomplete="off"
      />
      <HostGroupTagFields values={values} errors={errors} />
      <Field
        name="rolloutPriority"
        label="Rollout priority"
        value={values.rolloutPriority}
        error={errors.rolloutPriority}
        inputmode="numeric"
        hint="-100 to 100; higher rolls out first."
      />
      <SelectField
        name="ingestMode"
        label="Ingest mode"
        value={values.ingestMode}
        error={errors.ingestMode}
        options={[
          ["bearer", "Bearer token (the vps-sentry agent as it ships)"],
          ["signed", "Signed only (the host runner; bearer pushes are refused)"],
        ]}
      />
      <Check
        name="paused"
        label="Paused"
        checked={values.paused}
        hint="No jobs or rollouts are sent to a paused host."
      />
      <Check
        name="disabled"
        label="Disabled"
        checked={values.disabled}
        hint="Left out of the fleet; its pushes are still stored, with a warning."
      />
      {errors.disabled && <p class="field-error">{errors.disabled}</p>}
      <button type="submit" class="button-primary">Save settings</button>
    </form>
  );
}
