import type { ComponentChildren } from "preact";

interface BaseProps {
  name: string;
  label: string;
  /** Element id; defaults to `f-<name>` (give one when a page has two forms with a field name). */
  id?: string;
  error?: string;
  hint?: ComponentChildren;
  required?: boolean;
}

function describedBy(id: string, hint: unknown, error: unknown): string | undefined {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean);
  return ids.length ? ids.join(" ") : undefined;
}

function Wrapper(props: BaseProps & { id: string; children: ComponentChildren }) {
  return (
    <div class={props.error ? "field field-invalid" : "field"}>
      <label for={props.id}>{props.label}</label>
      {props.hint && <p id={`${props.id}-hint`} class="field-hint">{props.hint}</p>}
      {props.children}
      {props.error && <p id={`${props.id}-error`} class="field-error">{props.error}</p>}
    </div>
  );
}

/**
 * A labelled input with its hint and error, tied together with `aria-describedby`. Password
 * fields never echo a value.
 */
export function Field(
  props: BaseProps & {
    type?: "text" | "email" | "password" | "search" | "datetime-local";
    value?: string;
    autocomplete?: string;
    inputmode?: "numeric" | "text" | "email";
    maxLength?: number;
    minLength?: number;
    placeholder?: string;
    readOnly?: boolean;
    autofocus?: boolean;
  },
) {
  const id = props.id ?? `f-${props.name}`;
  const type = props.type ?? "text";
  return (
    <Wrapper {...props} id={id}>
      <input
        id={id}
        name={props.name}
        type={type}
        value={type === "password" ? undefined : props.value}
        autocomplete={props.autocomplete}
        inputmode={props.inputmode}
        maxLength={props.maxLength}
        minLength={props.minLength}
        placeholder={props.placeholder}
        required={props.required}
        readOnly={props.readOnly}
        // The first invalid field takes the focus (the first autofocus of a page wins), so a
        // keyboard user lands on what to fix instead of the top of the page.
        autofocus={props.autofocus ?? (props.error ? true : undefined)}
        spellcheck={type === "text" ? undefined : false}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
      />
    </Wrapper>
  );
}

/** A labelled select; `options` are `[value, label]` pairs. */
export function SelectField(
  props: BaseProps & { options: [string, string][]; value?: string },
) {
  const id = props.id ?? `f-${props.name}`;
  return (
    <Wrapper {...props} id={id}>
      <select
        id={id}
        name={props.name}
        required={props.required}
        autofocus={props.error ? true : undefined}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
      >
        {props.options.map(([value, label]) => (
          <option key={value} value={value} selected={value === props.value}>{label}</option>
        ))}
      </select>
    </Wrapper>
  );
}

/**
 * A checkbox sending `on` when ticked, with its label after it and an optional hint tied to it
 * by `aria-describedby`.
 *
 * @example
 * ```tsx
 * <CheckField name="paused" label="Paused" checked={values.paused} hint="Pushes are ignored." />
 * ```
 */
export function CheckField(
  props: { name: string; label: string; checked: boolean; hint?: string; id?: string },
) {
  const id = props.id ?? `f-${props.name}`;
  return (
    <div class="check">
      <input
        type="checkbox"
        id={id}
        name={props.name}
        value="on"
        checked={props.checked}
        aria-describedby={props.hint ? `${id}-hint` : undefined}
      />
      <label for={id}>{props.label}</label>
      {props.hint && <p id={`${id}-hint`} class="field-hint">{props.hint}</p>}
    </div>
  );
}

/** A hidden field (intent, tokens, ids). */
export function Hidden(props: { name: string; value: string }) {
  return <input type="hidden" name={props.name} value={props.value} />;
}
