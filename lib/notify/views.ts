/**
 * JSON shapes of the notification API: deliveries with their attempts, and settings. Payload
 * bodies are left out of the log view (a report's HTML is large); nothing here holds a secret.
 *
 * @module
 */

import type { Delivery, DeliveryAttempt } from "./deliveries.ts";
import type { NotifySettings } from "./settings.ts";

/**
 * A delivery of the log as JSON.
 *
 * @example
 * ```ts
 * return ok({ deliveries: log.map(deliveryJson) });
 * ```
 */
export function deliveryJson(
  d: Delivery & { attemptLog?: DeliveryAttempt[] },
): Record<string, unknown> {
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
    ...(d.attemptLog
      ? {
        attemptLog: d.attemptLog.map((a) => ({
          attempt: a.attempt,
          startedAt: a.startedAt.toISOString(),
          status: a.status,
          responseCode: a.responseCode,
          latencyMs: a.latencyMs,
          error: a.error,
        })),
      }
      : {}),
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
