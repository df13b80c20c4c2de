/**
 * The host page's settings form (intent `settings`): its values as stored or as typed, the
 * `editHost` patch they make, and the field errors of a refused edit. Whether a value is allowed
 * is the registry's call (`lib/hosts/host_input.ts`); this only turns form text into JSON types.
 *
 * @module
 */
import type { Host } from "../hosts/host.ts";
import { HEARTBEAT_MINUTES_HINT } from "../hosts/host_input.ts";
import { type FieldErrors, type FormProblem, formProblem } from "./forms.ts";

/** The settings form's field values, as typed (or as stored). */
export interface HostSettingsValues {
  name: string;
  group: string;
  tags: string;
  rolloutPriority: string;
  paused: boolean;
  disabled: boolean;
  ingestMode: string;
  /** Minutes, or empty for the deployment default. */
  heartbeatExpectedMinutes: string;
}

const TEXT_FIELDS = [
  "name",
  "group",
  "tags",
  "rolloutPriority",
  "ingestMode",
  "heartbeatExpectedMinutes",
] as const;

/**
 * The form's values for a stored host.
 *
 * @example
 * ```ts
 * storedSettings(host).heartbeatExpectedMinutes; // "" when the host uses the default
 * ```
 */
export function storedSettings(host: Host): HostSettingsValues {
  return {
    name: host.name,
    group: host.group ?? "",
    tags: host.tags.join(", "),
    rolloutPriority: String(host.rolloutPriority),
    paused: host.paused,
    disabled: host.disabledAt !== null,
    ingestMode: host.ingestMode,
    heartbeatExpectedMinutes: host.heartbeatExpectedMinutes?.toString() ?? "",
  };
}

/**
 * The form's values as typed (each bounded), checkboxes as booleans.
 *
 * @example
 * ```ts
 * typedSettings({ name: "web 1", paused: "on" }).paused; // true
 * ```
 */
export function typedSettings(values: Record<string, string>): HostSettingsValues {
  const text = Object.fromEntries(TEXT_FIELDS.map((f) => [f, (values[f] ?? "").slice(0, 400)]));
  return {
    ...(text as Record<typeof TEXT_FIELDS[number], string>),
    paused: values.paused === "on",
    disabled: values.disabled === "on",
  };
}

/**
 * The `editHost` patch of the form, or the errors of fields whose text is not even a number.
 * An empty interval is `null` (the deployment default); an empty priority is 0.
 *
 * @example
 * ```ts
 * settingsPatch(typedSettings(values)); // { patch: { name, …, heartbeatExpectedMinutes: 60 } }
 * ```
 */
export function settingsPatch(
  v: HostSettingsValues,
): { patch: Record<string, unknown> } | { errors: FieldErrors } {
  const errors: FieldErrors = {};
  const priority = v.rolloutPriority.trim() || "0";
  if (!/^-?\d{1,4}$/.test(priority)) {
    errors.rolloutPriority = "expected an integer from -100 to 100";
  }
  const interval = v.heartbeatExpectedMinutes.trim();
  if (interval !== "" && !/^\d{1,5}$/.test(interval)) {
    errors.heartbeatExpectedMinutes = HEARTBEAT_MINUTES_HINT;
  }
  if (Object.keys(errors).length > 0) return { errors };
  return {
    patch: {
      name: v.name,
      group: v.group.trim() ? v.group : null,
      tags: v.tags.split(/[\s,]+/).filter(Boolean),
      rolloutPriority: Number(priority),
      paused: v.paused,
      heartbeatExpectedMinutes: interval === "" ? null : Number(interval),
      ingestMode: v.ingestMode,
      disabled: v.disabled,
    },
  };
}

/**
 * Every field issue of a refused edit, `tags.3` shown at the tags field.
 *
 * @example
 * ```ts
 * const { problem, errors } = settingsErrors(error); // errors.heartbeatExpectedMinutes …
 * ```
 */
export function settingsErrors(error: unknown): { problem: FormProblem; errors: FieldErrors } {
  const problem = formProblem(error);
  const errors: FieldErrors = {};
  const issues = (error as { details?: { issues?: { field: string; message: string }[] } })
    .details?.issues;
  for (const issue of issues ?? []) errors[issue.field.split(".")[0]] ??= issue.message;
  for (const [field, text] of Object.entries(problem.errors)) {
    errors[field.split(".")[0]] ??= text;
  }
  return { problem, errors };
}
