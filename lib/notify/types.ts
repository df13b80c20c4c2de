/**
 * The vocabulary of notifications: event types, severities, endpoint kinds and delivery states,
 * shared by the public `notify()` API, the endpoint store, the pipeline and the UI.
 *
 * @module
 */

/** Event types a notification can carry; endpoints route on them. */
export const NOTIFY_EVENT_TYPES = [
  "incident.opened",
  "incident.escalated",
  "incident.resolved",
  "incident.reminder",
  "breach.opened",
  "host.silent",
  "remediation.awaiting_approval",
  "remediation.failed",
  "report",
] as const;

/** One of {@link NOTIFY_EVENT_TYPES}. */
export type NotifyEventType = typeof NOTIFY_EVENT_TYPES[number];

/** Severities, most severe first. */
export const NOTIFY_SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;

/** One of {@link NOTIFY_SEVERITIES}. */
export type NotifySeverity = typeof NOTIFY_SEVERITIES[number];

/** Endpoint kinds: SMTP e-mail, a signed generic webhook, Slack- and Discord-compatible hooks. */
export const ENDPOINT_KINDS = ["email", "webhook", "slack", "discord"] as const;

/** One of {@link ENDPOINT_KINDS}. */
export type EndpointKind = typeof ENDPOINT_KINDS[number];

/**
 * States of a delivery: `queued` (waiting for its first attempt), `sending` (claimed by one
 * consumer), `retrying` (an attempt failed; the next one is scheduled), `sent`, `failed` (gave
 * up), `suppressed` (quiet hours, maintenance window, endpoint disabled), `batched` (waiting for
 * the endpoint's digest) and `digested` (sent inside digest delivery `digestId`).
 */
export const DELIVERY_STATUSES = [
  "queued",
  "sending",
  "retrying",
  "sent",
  "failed",
  "suppressed",
  "batched",
  "digested",
] as const;

/** One of {@link DELIVERY_STATUSES}. */
export type DeliveryStatus = typeof DELIVERY_STATUSES[number];

/** What a delivery carries besides the routed event types: a test send or a digest. */
export type DeliveryEventType = NotifyEventType | "test" | "digest";

/** Severities that go into the digest instead of being sent one by one. */
export const DIGEST_SEVERITIES: readonly NotifySeverity[] = ["low", "info"];

/**
 * True when `severity` is `min` or more severe.
 *
 * @example
 * ```ts
 * severityAtLeast("high", "medium"); // true
 * severityAtLeast("low", "medium");  // false
 * ```
 */
export function severityAtLeast(severity: NotifySeverity, min: NotifySeverity): boolean {
  return NOTIFY_SEVERITIES.indexOf(severity) <= NOTIFY_SEVERITIES.indexOf(min);
}

/** Human labels of the event types, for forms and messages. */
export const EVENT_TYPE_LABELS: Record<NotifyEventType, string> = {
  "incident.opened": "Incident opened",
  "incident.escalated": "Incident escalated",
  "incident.resolved": "Incident resolved",
  "incident.reminder": "Incident reminder",
  "breach.opened": "Breach opened",
  "host.silent": "Host silent",
  "remediation.awaiting_approval": "Remediation awaiting approval",
  "remediation.failed": "Remediation failed",
  "report": "Report",
};

/** Human labels of the endpoint kinds. */
export const ENDPOINT_KIND_LABELS: Record<EndpointKind, string> = {
  email: "E-mail",
  webhook: "Webhook (Standard Webhooks)",
  slack: "Slack-compatible",
  discord: "Discord-compatible",
};
