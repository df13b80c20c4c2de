/**
 * One send attempt to one target: a signed webhook, a Slack- or Discord-compatible POST, or an
 * e-mail through the app's mailer. Every outcome is measured and described without secrets:
 * errors never carry the URL (Slack and Discord URLs are credentials), only its display form.
 *
 * HTTP sends use `AbortSignal.timeout` (`NOTIFY_HTTP_TIMEOUT_MS`, default 10 s), never follow
 * redirects (a 3xx is a failure) and, when private addresses are refused, resolve the host first
 * (`url_policy.ts`).
 *
 * @module
 */

import type { Services } from "../services.ts";
import type { EndpointKind } from "./types.ts";
import {
  discordBody,
  emailMessage,
  type MessageContent,
  slackBody,
  webhookBody,
} from "./render.ts";
import { displayUrl, privateTargetRefusal } from "./url_policy.ts";
import { webhookHeaders } from "./webhook_signature.ts";

/** Where one delivery goes. */
export interface SendTarget {
  kind: EndpointKind;
  /** Webhook, Slack and Discord. */
  url?: string | null;
  /** Webhook signing secret. */
  secret?: string | null;
  /** The secret before the last rotation, while its overlap lasts: also signs, after `secret`. */
  previousSecret?: string | null;
  /** E-mail recipients. */
  emails?: string[];
}

/** What one attempt did. */
export interface AttemptOutcome {
  ok: boolean;
  /** HTTP status, or SMTP response code when the server gave one; null when none came back. */
  code: number | null;
  latencyMs: number;
  error: string | null;
  /** False when retrying cannot help (410 Gone, no SMTP configured, bad target). */
  retryable: boolean;
}

/** Options of {@link sendOnce}. */
export interface SendOptions {
  /** Overrides `NOTIFY_HTTP_TIMEOUT_MS`. */
  timeoutMs?: number;
}

/** Longest response or error excerpt kept in the delivery log. */
const MAX_ERROR_CHARS = 300;

function clean(text: string, url?: string | null): string {
  let out = text;
  if (url) {
    out = out.split(url).join(displayUrl(url));
    const parsed = URL.parse(url);
    if (parsed) out = out.split(parsed.pathname + parsed.search).join("/…");
  }
  // deno-lint-ignore no-control-regex -- control characters are what is removed
  return out.replace(/[\x00-\x1f\x7f]+/g, " ").trim().slice(0, MAX_ERROR_CHARS);
}

function elapsed(started: number): number {
  return Math.max(0, Math.round(performance.now() - started));
}

async function postJson(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; allowPrivate: boolean },
): Promise<AttemptOutcome> {
  const started = performance.now();
  if (!options.allowPrivate) {
    const refusal = await privateTargetRefusal(url);
    if (refusal) {
      return {
        ok: false,
        code: null,
        latencyMs: elapsed(started),
        error: refusal,
        retryable: false,
      };
    }
  }
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "user-agent": "VPS-Sentry-Notify/1", ...headers },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const text = await res.text().catch(() => "");
    const latencyMs = elapsed(started);
    if (res.status >= 200 && res.status < 300) {
      return { ok: true, code: res.status, latencyMs, error: null, retryable: false };
    }
    const why = res.status >= 300 && res.status < 400
      ? `redirect to elsewhere refused (${res.status}); update the endpoint URL`
      : `HTTP ${res.status}${text ? `: ${clean(text, url)}` : ""}`;
    return {
      ok: false,
      code: res.status,
      latencyMs,
      error: clean(why, url),
      retryable: res.status !== 410,
    };
  } catch (error) {
    const latencyMs = elapsed(started);
    const timedOut = error instanceof DOMException &&
      (error.name === "TimeoutError" || error.name === "AbortError");
    const message = timedOut
      ? `no answer within ${options.timeoutMs} ms (timed out)`
      : `could not reach ${displayUrl(url)}: ${error instanceof Error ? error.message : error}`;
    return { ok: false, code: null, latencyMs, error: clean(message, url), retryable: true };
  }
}

async function sendMail(
  services: Pick<Services, "mailer">,
  emails: string[],
  content: MessageContent,
): Promise<AttemptOutcome> {
  const started = performance.now();
  if (!services.mailer.configured) {
    return {
      ok: false,
      code: null,
      latencyMs: 0,
      error: "E-mail is not configured: set SMTP_URL on the server (see README).",
      retryable: false,
    };
  }
  try {
    await services.mailer.send({ to: emails.join(", "), ...emailMessage(content) });
    return { ok: true, code: 250, latencyMs: elapsed(started), error: null, retryable: false };
  } catch (error) {
    const cause = error instanceof Error ? error.cause : undefined;
    const code = typeof cause === "object" && cause !== null && "responseCode" in cause &&
        typeof cause.responseCode === "number"
      ? cause.responseCode
      : null;
    const detail = cause instanceof Error ? `: ${cause.message}` : "";
    return {
      ok: false,
      code,
      latencyMs: elapsed(started),
      error: clean(`${error instanceof Error ? error.message : error}${detail}`),
      // 5xx SMTP replies (bad recipient) will not change on retry.
      retryable: code === null || code < 500,
    };
  }
}

/**
 * Sends `content` to `target` once and describes the outcome; never throws for a failed send.
 *
 * @example
 * ```ts
 * const outcome = await sendOnce(services, { kind: "webhook", url, secret }, content);
 * if (!outcome.ok) log.warn("attempt failed", { code: outcome.code, error: outcome.error });
 * ```
 */
export async function sendOnce(
  services: Pick<Services, "mailer" | "config" | "clock">,
  target: SendTarget,
  content: MessageContent,
  options: SendOptions = {},
): Promise<AttemptOutcome> {
  if (target.kind === "email") {
    if (!target.emails || target.emails.length === 0) {
      return { ok: false, code: null, latencyMs: 0, error: "no recipients", retryable: false };
    }
    return await sendMail(services, target.emails, content);
  }
  if (!target.url) {
    return { ok: false, code: null, latencyMs: 0, error: "no URL is set", retryable: false };
  }
  const http = {
    timeoutMs: options.timeoutMs ?? services.config.notifyHttpTimeoutMs,
    allowPrivate: services.config.notifyAllowPrivateUrls,
  };
  if (target.kind === "webhook") {
    if (!target.secret) {
      return { ok: false, code: null, latencyMs: 0, error: "no signing secret", retryable: false };
    }
    const body = webhookBody(content);
    const secrets = target.previousSecret
      ? [target.secret, target.previousSecret]
      : [target.secret];
    const headers = await webhookHeaders(
      secrets,
      content.deliveryId,
      services.clock.now(),
      body,
    );
    return await postJson(target.url, body, headers, http);
  }
  const body = target.kind === "slack" ? slackBody(content) : discordBody(content);
  return await postJson(target.url, body, { "content-type": "application/json" }, http);
}
