/**
 * A labelled multi-line text field with its hint and error (the incident forms: summaries,
 * notes, postmortem fields).
 */
export function TextArea(props: {
  name: string;
  label: string;
  id?: string;
  value?: string;
  error?: string;
  hint?: string;
  rows?: number;
  maxLength?: number;
  required?: boolean;
  readOnly?: boolean;
}) {
  const id = props.id ?? `f-${props.name}`;
  const described = [props.hint ? `${id}-hint` : "", props.error ? `${id}-error` : ""]
    .filter(Boolean).join(" ") || undefined;
  return (
    <div class={props.error ? "field field-invalid" : "field"}>
      <label for={id}>{props.label}</label>
      {props.hint && <p id={`${id}-hint`} class="field-hint">{props.hint}</p>}
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 4}
        maxLength={props.maxLength}
        required={props.required}
        readOnly={props.readOnly}
        autofocus={props.error ? true : undefined}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={described}
      >
        {props.value ?? ""}
      </textarea>
      {props.error && <p id={`${id}-error`} class="field-error">{props.error}</p>}
    </div>
  );
}
