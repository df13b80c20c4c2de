import { Field } from "./Field.tsx";
import type { FieldErrors } from "@/lib/ui/forms.ts";
import SubmitButton from "@/islands/SubmitButton.tsx";

/**
 * The Filter / Clear actions that end every filter form; Clear goes back to the unfiltered list.
 *
 * @example
 * ```tsx
 * <FilterActions clearHref="/breaches" />
 * ```
 */
export function FilterActions(props: { clearHref: string }) {
  return (
    <div class="filter-actions">
      <SubmitButton class="button-primary" label="Filter" pendingLabel="Filtering…" />
      <a href={props.clearHref}>Clear</a>
    </div>
  );
}

/**
 * A UTC time range filter. `untilHint` says whether the end is exclusive (audit) or inclusive
 * (timeline), as the queries differ.
 */
export function TimeRange(props: {
  values: { from?: string; to?: string };
  errors: FieldErrors;
  untilHint: string;
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
    </>
  );
}

/** The end of a filter form: a UTC time range and the Filter / Clear actions. */
export function TimeRangeAndActions(props: {
  values: { from?: string; to?: string };
  errors: FieldErrors;
  untilHint: string;
  clearHref: string;
}) {
  return (
    <>
      <TimeRange values={props.values} errors={props.errors} untilHint={props.untilHint} />
      <FilterActions clearHref={props.clearHref} />
    </>
  );
}
