/**
 * One notification rendered for each endpoint kind:
 *
 * - generic webhook: `{type, timestamp, data}` JSON (Standard Webhooks payload structure);
 * - Slack-compatible incoming webhook: `text` (fallback and notification text) + `blocks`;
 * - Discord-compatible webhook: `content` + `embeds`, with `allowed_mentions` empty so a title
 *   cannot ping `@everyone`;
 * - e-mail: subject, plain text and HTML (every value escaped), or a report's own bodies.
 *
 * A digest renders its items as one list. Texts are cut to each platform's limits.
 *
 * @module
 */

import type { DeliveryEventType, NotifySeverity } from "./types.ts";

/** One event inside a digest. */
export interface DigestItem {
  deliveryId: string;
  type: string;
  severity: NotifySeverity;
  title: string;
  summary: string;
  url?: string;
  at: string;
}

/** What a delivery says, whatever the endpoint. */
export interface MessageContent {
  deliveryId: string;
  orgId: string;
  eventType: DeliveryEventType;
  severity: NotifySeverity;
  title: string;
  summary: string;
  url?: string;
  data?: Record<string, unknown>;
  /** A report's own bodies (e-mail uses them as they are; chat uses `text`). */
  body?: { html: string; text: string };
  /** The events of a digest. */
  items?: DigestItem[];
  at: Date;
}

const SEVERITY_COLORS: Record<NotifySeverity, number> = {
  critical: 0xb91c1c,
  high: 0xea580c,
  medium: 0xca8a04,
  low: 0x2563eb,
  info: 0x64748b,
};

/** `text` cut to `max` characters, ending in `…` when cut. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/** Slack mrkdwn escaping (`&`, `<`, `>` only, per Slack's formatting rules). */
function escapeSlack(text: string): string {
  return text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]!);
}

function typeLabel(c: MessageContent): string {
  return c.eventType === "digest"
    ? `digest of ${c.items?.length ?? 0} events`
    : c.eventType === "test"
    ? "test"
    : c.eventType;
}

function headline(c: MessageContent): string {
  return `[${c.severity.toUpperCase()}] ${c.title}`;
}

function digestLines(c: MessageContent): string[] {
  return (c.items ?? []).map((i) => `• [${i.severity}] ${i.title}: ${i.summary}`);
}

/** The plain text body: summary, digest list or report text, and the console link. */
export function plainText(c: MessageContent): string {
  if (c.body) return c.body.text;
  const lines = [headline(c), "", c.summary];
  if (c.items) lines.push("", ...digestLines(c));
  if (c.url) lines.push("", `Open in the console: ${c.url}`);
  lines.push("", `Event: ${typeLabel(c)} · ${c.at.toISOString()}`);
  return lines.join("\n");
}

/**
 * The generic webhook body (signed by the caller).
 *
 * @example
 * ```ts
 * const body = webhookBody(content); // '{"type":"incident.opened","timestamp":"…","data":{…}}'
 * ```
 */
export function webhookBody(c: MessageContent): string {
  return JSON.stringify({
    type: c.eventType === "test"
      ? "notify.test"
      : c.eventType === "digest"
      ? "notify.digest"
      : c.eventType,
    timestamp: c.at.toISOString(),
    data: {
      deliveryId: c.deliveryId,
      orgId: c.orgId,
      severity: c.severity,
      title: c.title,
      summary: c.summary,
      ...(c.url ? { url: c.url } : {}),
      ...(c.data ? { details: c.data } : {}),
      ...(c.items ? { items: c.items } : {}),
      ...(c.body ? { text: c.body.text } : {}),
    },
  });
}

/**
 * A Slack-compatible incoming-webhook body: `text` plus header, section, context and (with a
 * link) actions blocks.
 *
 * @example
 * ```ts
 * JSON.parse(slackBody(content)).blocks[0].type; // "header"
 * ```
 */
export function slackBody(c: MessageContent): string {
  const main = c.body
    ? c.body.text
    : c.items
    ? [c.summary, ...digestLines(c)].join("\n")
    : c.summary;
  const blocks: Record<string, unknown>[] = [
    { type: "header", text: { type: "plain_text", text: cut(headline(c), 150), emoji: false } },
    { type: "section", text: { type: "mrkdwn", text: cut(escapeSlack(main), 3000) || " " } },
    {
      type: "context",
      elements: [{
        type: "mrkdwn",
        text: `*${c.severity}* · ${escapeSlack(typeLabel(c))} · VPS Sentry`,
      }],
    },
  ];
  if (c.url) {
    blocks.push({
      type: "actions",
      elements: [{
        type: "button",
        text: { type: "plain_text", text: "Open in console" },
        url: c.url,
      }],
    });
  }
  return JSON.stringify({ text: cut(`${headline(c)}: ${c.summary}`, 3000), blocks });
}

/**
 * A Discord-compatible webhook body: `content` plus one embed coloured by severity.
 *
 * @example
 * ```ts
 * JSON.parse(discordBody(content)).embeds[0].color; // 0xb91c1c for critical
 * ```
 */
export function discordBody(c: MessageContent): string {
  const description = c.body
    ? c.body.text
    : c.items
    ? [c.summary, ...digestLines(c)].join("\n")
    : c.summary;
  return JSON.stringify({
    content: cut(`**${headline(c)}**`, 2000),
    embeds: [{
      title: cut(c.title, 256),
      description: cut(description, 4096),
      ...(c.url ? { url: c.url } : {}),
      color: SEVERITY_COLORS[c.severity],
      timestamp: c.at.toISOString(),
      fields: [
        { name: "Severity", value: c.severity, inline: true },
        { name: "Event", value: cut(typeLabel(c), 1024), inline: true },
      ],
      footer: { text: "VPS Sentry" },
    }],
    allowed_mentions: { parse: [] },
  });
}

/**
 * The e-mail of a notification: a report's own bodies, else a rendered one.
 *
 * @example
 * ```ts
 * await mailer.send({ to: endpoint.emails.join(", "), ...emailMessage(content) });
 * ```
 */
export function emailMessage(c: MessageContent): { subject: string; text: string; html: string } {
  const subject = cut(`[VPS Sentry] ${c.eventType === "report" ? c.title : headline(c)}`, 200)
    .replace(/[\r\n]+/g, " ");
  if (c.body) return { subject, text: c.body.text, html: c.body.html };
  const items = c.items
    ? `<ul>${
      c.items.map((i) =>
        `<li><strong>[${escapeHtml(i.severity)}]</strong> ${escapeHtml(i.title)}: ${
          escapeHtml(i.summary)
        }</li>`
      ).join("")
    }</ul>`
    : "";
  const link = c.url ? `<p><a href="${escapeHtml(c.url)}">Open in the console</a></p>` : "";
  const html = `<!doctype html><html><body>` +
    `<h1>${escapeHtml(headline(c))}</h1>` +
    `<p>${escapeHtml(c.summary).replace(/\n/g, "<br>")}</p>${items}${link}` +
    `<p style="color:#64748b">Event: ${escapeHtml(typeLabel(c))} · ${c.at.toISOString()}</p>` +
    `</body></html>`;
  return { subject, text: plainText(c), html };
}
