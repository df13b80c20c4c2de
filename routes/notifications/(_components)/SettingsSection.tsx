import { ActionForm, refill } from "@/components/ActionForm.tsx";
import { Field } from "@/components/Field.tsx";
import { SectionCard } from "@/components/SectionCard.tsx";
import type { FieldErrors } from "@/lib/ui/forms.ts";
import type { SettingsFormValues } from "@/lib/notify/form_input.ts";

/** The organization's notification settings: facts for ops, a form for admins. */
export function SettingsSection(
  props: {
    values: SettingsFormValues;
    stored: SettingsFormValues;
    errors: FieldErrors;
    manage: boolean;
  },
) {
  const { stored } = props;
  // A plain copy of the typed values: `refill` reads them by field name.
  const form = { values: { ...props.values }, errors: props.errors };
  return (
    <SectionCard name="settings" title="Delivery settings" class="narrow">
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
        <ActionForm
          intent="settings"
          id="settings-form"
          class="form"
          submit="Save settings"
          pending="Saving…"
          buttonClass="button-primary"
        >
          <Field
            {...refill(form, "dedupeWindowMinutes")}
            label="Dedupe window (minutes)"
            inputmode="numeric"
            maxLength={6}
            hint="Identical notifications within it are sent once; 0 turns dedupe off (0-1440)."
          />
          <Field
            {...refill(form, "quietStart")}
            label="Quiet hours start (HH:MM)"
            maxLength={5}
            placeholder="22:00"
            hint="Below critical, nothing is sent between start and end. Both empty: no quiet hours."
          />
          <Field
            {...refill(form, "quietEnd")}
            label="Quiet hours end (HH:MM)"
            maxLength={5}
            placeholder="07:00"
          />
          <Field
            {...refill(form, "timezone")}
            label="Time zone"
            maxLength={64}
            hint="IANA name such as Europe/Berlin, America/New_York or UTC."
          />
          <Field
            {...refill(form, "digestIntervalMinutes")}
            label="Digest interval (minutes)"
            inputmode="numeric"
            maxLength={6}
            hint="Low and info events are batched into one message per endpoint (5-1440)."
          />
        </ActionForm>
      )}
    </SectionCard>
  );
}
