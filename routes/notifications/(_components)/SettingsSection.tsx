import { Field, Hidden } from "@/components/Field.tsx";
import type { FieldErrors } from "@/lib/ui/forms.ts";
import type { SettingsFormValues } from "@/lib/notify/form_input.ts";
import SubmitButton from "@/islands/SubmitButton.tsx";

/** The organization's notification settings: facts for ops, a form for admins. */
export function SettingsSection(
  props: {
    values: SettingsFormValues;
    stored: SettingsFormValues;
    errors: FieldErrors;
    manage: boolean;
  },
) {
  const { values, errors, stored } = props;
  return (
    <section class="card narrow" aria-labelledby="settings-title">
      <h2 id="settings-title">Delivery settings</h2>
      <dl class="facts" id="settings-in-force">
        <dt>Dedupe window</dt>
        <dd>
          {stored.dedupeWindowMinutes === "0" ? "off" : `${stored.dedupeWindowMinutes} minutes`}
        </dd>
        <dt>Quiet hours</dt>
        <dd>
          {stored.quietStart
            ? `${stored.quietStart}–${stored.quietEnd} ${stored.timezone} (critical still sent)`
            : "none"}
        </dd>
        <dt>Digest of low and info events</dt>
        <dd>every {stored.digestIntervalMinutes} minutes</dd>
      </dl>
      <p class="muted">
        Maintenance windows of the remediation policy also hold back everything below critical.
      </p>
      {props.manage && (
        <form method="post" class="form" id="settings-form">
          <Hidden name="intent" value="settings" />
          <Field
            name="dedupeWindowMinutes"
            label="Dedupe window (minutes)"
            value={values.dedupeWindowMinutes}
            error={errors.dedupeWindowMinutes}
            inputmode="numeric"
            maxLength={6}
            hint="Identical notifications within it are sent once; 0 turns dedupe off (0-1440)."
          />
          <Field
            name="quietStart"
            label="Quiet hours start (HH:MM)"
            value={values.quietStart}
            error={errors.quietStart}
            maxLength={5}
            placeholder="22:00"
            hint="Below critical, nothing is sent between start and end. Both empty: no quiet hours."
          />
          <Field
            name="quietEnd"
            label="Quiet hours end (HH:MM)"
            value={values.quietEnd}
            error={errors.quietEnd}
            maxLength={5}
            placeholder="07:00"
          />
          <Field
            name="timezone"
            label="Time zone"
            value={values.timezone}
            error={errors.timezone}
            maxLength={64}
            hint="IANA name such as Europe/Berlin, America/New_York or UTC."
          />
          <Field
            name="digestIntervalMinutes"
            label="Digest interval (minutes)"
            value={values.digestIntervalMinutes}
            error={errors.digestIntervalMinutes}
            inputmode="numeric"
            maxLength={6}
            hint="Low and info events are batched into one message per endpoint (5-1440)."
          />
          <SubmitButton label="Save settings" pendingLabel="Saving…" class="button-primary" />
        </form>
      )}
    </section>
  );
}
