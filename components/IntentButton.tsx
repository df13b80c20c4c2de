import { Hidden } from "./Field.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

/**
 * A one-button form that posts an `intent` (and the ids it acts on) to the current page, the
 * shape every row action and single-step action of the console takes.
 *
 * @example
 * ```tsx
 * <IntentButton intent="remove" fields={{ userId }} label="Remove" danger ariaLabel={`Remove ${email}`} />
 * ```
 */
export function IntentButton(props: {
  intent: string;
  fields?: Record<string, string>;
  label: string;
  /** Shown while the form is being sent (default "Working…"). */
  pendingLabel?: string;
  ariaLabel?: string;
  danger?: boolean;
  primary?: boolean;
  /** Asked before the form is sent (destructive actions); declining cancels it. */
  confirm?: string;
  /** The button's element id, and the form's (tests and scripts find them by these). */
  id?: string;
  formId?: string;
}) {
  const cls = props.danger ? "button-danger" : props.primary ? "button-primary" : undefined;
  return (
    <form method="post" class="form-inline" id={props.formId}>
      <Hidden name="intent" value={props.intent} />
      {Object.entries(props.fields ?? {}).map(([name, value]) => (
        <Hidden key={name} name={name} value={value} />
      ))}
      <SubmitButton
        id={props.id}
        class={cls}
        label={props.label}
        pendingLabel={props.pendingLabel ?? "Working…"}
        ariaLabel={props.ariaLabel}
        confirm={props.confirm}
      />
    </form>
  );
}
