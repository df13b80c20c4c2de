import { CheckField, Field, SelectField } from "@/components/Field.tsx";
import type { FieldErrors } from "@/lib/ui/forms.ts";
import { HostGroupTagFields } from "./HostFields.tsx";
import type { HostSettingsValues } from "@/lib/ui/host_settings.ts";
import { ActionForm } from "./ActionForm.tsx";

export type { HostSettingsValues } from "@/lib/ui/host_settings.ts";

/**
 * The admin-only settings form of the host page (intent `settings`). `heartbeatDefault` is the
 * deployment's expected interval (minutes), shown as what an empty interval means.
 */
export function HostSettingsForm(
  props: { values: HostSettingsValues; errors: FieldErrors; heartbeatDefault: number },
) {
  const { values, errors } = props;
  const intervalHint = "1 to 1440, for hosts that push less often. Empty: the default, " +
    `${props.heartbeatDefault} minutes. Delayed, stale and missing scale with it.`;
  return (
    <ActionForm
      intent="settings"
      class="form"
      id="host-settings"
      submit="Save settings"
      pending="Saving…"
      buttonClass="button-primary"
    >
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
      <Field
        name="heartbeatExpectedMinutes"
        label="Expected push interval (minutes)"
        value={values.heartbeatExpectedMinutes}
        error={errors.heartbeatExpectedMinutes}
        inputmode="numeric"
        maxLength={4}
        hint={intervalHint}
      />
      <CheckField
        name="paused"
        label="Paused"
        checked={values.paused}
        hint="No jobs or rollouts are sent to a paused host."
      />
      <CheckField
        name="disabled"
        label="Disabled"
        checked={values.disabled}
        hint="Left out of the fleet; its pushes are still stored, with a warning."
      />
      {errors.disabled && <p class="field-error">{errors.disabled}</p>}
    </ActionForm>
  );
}
