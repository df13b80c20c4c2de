import { Field, Hidden } from "./Field.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

/**
 * The second sign-in step: the pending-sign-in token travels in a hidden field (never the
 * password), the code is a TOTP code or a recovery code. Posts to `/sign-in`.
 */
export function MfaForm(props: { mfaToken: string; next: string; error?: string }) {
  return (
    <form method="post" action="/sign-in" class="form">
      <Hidden name="intent" value="mfa" />
      <Hidden name="mfaToken" value={props.mfaToken} />
      <Hidden name="next" value={props.next} />
      <Field
        name="code"
        label="Authentication code"
        error={props.error}
        autocomplete="one-time-code"
        hint="The 6-digit code from your authenticator app, or one of your recovery codes."
        maxLength={20}
        autofocus
        required
      />
      <SubmitButton class="button-primary" label="Verify" pendingLabel="Verifying…" />
    </form>
  );
}
