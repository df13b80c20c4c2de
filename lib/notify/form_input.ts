/**
 * The console's notification forms as typed values and as domain input: checkboxes
 * (`event.<type>`, `enabled`), a textarea of addresses, quiet hours as two optional times.
 * Validation stays in the domain (`endpoint_admin.ts`, `settings.ts`), so a form error names
 * the same field as the API would.
 *
 * @module
 */

import type { NotifyEndpoint } from "./endpoint_store.ts";
import type { NotifySettings } from "./settings.ts";
import { type EndpointKind, NOTIFY_EVENT_TYPES } from "./types.ts";

/** An endpoint form as typed (or as stored, for the edit form). */
export interface EndpointFormValues {
  name: string;
  url: string;
  emails: string;
  minSeverity: string;
  eventTypes: string[];
  enabled: boolean;
}

/** A settings form as typed. */
export interface SettingsFormValues {
  dedupeWindowMinutes: string;
  quietStart: string;
  quietEnd: string;
  timezone: string;
  digestIntervalMinutes: string;
}

const text = (values: Record<string, string>, key: string, max: number) =>
  (values[key] ?? "").slice(0, max);

/**
 * The typed values of a posted endpoint form.
 *
 * @example
 * ```ts
 * endpointFormValues({ name: "Pager", "event.report": "on", enabled: "on" }).eventTypes; // ["report"]
 * ```
 */
export function endpointFormValues(values: Record<string, string>): EndpointFormValues {
  return {
    name: text(values, "name", 200),
    url: text(values, "url", 4000),
    emails: text(values, "emails", 6000),
    minSeverity: text(values, "minSeverity", 20),
    eventTypes: NOTIFY_EVENT_TYPES.filter((t) => values[`event.${t}`] === "on"),
    enabled: values.enabled === "on",
  };
}

/**
 * The form values of a stored endpoint (the URL is never put back into a form).
 *
 * @example
 * ```ts
 * const form = storedEndpointValues(endpoint);
 * ```
 */
export function storedEndpointValues(e: NotifyEndpoint): EndpointFormValues {
  return {
    name: e.name,
    url: "",
    emails: e.emails.join("\n"),
    minSeverity: e.minSeverity,
    eventTypes: e.eventTypes,
    enabled: e.enabled,
  };
}

/**
 * The domain input of an endpoint form: a create (`kind` given) or an update (an empty URL
 * keeps the stored one).
 *
 * @example
 * ```ts
 * await createEndpoint(services, auth, endpointInput(form, "slack"), client);
 * ```
 */
export function endpointInput(
  form: EndpointFormValues,
  kind: EndpointKind,
  mode: "create" | "update",
): Record<string, unknown> {
  const input: Record<string, unknown> = {
    name: form.name,
    minSeverity: form.minSeverity || "medium",
    eventTypes: form.eventTypes,
    enabled: form.enabled,
  };
  if (mode === "create") input.kind = kind;
  if (kind === "email") input.emails = form.emails;
  else if (mode === "create" || form.url.trim() !== "") input.url = form.url;
  return input;
}

/**
 * The form values of stored settings.
 *
 * @example
 * ```ts
 * const form = storedSettingsValues(await getNotifySettings(services.ledger, org.id));
 * ```
 */
export function storedSettingsValues(s: NotifySettings): SettingsFormValues {
  return {
    dedupeWindowMinutes: String(s.dedupeWindowMinutes),
    quietStart: s.quietHours?.start ?? "",
    quietEnd: s.quietHours?.end ?? "",
    timezone: s.timezone,
    digestIntervalMinutes: String(s.digestIntervalMinutes),
  };
}

/**
 * The typed values of a posted settings form.
 *
 * @example
 * ```ts
 * const typed = settingsFormValues(values);
 * ```
 */
export function settingsFormValues(values: Record<string, string>): SettingsFormValues {
  return {
    dedupeWindowMinutes: text(values, "dedupeWindowMinutes", 10).trim(),
    quietStart: text(values, "quietStart", 10).trim(),
    quietEnd: text(values, "quietEnd", 10).trim(),
    timezone: text(values, "timezone", 64).trim(),
    digestIntervalMinutes: text(values, "digestIntervalMinutes", 10).trim(),
  };
}

const wholeNumber = (v: string) => /^\d{1,6}$/.test(v) ? Number(v) : v === "" ? undefined : v;

/**
 * The domain input of a settings form: numbers parsed (anything else is passed on, so the
 * domain names the field), quiet hours set when both times are given, removed when both empty.
 *
 * @example
 * ```ts
 * await updateNotifySettings(services, auth, settingsInput(typed), client);
 * ```
 */
export function settingsInput(form: SettingsFormValues): Record<string, unknown> {
  const input: Record<string, unknown> = {
    dedupeWindowMinutes: wholeNumber(form.dedupeWindowMinutes),
    digestIntervalMinutes: wholeNumber(form.digestIntervalMinutes),
    timezone: form.timezone || undefined,
  };
  if (form.quietStart === "" && form.quietEnd === "") input.quietHours = null;
  else input.quietHours = { start: form.quietStart, end: form.quietEnd };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}
