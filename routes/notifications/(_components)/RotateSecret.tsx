import { ActionForm } from "@/components/ActionForm.tsx";
import { SelectField } from "@/components/Field.tsx";
import { DEFAULT_SECRET_OVERLAP_SECONDS } from "@/lib/notify/endpoint_admin.ts";

/** How long the old secret keeps signing, as offered on the page (the API takes any 0-7 days). */
const OVERLAPS: [string, string][] = [
  [String(DEFAULT_SECRET_OVERLAP_SECONDS), "24 hours (both secrets sign meanwhile)"],
  ["3600", "1 hour"],
  ["604800", "7 days"],
  ["0", "none: the old secret stops now"],
];

/**
 * The rotate form of a webhook endpoint (admins): a new secret, with the old one kept signing for
 * the chosen overlap (default 24 hours) or stopped at once.
 */
export function RotateSecretForm(props: { value?: string; error?: string }) {
  return (
    <ActionForm
      intent="rotate"
      id="rotate-form"
      class="form-inline"
      submit="Rotate secret"
      pending="Rotating…"
    >
      <SelectField
        name="graceSeconds"
        label="Keep the old secret for"
        options={OVERLAPS}
        value={props.value ?? String(DEFAULT_SECRET_OVERLAP_SECONDS)}
        error={props.error}
      />
    </ActionForm>
  );
}
