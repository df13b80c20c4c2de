/**
 * The reports page's forms: posted values (strings, checkboxes "on") to the inputs of
 * `updateReportSettings` and `sendReportNow`, and their errors back to form fields. Validation
 * itself stays in the domain schemas, so the page and the API say the same things.
 *
 * @module
 */

import { HttpError } from "../fresh/errors.ts";
import type { FieldErrors } from "../ui/forms.ts";

/** Most characters kept of a posted value when a form is shown again. */
const KEEP = 6000;

/**
 * Addresses typed into one field: separated by commas, semicolons, spaces or new lines.
 *
 * @example
 * ```ts
 * splitEmails("a@x.test, b@x.test\nc@x.test"); // ["a@x.test", "b@x.test", "c@x.test"]
 * ```
 */
export function splitEmails(text: string): string[] {
  return text.split(/[\s,;]+/).map((s) => s.trim()).filter((s) => s !== "");
}

function whole(value: string | undefined): number | string | undefined {
  if (value === undefined) return undefined;
  return /^\d{1,3}$/.test(value.trim()) ? Number(value.trim()) : value;
}

/**
 * The settings form's values as a settings change (checkboxes absent = off).
 *
 * @example
 * ```ts
 * settingsFromForm({ enabled: "on", frequency: "daily", weekday: "1", hourUtc: "7", emails: "ops@x.test" });
 * // { enabled: true, frequency: "daily", weekday: 1, hourUtc: 7, emails: ["ops@x.test"], viaEndpoints: false }
 * ```
 */
export function settingsFromForm(values: Record<string, string>): Record<string, unknown> {
  return {
    enabled: values.enabled === "on",
    frequency: values.frequency ?? "",
    weekday: whole(values.weekday) ?? "",
    hourUtc: whole(values.hourUtc) ?? "",
    emails: splitEmails(values.emails ?? ""),
    viaEndpoints: values.viaEndpoints === "on",
  };
}

/**
 * The send-now form's values as a send request: empty addresses and no endpoints = the caller.
 *
 * @example
 * ```ts
 * sendFromForm({ period: "day", emails: "" }); // { period: "day" }
 * ```
 */
export function sendFromForm(values: Record<string, string>): Record<string, unknown> {
  const emails = splitEmails(values.emails ?? "");
  return {
    ...(values.period ? { period: values.period } : {}),
    ...(emails.length > 0 ? { emails } : {}),
    ...(values.viaEndpoints === "on" ? { viaEndpoints: true } : {}),
  };
}

/**
 * The posted values to show again, cut to a sane length.
 *
 * @example
 * ```ts
 * keptFormValues({ emails: "a@x.test", extra: "y" }, ["emails"]); // { emails: "a@x.test" }
 * ```
 */
export function keptFormValues(
  values: Record<string, string>,
  names: readonly string[],
): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, (values[n] ?? "").slice(0, KEEP)]));
}

/**
 * A refused change as form errors: one per field (an address's issue `emails.2` goes to the
 * `emails` field, naming the address), and the message for the notice above the form.
 *
 * @example
 * ```ts
 * const { errors, message, status } = formErrorsOf(error, input);
 * ```
 */
export function formErrorsOf(
  error: unknown,
  input: Record<string, unknown>,
): { status: number; errors: FieldErrors; message: string } {
  if (!(error instanceof HttpError)) throw error;
  const details = (error.details ?? {}) as {
    field?: unknown;
    issues?: { field: string; message: string }[];
  };
  const issues = details.issues ??
    (typeof details.field === "string"
      ? [{ field: details.field, message: error.message.replace(/^[\w.]+: /, "") }]
      : []);
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const [field, index] = issue.field.split(".");
    const list = input[field];
    const value = index !== undefined && Array.isArray(list) ? list[Number(index)] : undefined;
    errors[field] ??= typeof value === "string"
      ? `${JSON.stringify(value.slice(0, 80))}: ${issue.message}`
      : issue.message;
  }
  const message = Object.keys(errors).length > 0 ? "Check the fields marked below." : error.message;
  return { status: error.status, errors, message };
}
