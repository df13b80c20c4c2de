import type { FieldErrors } from "@/lib/ui/forms.ts";

/** A form of the incident page that failed, with what was typed and the errors. */
export interface FailedForm {
  form: string;
  values: Record<string, string>;
  errors: FieldErrors;
}

/** The failed form when it is `form`. */
export function failedOf(failed: FailedForm | undefined, form: string): FailedForm | undefined {
  return failed?.form === form ? failed : undefined;
}
