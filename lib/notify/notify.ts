/**
 * The public API other features call to notify an organization: {@link notify}.
 *
 * Per event: resolve the targets (the org's enabled endpoints whose routing rules match, or
 * the explicit `targets`), drop it when an identical notification went out within the org's
 * dedupe window, suppress everything below critical during quiet hours and maintenance windows,
 * batch low and info events per endpoint into the digest, and create one delivery row per target
 * plus a `notify.deliver` queue message. Sending happens in the queue consumer
 * (`pipeline.ts`), never here.
 *
 * Routing rules: an endpoint matches when its event types are empty (every type) or include the
 * event's type, and the event's severity is at least the endpoint's minimum. Reports are opt-in:
 * an endpoint receives `report` only when its event types name it, whatever its minimum.
 *
 * @module
 */

import { z } from "zod";
import { notifyDedupeKey } from "../db/kv.ts";
import { validate } from "../http/input.ts";
import { getOrgPolicy } from "../remediation/policy_store.ts";
import type { Services } from "../services.ts";
import { type NewDelivery, newDeliveryId } from "./deliveries.ts";
import { scheduleDigestFlush } from "./digest.ts";
import { listEndpoints, type NotifyEndpoint } from "./endpoint_store.ts";
import { enqueueDeliver } from "./queue_messages.ts";
import { getNotifySettings, inQuietHours } from "./settings.ts";
import {
  DIGEST_SEVERITIES,
  NOTIFY_EVENT_TYPES,
  NOTIFY_SEVERITIES,
  type NotifyEventType,
  type NotifySeverity,
  severityAtLeast,
} from "./types.ts";

/** One notification, as features describe it. */
export interface NotificationEvent {
  orgId: string;
  type: NotifyEventType;
  severity: NotifySeverity;
  title: string;
  summary: string;
  /** Console link (absolute URL built from config.appUrl by the caller or you). */
  url?: string;
  /** Same key within the dedupe window → sent once (e.g. `incident:<id>:escalated:2`). */
  dedupeKey?: string;
  data?: Record<string, unknown>;
  /**
   * Explicit targets (escalation levels): these endpoints and/or e-mail addresses, bypassing
   * routing rules (but not quiet hours for non-critical).
   */
  targets?: { endpointIds?: string[]; emails?: string[] };
  /** For reports: an HTML + text body to send instead of the default rendering. */
  body?: { html: string; text: string };
}

/** What {@link notify} did: delivery ids queued or batched, delivery ids suppressed. */
export interface NotifyResult {
  /** Deliveries that will be sent (queued now, or batched for the endpoint's digest). */
  deliveries: string[];
  /** Deliveries recorded but not sent: quiet hours or a maintenance window. */
  suppressed: string[];
  /** True when an identical notification went out within the dedupe window: nothing created. */
  deduped: boolean;
}

/** Largest `data` object, as JSON. */
const MAX_DATA_BYTES = 64 * 1024;

const EventInput = z.object({
  orgId: z.string().min(1).max(64),
  type: z.enum(NOTIFY_EVENT_TYPES),
  severity: z.enum(NOTIFY_SEVERITIES),
  title: z.string().trim().min(1).max(300),
  summary: z.string().max(20_000),
  url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
  dedupeKey: z.string().min(1).max(500).optional(),
  data: z.record(z.string(), z.unknown()).refine(
    (d) => JSON.stringify(d).length <= MAX_DATA_BYTES,
    `data must be at most ${MAX_DATA_BYTES} bytes of JSON`,
  ).optional(),
  targets: z.object({
    endpointIds: z.array(z.string().min(1).max(64)).max(50).optional(),
    emails: z.array(z.string().trim().toLowerCase().pipe(z.email())).max(50).optional(),
  }).optional(),
  body: z.object({ html: z.string().max(2_000_000), text: z.string().max(2_000_000) }).optional(),
});

/** True when `endpoint`'s routing rules take `event`. */
export function routes(
  endpoint: Pick<NotifyEndpoint, "enabled" | "eventTypes" | "minSeverity">,
  event: Pick<NotificationEvent, "type" | "severity">,
): boolean {
  if (!endpoint.enabled) return false;
  if (event.type === "report") return endpoint.eventTypes.includes("report");
  return (endpoint.eventTypes.length === 0 || endpoint.eventTypes.includes(event.type)) &&
    severityAtLeast(event.severity, endpoint.minSeverity);
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return new Uint8Array(digest).toHex();
}

/** Claims the dedupe marker; false when an identical notification is within the window. */
async function claimDedupe(
  services: Pick<Services, "kv">,
  event: z.output<typeof EventInput>,
  nowMs: number,
  windowMs: number,
): Promise<{ claimed: boolean; release: () => Promise<void> }> {
  const keyText = event.dedupeKey ??
    JSON.stringify([event.type, event.severity, event.title, event.summary, event.targets ?? {}]);
  const key = notifyDedupeKey(event.orgId, await sha256Hex(keyText));
  const release = async () => await services.kv.delete(key);
  const current = await services.kv.get<{ until: number }>(key);
  if (current.value && current.value.until > nowMs) return { claimed: false, release };
  const commit = await services.kv.atomic().check(current)
    .set(key, { until: nowMs + windowMs }, { expireIn: windowMs + 60_000 }).commit();
  return { claimed: commit.ok, release };
}

function activeMaintenance(
  windows: { startsAt: string; endsAt: string }[],
  now: Date,
): boolean {
  const t = now.getTime();
  return windows.some((w) => Date.parse(w.startsAt) <= t && t < Date.parse(w.endsAt));
}

/**
 * Routes one notification and queues its deliveries (see the module comment). Throws a 400
 * naming the field for a malformed event (a caller's bug).
 *
 * @example
 * ```ts
 * const { deliveries, deduped } = await notify(services, {
 *   orgId: incident.orgId,
 *   type: "incident.escalated",
 *   severity: "critical",
 *   title: `Incident escalated: ${incident.title}`,
 *   summary: "No acknowledgement within 5 minutes; paging level 2.",
 *   url: new URL(`/incidents/${incident.id}`, services.config.appUrl).href,
 *   dedupeKey: `incident:${incident.id}:escalated:2`,
 *   targets: { endpointIds: level.endpointIds, emails: level.emails },
 * });
 * ```
 */
export async function notify(services: Services, event: NotificationEvent): Promise<NotifyResult> {
  const input = validate(EventInput, event);
  const now = services.clock.now();
  const settings = await getNotifySettings(services.ledger, input.orgId);
  const endpoints = (await listEndpoints(services.ledger, input.orgId)).filter((e) => e.enabled);
  const explicit = input.targets !== undefined;
  const chosen = explicit
    ? endpoints.filter((e) => input.targets?.endpointIds?.includes(e.id))
    : endpoints.filter((e) => routes(e, input));
  const emails = explicit ? [...new Set(input.targets?.emails ?? [])] : [];
  const skipped = (input.targets?.endpointIds ?? []).filter((id) =>
    !chosen.some((e) => e.id === id)
  );
  if (skipped.length > 0) {
    services.log.warn("notification targets skipped: unknown, disabled or another organization's", {
      orgId: input.orgId,
      type: input.type,
      endpointIds: skipped,
    });
  }
  const result: NotifyResult = { deliveries: [], suppressed: [], deduped: false };
  if (chosen.length === 0 && emails.length === 0) return result;

  const windowMs = settings.dedupeWindowMinutes * 60_000;
  const dedupe = windowMs > 0
    ? await claimDedupe(services, input, now.getTime(), windowMs)
    : { claimed: true, release: () => Promise.resolve() };
  if (!dedupe.claimed) {
    services.log.info("notification deduplicated", { orgId: input.orgId, type: input.type });
    return { ...result, deduped: true };
  }

  let reason: string | null = null;
  if (input.severity !== "critical") {
    const policy = await getOrgPolicy(services.ledger, input.orgId);
    if (activeMaintenance(policy.maintenanceWindows, now)) reason = "maintenance_window";
    else if (inQuietHours(settings, now)) reason = "quiet_hours";
  }
  const digest = input.type !== "report" && DIGEST_SEVERITIES.includes(input.severity);
  const payload = JSON.stringify({
    summary: input.summary,
    ...(input.url ? { url: input.url } : {}),
    ...(input.data ? { data: input.data } : {}),
    ...(input.body ? { body: input.body } : {}),
  });
  const row = (target: { endpoint?: NotifyEndpoint; email?: string }): NewDelivery => {
    const status = reason ? "suppressed" : digest && target.endpoint ? "batched" : "queued";
    return {
      id: newDeliveryId(now),
      org_id: input.orgId,
      endpoint_id: target.endpoint?.id ?? null,
      kind: target.endpoint?.kind ?? "email",
      recipient: target.email ?? null,
      event_type: input.type,
      severity: input.severity,
      title: input.title,
      dedupe_key: input.dedupeKey ?? null,
      payload,
      status,
      reason,
      attempts: 0,
      next_attempt_at: status === "queued" ? now : null,
      created_at: now,
      updated_at: now,
    };
  };
  const rows = [
    ...chosen.map((endpoint) => row({ endpoint })),
    ...emails.map((email) => row({ email })),
  ];
  try {
    await services.ledger.db.insertInto("notify_deliveries").values(rows).execute();
  } catch (error) {
    await dedupe.release();
    throw error;
  }
  for (const r of rows) {
    if (r.status === "suppressed") result.suppressed.push(r.id);
    else result.deliveries.push(r.id);
  }
  // A lost enqueue leaves the row queued: the redrive cron sends it.
  for (const r of rows.filter((r) => r.status === "queued")) {
    await enqueueDeliver(services, r.id, 1);
  }
  for (const r of rows.filter((r) => r.status === "batched")) {
    await scheduleDigestFlush(
      services,
      input.orgId,
      r.endpoint_id!,
      settings.digestIntervalMinutes,
    );
  }
  services.log.info("notification routed", {
    orgId: input.orgId,
    type: input.type,
    severity: input.severity,
    queued: rows.filter((r) => r.status === "queued").length,
    batched: rows.filter((r) => r.status === "batched").length,
    suppressed: result.suppressed.length,
    ...(reason ? { reason } : {}),
  });
  return result;
}
