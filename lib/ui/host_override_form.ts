/**
 * The per-host override form of `/remediation/overrides`: its fields, and form values to the
 * override object `changeHostOverride` stores (blank = inherit from the organization's profile).
 *
 * @module
 */
import type { FieldErrors } from "./forms.ts";
import type { HostGuardOverride } from "../remediation/profiles.ts";

/** The whole-number knobs the form offers: form field name, label, unit, override path. */
export const OVERRIDE_NUMBER_FIELDS = [
  { name: "cooldownSec", label: "Cooldown per action", unit: "s" },
  { name: "maxExecutesPerHostPerHour", label: "Executes per hour", unit: "" },
  { name: "maxQueuedPerHost", label: "Queued jobs", unit: "" },
  { name: "queueTtlMin", label: "Queue TTL", unit: "min" },
  { name: "dryRunMaxAgeMin", label: "Dry-run valid for", unit: "min" },
  { name: "retryAttempts", label: "Delivery attempts", unit: "" },
] as const;

/** The store's field paths (`overrides.…`) as the form's field names. */
export const OVERRIDE_FIELD_MAP: Record<string, string> = {
  ...Object.fromEntries(OVERRIDE_NUMBER_FIELDS.map((f) => [`overrides.${f.name}`, f.name])),
  "overrides.retry.attempts": "retryAttempts",
  "overrides.profile": "profile",
  "overrides.approvalThreshold": "approvalThreshold",
  overrides: "host",
  hostId: "host",
};

/**
 * Form values to an override: blank fields are left out (inherited), whole numbers become
 * numbers; anything else is an error naming its field. `{}` means "no overrides".
 *
 * @example
 * ```ts
 * overrideFromForm({ cooldownSec: "60", retryAttempts: "", profile: "" });
 * // { ok: true, overrides: { cooldownSec: 60 } }
 * ```
 */
export function overrideFromForm(
  values: Record<string, string>,
): { ok: true; overrides: Record<string, unknown> } | { ok: false; errors: FieldErrors } {
  const overrides: Record<string, unknown> = {};
  const errors: FieldErrors = {};
  for (const { name } of OVERRIDE_NUMBER_FIELDS) {
    const text = (values[name] ?? "").trim();
    if (text === "") continue;
    if (!/^\d{1,9}$/.test(text)) {
      errors[name] = "give a whole number, or leave it empty to inherit";
      continue;
    }
    if (name === "retryAttempts") overrides.retry = { attempts: Number(text) };
    else overrides[name] = Number(text);
  }
  for (const name of ["profile", "approvalThreshold"]) {
    const text = (values[name] ?? "").trim();
    if (text !== "") overrides[name] = text;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, overrides };
}

/**
 * A stored override as the form's values (to edit it).
 *
 * @example
 * ```ts
 * overrideFormValues({ cooldownSec: 60, retry: { attempts: 1 } });
 * // { cooldownSec: "60", retryAttempts: "1" }
 * ```
 */
export function overrideFormValues(overrides: HostGuardOverride): Record<string, string> {
  const values: Record<string, string> = {};
  for (const { name } of OVERRIDE_NUMBER_FIELDS) {
    const value = name === "retryAttempts"
      ? overrides.retry?.attempts
      : overrides[name as keyof HostGuardOverride];
    if (value !== undefined) values[name] = String(value);
  }
  if (overrides.profile) values.profile = overrides.profile;
  if (overrides.approvalThreshold) values.approvalThreshold = overrides.approvalThreshold;
  return values;
}

/**
 * An override in words, for the list: "profile strict · cooldown 60 s · …".
 *
 * @example
 * ```ts
 * describeOverride({ cooldownSec: 60 }); // "Cooldown per action 60 s"
 * ```
 */
export function describeOverride(overrides: HostGuardOverride): string {
  const values = overrideFormValues(overrides);
  const parts: string[] = [];
  if (values.profile) parts.push(`profile ${values.profile}`);
  if (values.approvalThreshold) parts.push(`approval from ${values.approvalThreshold}`);
  for (const f of OVERRIDE_NUMBER_FIELDS) {
    if (values[f.name]) parts.push(`${f.label} ${values[f.name]}${f.unit ? ` ${f.unit}` : ""}`);
  }
  // The retry backoff is set only through the API; the form shows the attempts.
  const { baseSec, maxSec } = overrides.retry ?? {};
  if (baseSec !== undefined) parts.push(`retry backoff from ${baseSec} s`);
  if (maxSec !== undefined) parts.push(`retry backoff at most ${maxSec} s`);
  // Knobs set through the API that the form does not offer.
  const shown = new Set<string>([...OVERRIDE_NUMBER_FIELDS.map((f) => f.name), "retry"]);
  for (const [key, value] of Object.entries(overrides)) {
    if (!shown.has(key) && key !== "profile" && key !== "approvalThreshold") {
      parts.push(`${key} ${JSON.stringify(value)}`);
    }
  }
  return parts.join(" · ") || "none";
}

/**
 * The override to store when the form is saved: the form's values, plus whatever the stored
 * override sets that the form does not offer (set through the API), so saving the form never
 * drops those. `{}` means "no overrides".
 *
 * @example
 * ```ts
 * mergeFormOverride({ maxSteps: 10, cooldownSec: 30 }, { cooldownSec: 60 });
 * // { maxSteps: 10, cooldownSec: 60 }
 * ```
 */
export function mergeFormOverride(
  stored: HostGuardOverride | null,
  fromForm: Record<string, unknown>,
): Record<string, unknown> {
  const formNames = new Set<string>([
    ...OVERRIDE_NUMBER_FIELDS.map((f) => f.name),
    "profile",
    "approvalThreshold",
    "retry",
  ]);
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored ?? {})) {
    if (!formNames.has(key)) kept[key] = value;
  }
  // The form sets only the attempts of `retry`; its backoff stays as stored.
  const { attempts: _attempts, ...backoff } = stored?.retry ?? {};
  const formRetry = fromForm.retry as { attempts: number } | undefined;
  const retry = { ...backoff, ...formRetry };
  return { ...kept, ...fromForm, ...(Object.keys(retry).length > 0 ? { retry } : {}) };
}
