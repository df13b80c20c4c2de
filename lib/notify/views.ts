/**
 * JSON shapes of the notification API: deliveries with their attempts, and settings. Payload
 * bodies are left out of the log view (a report's HTML is large); nothing here holds a secret.
 * The console's delivery log renders the same shapes.
 *
 * @module
 */

import type { Delivery, DeliveryAttempt } from "./deliveries.ts";
import type { NotifySettings } from "./settings.ts";

/** One send attempt as JSON: its start as ISO text. */
export type AttemptJson = Omit<DeliveryAttempt, "startedAt"> & { startedAt: string };

/** Delivery fields that JSON carries as ISO text. */
type DateField = "nextAttemptAt" | "createdAt" | "sentAt";

/** A delivery as JSON: dates as ISO text, no payload body; `attemptLog` when it was read. */
export interface DeliveryJson extends
  Omit<
    Delivery,
    "orgId" | "recipient" | "dedupeKey" | "payload" | "claimedAt" | "updatedAt" | DateField
  > {
  nextAttemptAt: string | null;
  createdAt: string;
  sentAt: string | null;
  /** How many events a digest delivery folds together. */
  digestItems?: number;
  attemptLog?: AttemptJson[];
}

function attemptJson(a: DeliveryAttempt): AttemptJson {
  return {
    attempt: a.attempt,
    startedAt: a.startedAt.toISOString(),
    status: a.status,
    responseCode: a.responseCode,
    latencyMs: a.latencyMs,
    error: a.error,
  };
}

/**
 * A delivery of the log as JSON, with its attempts when they were read (the console's delivery
 * log shows the same shape).
 *
 * @example
 * ```ts
 * return ok({ deliveries: log.map(deliveryJson) });
 * ```
 */
export function deliveryJson(
  d: Delivery & { attemptLog: DeliveryAttempt[] },
): DeliveryJson & { attemptLog: AttemptJson[] };
export function deliveryJson(d: Delivery & { attemptLog?: DeliveryAttempt[] }): DeliveryJson;
export function deliveryJson(d: Delivery & { attemptLog?: DeliveryAttempt[] }): DeliveryJson {
  return {
    id: d.id,
    endpointId: d.endpointId,
    kind: d.kind,
    eventType: d.eventType,
    severity: d.severity,
    title: d.title,
    status: d.status,
    reason: d.reason,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt?.toISOString() ?? null,
    lastCode: d.lastCode,
    lastError: d.lastError,
    lastLatencyMs: d.lastLatencyMs,
    digestId: d.digestId,
    createdAt: d.createdAt.toISOString(),
    sentAt: d.sentAt?.toISOString() ?? null,
    ...(d.payload.items ? { digestItems: d.payload.items.length } : {}),
    ...(d.attemptLog ? { attemptLog: d.attemptLog.map(attemptJson) } : {}),
  };
}

/**
 * The settings as JSON.
 *
 * @example
 * ```ts
 * return ok({ settings: settingsJson(await getNotifySettings(services.ledger, org.id)) });
 * ```
 */
export function settingsJson(s: NotifySettings): Record<string, unknown> {
  return {
    dedupeWindowMinutes: s.dedupeWindowMinutes,
    quietHours: s.quietHours,
    timezone: s.timezone,
    digestIntervalMinutes: s.digestIntervalMinutes,
    updatedAt: s.updatedAt?.toISOString() ?? null,
  };
}
