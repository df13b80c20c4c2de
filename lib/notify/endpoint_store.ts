/**
 * Notification endpoints in the ledger (`notify_endpoints`): rows to one domain shape, reads
 * scoped to an organization, and the sealed columns. URLs (Slack and Discord URLs are
 * credentials) and webhook secrets are sealed with AES-GCM under keys derived from the app
 * secret (`lib/auth/keys.ts`); only {@link openEndpointTarget} opens them, for a send.
 *
 * A rotated webhook secret may keep the previous one until `previous_secret_until` (the
 * overlap, `endpoint_admin.ts`): {@link openEndpointTarget} opens it only before that time, and
 * clears it from the row once it has passed.
 *
 * @module
 */

import { openString, sealString } from "../auth/keys.ts";
import { appSecretOf } from "../auth/secret.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";
import type { NotifyEndpointsTable } from "../db/ledger/schema.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Services } from "../services.ts";
import type { EndpointKind, NotifyEventType, NotifySeverity } from "./types.ts";

/** Seal purpose of endpoint URLs. */
export const URL_SEAL_PURPOSE = "notify-endpoint-url";
/** Seal purpose of webhook secrets. */
export const SECRET_SEAL_PURPOSE = "notify-webhook-secret";

/** An endpoint as everyone may see it: no URL beyond its display form, never the secret. */
export interface NotifyEndpoint {
  id: string;
  orgId: string;
  name: string;
  kind: EndpointKind;
  enabled: boolean;
  minSeverity: NotifySeverity;
  /** Routed event types; empty: every type. */
  eventTypes: NotifyEventType[];
  /** Addresses of an e-mail endpoint; empty for the others. */
  emails: string[];
  /** Scheme, host and first path segment of the URL (`lib/notify/url_policy.ts`). */
  urlDisplay: string | null;
  /** Whether a signing secret is set (webhook endpoints). */
  hasSecret: boolean;
  /**
   * Until when the secret before the last rotation also signs deliveries; null when there is
   * none. A past time means the overlap has ended (the secret is cleared at the next send).
   */
  previousSecretUntil: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An endpoint with its URL and secrets opened: only for sending, never for a response. */
export interface EndpointTarget extends NotifyEndpoint {
  url: string | null;
  secret: string | null;
  /** The previous secret while its overlap lasts, else null. */
  previousSecret: string | null;
}

type Row =
  & Pick<
    NotifyEndpointsTable,
    | "id"
    | "org_id"
    | "name"
    | "kind"
    | "enabled"
    | "url_sealed"
    | "url_display"
    | "emails"
    | "secret_sealed"
    | "previous_secret_sealed"
    | "min_severity"
    | "event_types"
    | "created_by"
  >
  & {
    created_at: Date | string;
    updated_at: Date | string;
    previous_secret_until: Date | string | null;
  };

function fromRow(row: Row): NotifyEndpoint {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    kind: row.kind,
    enabled: Number(row.enabled) === 1,
    minSeverity: row.min_severity as NotifySeverity,
    eventTypes: JSON.parse(row.event_types) as NotifyEventType[],
    emails: row.emails ? JSON.parse(row.emails) as string[] : [],
    urlDisplay: row.url_display,
    hasSecret: row.secret_sealed !== null,
    previousSecretUntil: row.previous_secret_sealed === null
      ? null
      : toDateOrNull(row.previous_secret_until),
    createdBy: row.created_by,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/**
 * The organization's endpoints, by name (unique within the organization). Without `page` every
 * endpoint (what sending needs); with it at most `page.limit`, only those named after
 * `page.after`.
 *
 * @example
 * ```ts
 * const endpoints = await listEndpoints(services.ledger, org.id);
 * const next = await listEndpoints(services.ledger, org.id, { limit: 50, after: last.name });
 * ```
 */
export async function listEndpoints(
  tx: LedgerTx,
  orgId: string,
  page?: { limit: number; after?: string },
): Promise<NotifyEndpoint[]> {
  if (page !== undefined && (!Number.isInteger(page.limit) || page.limit < 1)) {
    throw new HttpError(400, `limit: expected a positive integer, got ${page.limit}`, {
      code: "invalid_input",
      details: { field: "limit" },
    });
  }
  const after = page?.after;
  let query = tx.db.selectFrom("notify_endpoints").selectAll().where("org_id", "=", orgId);
  if (after !== undefined) query = query.where("name", ">", after);
  query = query.orderBy("name").orderBy("id");
  const rows = await (page ? query.limit(page.limit) : query).execute();
  return rows.map(fromRow);
}

/**
 * One endpoint of the organization, or null (another organization's endpoint is null too).
 *
 * @example
 * ```ts
 * const endpoint = await getEndpoint(services.ledger, org.id, "ne_01JDX…");
 * ```
 */
export async function getEndpoint(
  tx: LedgerTx,
  orgId: string,
  id: string,
): Promise<NotifyEndpoint | null> {
  const row = await tx.db.selectFrom("notify_endpoints").selectAll()
    .where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
  return row ? fromRow(row) : null;
}

/**
 * One endpoint of the organization; 404 otherwise, so another organization's ids reveal nothing.
 *
 * @example
 * ```ts
 * const endpoint = await endpointOr404(services.ledger, org.id, ctx.params.endpointId);
 * ```
 */
export async function endpointOr404(
  tx: LedgerTx,
  orgId: string,
  id: string,
): Promise<NotifyEndpoint> {
  const endpoint = id.length <= 64 ? await getEndpoint(tx, orgId, id) : null;
  if (!endpoint) throw noSuchEndpoint();
  return endpoint;
}

/**
 * The 404 of an unknown endpoint id (or another organization's), for callers that read the
 * endpoint their own way.
 *
 * @example
 * ```ts
 * const target = await openEndpointTarget(services, org.id, id);
 * if (!target) throw noSuchEndpoint();
 * ```
 */
export function noSuchEndpoint(): HttpError {
  return new HttpError(404, "No such notification endpoint; check the id in the list.", {
    code: "not_found",
  });
}

/**
 * An endpoint of the organization with URL and secrets opened for a send; null when it no
 * longer exists or belongs to another organization (a delivery never opens another org's
 * secrets, whatever its row says). The previous secret is opened only while its overlap lasts; once it has ended it is cleared from
 * the row (a conditional update, so a rotation meanwhile is never undone).
 *
 * @example
 * ```ts
 * const target = await openEndpointTarget(services, delivery.orgId, delivery.endpointId);
 * const secrets = [target.secret, target.previousSecret]; // newest first
 * ```
 */
export async function openEndpointTarget(
  services: Pick<Services, "ledger" | "config" | "clock">,
  orgId: string,
  id: string,
): Promise<EndpointTarget | null> {
  const row = await services.ledger.db.selectFrom("notify_endpoints").selectAll()
    .where("org_id", "=", orgId).where("id", "=", id).executeTakeFirst();
  if (!row) return null;
  const endpoint = fromRow(row);
  const now = services.clock.now();
  const overlapping = endpoint.previousSecretUntil !== null && endpoint.previousSecretUntil > now;
  if (endpoint.previousSecretUntil !== null && !overlapping) {
    await services.ledger.db.updateTable("notify_endpoints")
      .set({ previous_secret_sealed: null, previous_secret_until: null })
      .where("id", "=", id).where("previous_secret_until", "<=", now).execute();
  }
  const secret = appSecretOf(services.config);
  const open = (sealed: string | null) =>
    sealed ? openString(secret, SECRET_SEAL_PURPOSE, sealed) : Promise.resolve(null);
  return {
    ...endpoint,
    previousSecretUntil: overlapping ? endpoint.previousSecretUntil : null,
    url: row.url_sealed ? await openString(secret, URL_SEAL_PURPOSE, row.url_sealed) : null,
    secret: await open(row.secret_sealed),
    previousSecret: overlapping ? await open(row.previous_secret_sealed) : null,
  };
}

/**
 * Seals a value for one of the endpoint columns.
 *
 * @example
 * ```ts
 * const urlSealed = await sealForEndpoint(services, "url", "https://hooks.slack.com/…");
 * ```
 */
export function sealForEndpoint(
  services: Pick<Services, "config">,
  what: "url" | "secret",
  value: string,
): Promise<string> {
  return sealString(
    appSecretOf(services.config),
    what === "url" ? URL_SEAL_PURPOSE : SECRET_SEAL_PURPOSE,
    value,
  );
}

/**
 * The JSON shape of an endpoint in API answers (no URL beyond its display form, no secret).
 *
 * @example
 * ```ts
 * return ok({ endpoints: endpoints.map(endpointJson) });
 * ```
 */
export function endpointJson(e: NotifyEndpoint): Record<string, unknown> {
  return {
    id: e.id,
    name: e.name,
    kind: e.kind,
    enabled: e.enabled,
    minSeverity: e.minSeverity,
    eventTypes: e.eventTypes,
    emails: e.emails,
    urlDisplay: e.urlDisplay,
    hasSecret: e.hasSecret,
    previousSecretUntil: e.previousSecretUntil?.toISOString() ?? null,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}
