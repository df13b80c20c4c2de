import type { ComponentChildren } from "preact";
import type { FieldErrors } from "@/lib/ui/forms.ts";
import { Field, SelectField } from "./Field.tsx";
import { FilterActions } from "./FilterFooter.tsx";

/** What a list page knows about its filters: the values from the query string and their errors. */
export interface FilterState {
  values: Record<string, string>;
  errors: FieldErrors;
}

/**
 * The filter form of a list page: a GET back to the list, its fields, then Filter / Clear (Clear
 * is the list without a query string).
 *
 * @example
 * ```tsx
 * <ListFilterForm action="/breaches">
 *   <ChoiceFilter filters={data} name="state" label="State" options={BREACH_STATES} />
 * </ListFilterForm>
 * ```
 */
export function ListFilterForm(props: { action: string; children: ComponentChildren }) {
  return (
    <form method="get" action={props.action} class="card filters" aria-label="Filters">
      {props.children}
      <FilterActions clearHref={props.action} />
    </form>
  );
}

/**
 * A select filter whose first, empty choice means "no filter". `options` are values shown as
 * they are, or `[value, label]` pairs (hosts, members).
 *
 * @example
 * ```tsx
 * <ChoiceFilter filters={data} name="host" label="Host" options={data.hosts} />
 * <ChoiceFilter filters={data} name="assignee" label="Assignee" anyLabel="Anyone" options={data.members} />
 * ```
 */
export function ChoiceFilter(props: {
  filters: FilterState;
  name: string;
  label: string;
  options: readonly (string | [string, string])[];
  /** The label of the empty choice. */
  anyLabel?: string;
}) {
  const pairs = props.options.map((o): [string, string] => typeof o === "string" ? [o, o] : o);
  return (
    <SelectField
      name={props.name}
      label={props.label}
      value={props.filters.values[props.name]}
      error={props.filters.errors[props.name]}
      options={[["", props.anyLabel ?? "Any"], ...pairs]}
    />
  );
}

/**
 * A free-text filter; `type="search"` for the search box.
 *
 * @example
 * ```tsx
 * <TextFilter filters={data} name="q" label="Search" type="search" hint="Title or code" />
 * ```
 */
export function TextFilter(props: {
  filters: FilterState;
  name: string;
  label: string;
  type?: "search";
  hint?: string;
}) {
  return (
    <Field
      name={props.name}
      label={props.label}
      type={props.type}
      value={props.filters.values[props.name]}
      error={props.filters.errors[props.name]}
      hint={props.hint}
    />
  );
}
