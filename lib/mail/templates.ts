/**
 * The e-mails the app sends: short and plain, each as `{ subject, text, html }`. Every
 * interpolated value is HTML-escaped in the HTML body; in the text body the link stands on a
 * line of its own so it is easy to copy.
 *
 * @module
 */

/** A message body pair with its subject, ready for `Mailer.send`. */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes text for HTML content and quoted attribute values.
 *
 * @example
 * ```ts
 * escapeHtml('<a href="x">'); // "&lt;a href=&quot;x&quot;&gt;"
 * ```
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** Subjects are single lines: a newline in a value must not start a new header. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, " ").trim();
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/** A small HTML document: paragraphs (already escaped) and one button-like link. */
/** The plain-text body: what to do, the link on its own line (easy to copy), then the fine print. */
function textBody(intro: string[], link: string, notes: string[]): string {
  return [...intro, "", link, "", ...notes, "", "VPS Sentry"].join("\n");
}

function htmlDocument(
  input: { paragraphs: string[]; link: string; action: string; after: string },
) {
  const link = escapeHtml(input.link);
  return [
    "<!doctype html>",
    '<html><body style="font-family: system-ui, sans-serif; color: #1f2328; line-height: 1.5">',
    ...input.paragraphs.map((p) => `<p>${p}</p>`),
    `<p><a href="${link}">${escapeHtml(input.action)}</a></p>`,
    `<p style="color: #59636e; font-size: 0.9em">If the link does not open, copy this address ` +
    `into your browser:<br>${link}</p>`,
    `<p style="color: #59636e; font-size: 0.9em">${escapeHtml(input.after)}</p>`,
    "<p>VPS Sentry</p>",
    "</body></html>",
  ].join("\n");
}

/**
 * The sign-in link mail.
 *
 * @example
 * ```ts
 * await mailer.send({ to, ...magicLinkMail({ link, expiresMinutes: 15 }) });
 * ```
 */
export function magicLinkMail(input: { link: string; expiresMinutes: number }): MailContent {
  const validity = `This link works once and expires in ${plural(input.expiresMinutes, "minute")}.`;
  const after = "If you did not ask to sign in, ignore this e-mail; nothing changes.";
  return {
    subject: "Your VPS Sentry sign-in link",
    text: textBody(["Open this link to sign in to VPS Sentry:"], input.link, [validity, after]),
    html: htmlDocument({
      paragraphs: ["Use this link to sign in to VPS Sentry.", escapeHtml(validity)],
      link: input.link,
      action: "Sign in to VPS Sentry",
      after,
    }),
  };
}

/**
 * The password-reset mail.
 *
 * @example
 * ```ts
 * await mailer.send({ to, ...passwordResetMail({ link, expiresMinutes: 30 }) });
 * ```
 */
export function passwordResetMail(input: { link: string; expiresMinutes: number }): MailContent {
  const validity = `This link works once and expires in ${plural(input.expiresMinutes, "minute")}.`;
  const after = "If you did not ask for a reset, ignore this e-mail; your password stays as it is.";
  return {
    subject: "Reset your VPS Sentry password",
    text: textBody(["Open this link to choose a new password for VPS Sentry:"], input.link, [
      validity,
      "Setting a new password signs you out on every device.",
      after,
    ]),
    html: htmlDocument({
      paragraphs: [
        "Use this link to choose a new password for VPS Sentry.",
        `${escapeHtml(validity)} Setting a new password signs you out on every device.`,
      ],
      link: input.link,
      action: "Choose a new password",
      after,
    }),
  };
}

/**
 * The invitation mail.
 *
 * @example
 * ```ts
 * await mailer.send({
 *   to: invite.email,
 *   ...invitationMail({ link, orgName: org.name, role: "ops", invitedBy: "ann@example.com", expiresHours: 72 }),
 * });
 * ```
 */
export function invitationMail(input: {
  link: string;
  orgName: string;
  role: string;
  invitedBy: string;
  expiresHours: number;
}): MailContent {
  const invite = `${input.invitedBy} invited you to join ${input.orgName} on VPS Sentry ` +
    `as ${input.role}.`;
  const validity = `The invitation works once and expires in ${
    plural(input.expiresHours, "hour")
  }.`;
  const after = "If you did not expect this invitation, ignore this e-mail.";
  return {
    subject: oneLine(`Invitation to ${input.orgName} on VPS Sentry`),
    text: textBody([invite, "", "Open this link to accept:"], input.link, [validity, after]),
    html: htmlDocument({
      paragraphs: [
        `${escapeHtml(input.invitedBy)} invited you to join <strong>${
          escapeHtml(input.orgName)
        }</strong> on VPS Sentry as <strong>${escapeHtml(input.role)}</strong>.`,
        escapeHtml(validity),
      ],
      link: input.link,
      action: "Accept the invitation",
      after,
    }),
  };
}
