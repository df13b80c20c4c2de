/**
 * Outgoing e-mail over SMTP (npm `nodemailer`), configured by `SMTP_URL` and `SMTP_FROM`.
 *
 * `smtp://user:pass@host:587` speaks plain SMTP and upgrades with STARTTLS when the server offers
 * it; `smtps://…:465` uses TLS from the first byte. Without `SMTP_URL` the mailer exists but is
 * not `configured`, and `send` answers 503 with the fix, so e-mail features say so instead of
 * failing silently.
 *
 * Nothing here logs the SMTP password or a message body (bodies carry sign-in tokens).
 *
 * @module
 */

import nodemailer from "nodemailer";
import type { AppConfig } from "../config.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Logger } from "../log.ts";

/** One message; both bodies are required (plain text for every client, HTML for most). */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends e-mail; see {@link createMailer}. */
export interface Mailer {
  /** False when `SMTP_URL` is unset: `send` then throws a 503 `mail_not_configured`. */
  readonly configured: boolean;
  /** The `From` address (`SMTP_FROM`). */
  readonly from: string;
  send(message: MailMessage): Promise<{ messageId: string }>;
}

/** How long to wait for the TCP (and TLS) connection and for the server's greeting. */
export const SMTP_CONNECT_TIMEOUT_MS = 10_000;
/** How long a connection may stay silent mid-conversation. */
const SMTP_SOCKET_TIMEOUT_MS = 30_000;

/** The error of {@link Mailer.send} when `SMTP_URL` is unset. */
export function mailNotConfiguredError(): HttpError {
  return new HttpError(503, "E-mail is not configured: set SMTP_URL (see README).", {
    code: "mail_not_configured",
  });
}

/** Fields of nodemailer's send result and error that this module reads. */
interface SentInfo {
  messageId: string;
}
interface SmtpErrorFields {
  code?: unknown;
  responseCode?: unknown;
}

function smtpTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}`;
  } catch {
    return "(unparsable SMTP_URL)";
  }
}

/**
 * A mailer from config. Unconfigured (no `SMTP_URL`) it only throws the 503 on `send`.
 *
 * @example
 * ```ts
 * const mailer = createMailer(config, { log });
 * if (!mailer.configured) return renderNotice("E-mail is not configured");
 * await mailer.send({ to: user.email, ...magicLinkMail({ link, expiresMinutes: 15 }) });
 * ```
 */
export function createMailer(
  config: Pick<AppConfig, "smtpUrl" | "smtpFrom">,
  options: { log?: Logger } = {},
): Mailer {
  const { smtpUrl, smtpFrom } = config;
  if (!smtpUrl) {
    return {
      configured: false,
      from: smtpFrom,
      send: () => Promise.reject(mailNotConfiguredError()),
    };
  }
  // One connection per message (no pool): sign-in mails are rare, and nothing stays open.
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: SMTP_CONNECT_TIMEOUT_MS,
    greetingTimeout: SMTP_CONNECT_TIMEOUT_MS,
    socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
    // nodemailer's own logging would print the conversation, message bodies included.
    logger: false,
    debug: false,
  });
  const target = smtpTarget(smtpUrl);
  return {
    configured: true,
    from: smtpFrom,
    async send(message) {
      try {
        const info: SentInfo = await transport.sendMail({
          from: smtpFrom,
          to: message.to,
          subject: message.subject,
          text: message.text,
          html: message.html,
        });
        options.log?.info("mail sent", { messageId: info.messageId, subject: message.subject });
        return { messageId: info.messageId };
      } catch (error) {
        const fields: SmtpErrorFields = typeof error === "object" && error !== null ? error : {};
        // The error message names the failing step (connect, greeting, auth, recipient); it
        // never contains the password. Log it, not the message.
        options.log?.error("mail send failed", {
          smtp: target,
          code: String(fields.code ?? ""),
          responseCode: fields.responseCode,
          error: error instanceof Error ? error.message : String(error),
        });
        throw new HttpError(
          502,
          `The e-mail could not be sent through ${target}; check SMTP_URL and the mail server ` +
            "(details in the server log).",
          { code: "mail_send_failed", cause: error },
        );
      }
    },
  };
}
