import { Field } from "./Field.tsx";
import type { FieldErrors } from "@/lib/ui/forms.ts";

/** The group and tags of a host, as the add-host and settings forms both ask for them. */
export function HostGroupTagFields(
  props: { values: { group?: string; tags?: string }; errors: FieldErrors },
) {
  const { values, errors } = props;
  return (
    <>
      <Field
        name="group"
        label="Group"
        value={values.group}
        error={errors.group}
        hint="Optional, e.g. eu-web."
        maxLength={40}
      />
      <Field
        name="tags"
        label="Tags"
        value={values.tags}
        error={errors.tags}
        hint="Optional, separated by commas or spaces: a-z, 0-9, '.', '_', '-'."
      />
    </>
  );
}
