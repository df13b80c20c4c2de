/**
 * Administrative changes to notification endpoints: create, update, rotate the webhook secret,
 * delete. Input is validated whole first (400 naming the field, nothing stored); each change is
 * one audit entry (`notify.endpoint.<verb>`) whose details never hold a secret or a full URL.
 * A webhook secret appears only in the answer of create and rotate; the secret a rotation
 * replaces is never shown again (it may keep signing during the rotation's overlap).
 *
 * @module
 */

import { ulid } from "ulid";
import { z } from "zod";
import type { AuthState } from "../auth/state.ts";
import { actingOperator, auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import { isUniqueViolation } from "../db/ledger/transaction.ts";
import { HttpError } from "../fresh/errors.ts";
import { validate } from "../http/input.ts";
import type { Services } from "../services.ts";
import {
  endpointOr404,
  getEndpoint,
  type NotifyEndpoint,
  sealForEndpoint,
} from "./endpoint_store.ts";
import { ENDPOINT_KINDS, NOTIFY_EVENT_TYPES, NOTIFY_SEVERITIES } from "./types.ts";
import { checkEndpointUrl, displayUrl } from "./url_policy.ts";
import { newWebhookSecret } from "./webhook_signature.ts";

/** Most addresses one e-mail endpoint may have. */
export const MAX_ENDPOINT_EMAILS = 20;

const Name = z.string().trim().min(1, "give the endpoint a name, e.g. On-call Slack")
  .max(80, "use at most 80 characters");
const Address = z.string().trim().toLowerCase().max(254, "at most 254 characters per address")
  .pipe(z.email("each address must look like ops@example.com"));
/** A list, or one string of addresses separated by commas, semicolons or whitespace (forms). */
const Emails = z.union([
  z.array(z.string()),
  z.string().transform((s) => s.split(/[\s,;]+/).filter((a) => a !== "")),
]).pipe(
  z.array(Address).min(1, "enter at least one address, e.g. oncall@example.com")
    .max(MAX_ENDPOINT_EMAILS, `at most ${MAX_ENDPOINT_EMAILS} addresses`),
).transform((list) => [...new Set(list)]);
const Severity = z.enum(
  NOTIFY_SEVERITIES,
  `choose one of ${NOTIFY_SEVERITIES.join(", ")}`,
);
const EventTypes = z.array(
  z.enum(NOTIFY_EVENT_TYPES, `each event type must be one of ${NOTIFY_EVENT_TYPES.join(", ")}`),
).max(NOTIFY_EVENT_TYPES.length).transform((list) => [...new Set(list)]);
const Url = z.string().max(4000, "use a shorter URL");

/** The body of a create: `url` for webhook/slack/discord, `emails` for email. */
export const EndpointCreateInput = z.strictObject({
  name: Name,
  kind: z.enum(ENDPOINT_KINDS, `choose one of ${ENDPOINT_KINDS.join(", ")}`),
  url: Url.optional(),
  emails: Emails.optional(),
  minSeverity: Severity.default("medium"),
  eventTypes: EventTypes.default([]),
  enabled: z.boolean().default(true),
});

/** How long a rotated-out webhook secret keeps signing by default: 24 hours. */
export const DEFAULT_SECRET_OVERLAP_SECONDS = 86_400;
/** The longest overlap of a rotation: 7 days (as host key grace periods). */
export const MAX_SECRET_OVERLAP_SECONDS = 604_800;

const overlapRange =
  `give whole seconds 0-${MAX_SECRET_OVERLAP_SECONDS} (0: the old secret stops at once, ` +
  `${DEFAULT_SECRET_OVERLAP_SECONDS}: one day)`;

/** The body of a rotation: how long the old secret keeps signing (default one day). */
export const RotateSecretInput = z.strictObject({
  graceSeconds: z.int(overlapRange).min(0, overlapRange).max(
    MAX_SECRET_OVERLAP_SECONDS,
    overlapRange,
  ).default(DEFAULT_SECRET_OVERLAP_SECONDS),
});

/** The body of an update: every member optional; `kind` only to confirm it is unchanged. */
export const EndpointUpdateInput = z.strictObject({
  name: Name.optional(),
  kind: z.enum(ENDPOINT_KINDS).optional(),
  url: Url.optional(),
  emails: Emails.optional(),
  minSeverity: Severity.optional(),
  eventTypes: EventTypes.optional(),
  enabled: z.boolean().optional(),
});

function fieldError(field: string, message: string, code = "invalid_input"): HttpError {
  return new HttpError(400, `${field}: ${message}`, { code, details: { field } });
}

function nameTaken(name: string): HttpError {
  return new HttpError(409, `name: an endpoint called "${name}" exists; choose another name`, {
    code: "name_taken",
    details: { field: "name" },
  });
}

/** What the audit trail may hold about an endpoint: never a secret, never a full URL. */
function auditView(e: NotifyEndpoint): Record<string, unknown> {
  return {
    name: e.name,
    kind: e.kind,
    enabled: e.enabled,
    minSeverity: e.minSeverity,
    eventTypes: e.eventTypes,
    ...(e.kind === "email" ? { emails: e.emails } : { urlDisplay: e.urlDisplay }),
  };
}

/**
 * Creates an endpoint in the acting operator's organization. A webhook endpoint gets a new
 * `whsec_` secret, returned here only.
 *
 * @example
 * ```ts
 * const { endpoint, secret } = await createEndpoint(services, auth, {
 *   name: "Pager", kind: "webhook", url: "https://hooks.example.com/x", minSeverity: "high",
 * }, client);
 * ```
 */
export async function createEndpoint(
  services: Services,
  auth: AuthState,
  input: unknown,
  client: ClientInfo,
): Promise<{ endpoint: NotifyEndpoint; secret: string | null }> {
  const { org, user } = actingOperator(auth);
  const data = validate(EndpointCreateInput, input);
  let url: string | null = null;
  let emails: string[] | null = null;
  if (data.kind === "email") {
    if (data.url !== undefined) throw fieldError("url", "e-mail endpoints take emails, not a URL");
    if (data.emails === undefined) {
      throw fieldError("emails", "enter at least one address, e.g. oncall@example.com");
    }
    emails = data.emails;
  } else {
    if (data.emails !== undefined) {
      throw fieldError("emails", `${data.kind} endpoints take a url, not addresses`);
    }
    if (data.url === undefined || data.url.trim() === "") {
      throw fieldError("url", `enter the ${data.kind} URL, e.g. https://hooks.example.com/x`);
    }
    url = checkEndpointUrl(data.url, { allowPrivate: services.config.notifyAllowPrivateUrls });
  }
  const secret = data.kind === "webhook" ? newWebhookSecret() : null;
  const now = services.clock.now();
  const id = `ne_${ulid(now.getTime())}`;
  try {
    await services.ledger.db.insertInto("notify_endpoints").values({
      id,
      org_id: org.id,
      name: data.name,
      kind: data.kind,
      enabled: data.enabled ? 1 : 0,
      url_sealed: url ? await sealForEndpoint(services, "url", url) : null,
      url_display: url ? displayUrl(url) : null,
      emails: emails ? JSON.stringify(emails) : null,
      secret_sealed: secret ? await sealForEndpoint(services, "secret", secret) : null,
      min_severity: data.minSeverity,
      event_types: JSON.stringify(data.eventTypes),
      created_by: user.id,
      created_at: now,
      updated_at: now,
    }).execute();
  } catch (error) {
    if (isUniqueViolation(error, "name")) throw nameTaken(data.name);
    throw error;
  }
  const endpoint = (await getEndpoint(services.ledger, org.id, id))!;
  await auditOperatorChange(services, client, auth, {
    action: "notify.endpoint.create",
    summary: `notification endpoint "${endpoint.name}" (${endpoint.kind}) created`,
    target: { type: "notify_endpoint", id },
    details: auditView(endpoint),
  });
  return { endpoint, secret };
}

/**
 * Changes an endpoint's name, URL or addresses, routing rules or enabled flag. Unknown or other
 * organizations' ids are a 404.
 *
 * @example
 * ```ts
 * await updateEndpoint(services, auth, endpointId, { enabled: false }, client);
 * ```
 */
export async function updateEndpoint(
  services: Services,
  auth: AuthState,
  endpointId: string,
  input: unknown,
  client: ClientInfo,
): Promise<NotifyEndpoint> {
  const { org } = actingOperator(auth);
  const before = await endpointOr404(services.ledger, org.id, endpointId);
  const data = validate(EndpointUpdateInput, input);
  if (data.kind !== undefined && data.kind !== before.kind) {
    throw fieldError("kind", "an endpoint's kind cannot change; create a new endpoint instead");
  }
  const set: Record<string, unknown> = {};
  if (data.url !== undefined && data.url.trim() !== "") {
    if (before.kind === "email") throw fieldError("url", "e-mail endpoints take emails, not a URL");
    const url = checkEndpointUrl(data.url, {
      allowPrivate: services.config.notifyAllowPrivateUrls,
    });
    set.url_sealed = await sealForEndpoint(services, "url", url);
    set.url_display = displayUrl(url);
  }
  if (data.emails !== undefined) {
    if (before.kind !== "email") {
      throw fieldError("emails", `${before.kind} endpoints take a url, not addresses`);
    }
    set.emails = JSON.stringify(data.emails);
  }
  if (data.name !== undefined) set.name = data.name;
  if (data.minSeverity !== undefined) set.min_severity = data.minSeverity;
  if (data.eventTypes !== undefined) set.event_types = JSON.stringify(data.eventTypes);
  if (data.enabled !== undefined) set.enabled = data.enabled ? 1 : 0;
  if (Object.keys(set).length === 0) {
    throw fieldError(
      "(body)",
      "send at least one of name, url, emails, minSeverity, eventTypes, enabled",
    );
  }
  try {
    await services.ledger.db.updateTable("notify_endpoints")
      .set({ ...set, updated_at: services.clock.now() })
      .where("org_id", "=", org.id).where("id", "=", endpointId).execute();
  } catch (error) {
    if (isUniqueViolation(error, "name")) throw nameTaken(data.name ?? before.name);
    throw error;
  }
  const after = await endpointOr404(services.ledger, org.id, endpointId);
  await auditOperatorChange(services, client, auth, {
    action: "notify.endpoint.update",
    summary: `notification endpoint "${after.name}" updated: ${Object.keys(data).join(", ")}`,
    target: { type: "notify_endpoint", id: endpointId },
    details: {
      before: auditView(before),
      after: auditView(after),
      urlChanged: "url_sealed" in set,
    },
  });
  return after;
}

/**
 * Replaces a webhook endpoint's secret and returns the new one, shown only here. With
 * `graceSeconds` (default {@link DEFAULT_SECRET_OVERLAP_SECONDS}) the replaced secret keeps
 * signing deliveries, after the new one, until then, so receivers can switch without rejecting
 * anything; with 0 it stops at once. Only the secret current at the rotation is kept: rotating
 * again during an overlap drops the older one.
 *
 * @example
 * ```ts
 * const { secret } = await rotateEndpointSecret(services, auth, endpointId, {}, client);
 * await rotateEndpointSecret(services, auth, endpointId, { graceSeconds: 0 }, client); // no overlap
 * ```
 */
export async function rotateEndpointSecret(
  services: Services,
  auth: AuthState,
  endpointId: string,
  input: unknown,
  client: ClientInfo,
): Promise<{ endpoint: NotifyEndpoint; secret: string }> {
  const { org } = actingOperator(auth);
  const endpoint = await endpointOr404(services.ledger, org.id, endpointId);
  const { graceSeconds } = validate(RotateSecretInput, input);
  if (endpoint.kind !== "webhook") {
    throw new HttpError(
      409,
      `Only webhook endpoints have a signing secret; this one is ${endpoint.kind}.`,
      {
        code: "no_secret",
      },
    );
  }
  const secret = newWebhookSecret();
  const sealed = await sealForEndpoint(services, "secret", secret);
  const now = services.clock.now();
  const until = graceSeconds > 0 && endpoint.hasSecret
    ? new Date(now.getTime() + graceSeconds * 1000)
    : null;
  // One statement: the previous secret is the one stored at this moment (already sealed under
  // the same purpose), even if another rotation just happened.
  await services.ledger.db.updateTable("notify_endpoints")
    .set((eb) => ({
      secret_sealed: sealed,
      previous_secret_sealed: until ? eb.ref("secret_sealed") : null,
      previous_secret_until: until,
      updated_at: now,
    }))
    .where("org_id", "=", org.id).where("id", "=", endpointId).execute();
  await auditOperatorChange(services, client, auth, {
    action: "notify.endpoint.rotate_secret",
    summary: `signing secret of notification endpoint "${endpoint.name}" rotated` +
      (until ? `; the old one signs too until ${until.toISOString()}` : "; the old one stopped"),
    target: { type: "notify_endpoint", id: endpointId },
    details: {
      name: endpoint.name,
      graceSeconds: until ? graceSeconds : 0,
      previousSecretUntil: until?.toISOString() ?? null,
    },
  });
  return { endpoint: await endpointOr404(services.ledger, org.id, endpointId), secret };
}

/**
 * Deletes an endpoint with its delivery log. With `confirmName`, it must equal the endpoint's
 * name (the console's typed confirmation).
 *
 * @example
 * ```ts
 * await deleteEndpoint(services, auth, endpointId, client, { confirmName: "Pager" });
 * ```
 */
export async function deleteEndpoint(
  services: Services,
  auth: AuthState,
  endpointId: string,
  client: ClientInfo,
  options: { confirmName?: string } = {},
): Promise<NotifyEndpoint> {
  const { org } = actingOperator(auth);
  const endpoint = await endpointOr404(services.ledger, org.id, endpointId);
  if (options.confirmName !== undefined && options.confirmName.trim() !== endpoint.name) {
    throw fieldError(
      "confirm",
      `type the endpoint's name (${endpoint.name}) to delete it and its delivery log`,
      "confirmation_mismatch",
    );
  }
  await services.ledger.db.deleteFrom("notify_endpoints")
    .where("org_id", "=", org.id).where("id", "=", endpointId).execute();
  await auditOperatorChange(services, client, auth, {
    action: "notify.endpoint.delete",
    summary: `notification endpoint "${endpoint.name}" (${endpoint.kind}) deleted`,
    target: { type: "notify_endpoint", id: endpointId },
    details: auditView(endpoint),
  });
  return endpoint;
}
