import { Field } from "./Field.tsx";
import type { FieldErrors } from "@/lib/ui/forms.ts";

/**
 * The end of a filter form: a UTC time range and the Filter / Clear actions. `untilHint` says
 * whether the end is exclusive (audit) or inclusive (timeline), as the queries differ.
 */
export function TimeRangeAndActions(props: {
  values: { from?: string; to?: string };
  errors: FieldErrors;
  untilHint: string;
  clearHref: string;
}) {
  const { values, errors } = props;
  return (
    <>
      <Field
        name="from"
        label="From"
        value={values.from}
        error={errors.from}
        hint="UTC, e.g. 2026-11-25"
      />
      <Field name="to" label="Until" value={values.to} error={errors.to} hint={props.untilHint} />
      <div class="filter-actions">
        <button type="submit" class="button-primary">Filter</button>
        <a href={props.clearHref}>Clear</a>
      </div>
    </>
  );
}
