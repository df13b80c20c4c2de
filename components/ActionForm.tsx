import type { ComponentChildren } from "preact";
import type { FieldErrors } from "@/lib/ui/forms.ts";
import { Hidden } from "./Field.tsx";
import SubmitButton from "@/islands/SubmitButton.tsx";

/** Props of {@link ActionForm}. */
export interface ActionFormProps {
  intent: string;
  /** The `<h3>` above the fields; none when omitted. */
  title?: string;
  /** The button's label, and its label while the form is being sent. */
  submit: string;
  pending: string;
  /** The form's classes (default `breach-action`, the cards of side-by-side actions). */
  class?: string;
  buttonClass?: string;
  /** Where the form posts, when not to the page itself. */
  action?: string;
  id?: string;
  /** `data-*` attributes of the form (tests and scripts find forms by them). */
  attrs?: Record<`data-${string}`, string>;
  children?: ComponentChildren;
}

/**
 * A form that posts one `intent` (to the current page unless `action` says otherwise): an
 * optional heading, the hidden intent, the form's fields, and a submit button that shows the form
 * is being sent. Every titled action of the detail pages (breaches, incidents, runs, the
 * remediation policy) takes this shape; one-button actions are `IntentButton`.
 *
 * @example
 * ```tsx
 * <ActionForm intent="note" title="Note" submit="Add note" pending="Adding…">
 *   <TextArea {...refill(failed, "text")} label="Note" />
 * </ActionForm>
 * ```
 */
export function ActionForm(props: ActionFormProps) {
  return (
    <form
      method="post"
      action={props.action}
      class={props.class ?? "breach-action"}
      id={props.id}
      {...props.attrs}
    >
      {props.title && <h3>{props.title}</h3>}
      <Hidden name="intent" value={props.intent} />
      {props.children}
      <SubmitButton label={props.submit} pendingLabel={props.pending} class={props.buttonClass} />
    </form>
  );
}

/** What a failed form brings back: the values typed and an error per field. */
export interface TypedBack {
  values: Record<string, string>;
  errors: FieldErrors;
}

/**
 * A field's `name` with what was typed into it and its error when `failed` is this field's form
 * (pass `undefined` for another form), else `fallback` as the value.
 *
 * @example
 * ```tsx
 * <Field {...refill(failed, "reason")} label="Reason" maxLength={1000} />
 * <SelectField {...refill(failed, "profile", policy.profile)} label="Profile" options={…} />
 * ```
 */
export function refill(
  failed: TypedBack | undefined,
  name: string,
  fallback?: string,
): { name: string; value?: string; error?: string } {
  return { name, value: failed?.values[name] ?? fallback, error: failed?.errors[name] };
}
