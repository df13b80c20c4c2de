import assert from "node:assert/strict";
import { HttpError } from "@/lib/fresh/errors.ts";
import { createLogger } from "@/lib/log.ts";
import { createMailer } from "@/lib/mail/mailer.ts";
import {
  escapeHtml,
  invitationMail,
  magicLinkMail,
  passwordResetMail,
} from "@/lib/mail/templates.ts";
import { openTestServices } from "../../support/test_services.ts";
import { linksIn, startSmtpServer } from "../../support/smtp.ts";

const FROM = "VPS Sentry <sentry@example.test>";
const LINK = "http://localhost:8000/sign-in/link?token=AbC_-123xyz&next=%2Fhosts";

Deno.test("[mail] a magic-link mail arrives at a real SMTP server with its link intact", async () => {
  await using smtp = await startSmtpServer();
  const lines: string[] = [];
  const log = createLogger("debug", (line) => lines.push(line));
  const mailer = createMailer({ smtpUrl: smtp.url, smtpFrom: FROM }, { log });
  assert.equal(mailer.configured, true);
  assert.equal(mailer.from, FROM);
  const content = magicLinkMail({ link: LINK, expiresMinutes: 15 });
  const { messageId } = await mailer.send({ to: "ann@example.test", ...content });
  assert.match(messageId, /^<.+@.+>$/);

  const mail = await smtp.waitForMessage((m) => m.to.includes("ann@example.test"));
  assert.equal(mail.subject, "Your VPS Sentry sign-in link");
  assert.equal(mail.from, "sentry@example.test");
  assert.deepEqual(mail.envelopeTo, ["ann@example.test"]);
  assert.equal(mail.text.trim(), content.text.trim());
  assert.deepEqual(linksIn(mail.text), [LINK]);
  assert.ok(mail.text.split("\n").includes(LINK), "the link stands on a line of its own");
  assert.ok(mail.html.includes(`href="${escapeHtml(LINK)}"`));
  assert.ok(linksIn(mail.html).every((l) => l === escapeHtml(LINK)));
  assert.equal(lines.some((l) => l.includes("AbC_-123xyz")), false, "no token in the log");
});

Deno.test("[mail] SMTP credentials in the URL are accepted and never logged", async () => {
  await using smtp = await startSmtpServer();
  const lines: string[] = [];
  const log = createLogger("debug", (line) => lines.push(line));
  const url = smtp.url.replace("smtp://", "smtp://mailer:s3cr3t-pw@");
  const mailer = createMailer({ smtpUrl: url, smtpFrom: FROM }, { log });
  await mailer.send({
    to: "bob@example.test",
    ...passwordResetMail({ link: LINK, expiresMinutes: 30 }),
  });
  const mail = await smtp.waitForMessage((m) => m.to.includes("bob@example.test"));
  assert.equal(mail.subject, "Reset your VPS Sentry password");
  assert.equal(lines.some((l) => l.includes("s3cr3t-pw")), false);
});

Deno.test("[mail] a mail server that is not there gives a 502 naming SMTP_URL", async () => {
  const lines: string[] = [];
  const log = createLogger("debug", (line) => lines.push(line));
  // Port 1 (tcpmux) needs root to bind and is never served here: the connection is refused.
  const mailer = createMailer({ smtpUrl: "smtp://u:pw-123@127.0.0.1:1", smtpFrom: FROM }, { log });
  const error = await mailer.send({ to: "x@example.test", subject: "s", text: "t", html: "h" })
    .then(() => null, (e: unknown) => e);
  assert.ok(error instanceof HttpError);
  assert.equal(error.status, 502);
  assert.equal(error.code, "mail_send_failed");
  assert.match(error.message, /SMTP_URL/);
  assert.doesNotMatch(error.message, /pw-123/);
  assert.equal(lines.some((l) => l.includes("pw-123")), false);
  assert.equal(JSON.parse(lines.at(-1) ?? "{}").msg, "mail send failed");
});

Deno.test("[mail] an unconfigured mailer throws 503 mail_not_configured", async () => {
  const mailer = createMailer({ smtpUrl: undefined, smtpFrom: FROM });
  assert.equal(mailer.configured, false);
  await assert.rejects(
    () => mailer.send({ to: "a@example.test", subject: "s", text: "t", html: "h" }),
    (error: unknown) => {
      assert.ok(error instanceof HttpError);
      assert.equal(error.status, 503);
      assert.equal(error.code, "mail_not_configured");
      assert.equal(error.message, "E-mail is not configured: set SMTP_URL (see README).");
      return true;
    },
  );
});

Deno.test("[mail] services carry a mailer built from SMTP_URL", async () => {
  await using plain = await openTestServices();
  assert.equal(plain.mailer.configured, false);
  await using smtp = await startSmtpServer();
  await using services = await openTestServices({ env: { SMTP_URL: smtp.url } });
  assert.equal(services.mailer.configured, true);
  await services.mailer.send({
    to: "carol@example.test",
    ...invitationMail({
      link: LINK,
      orgName: "Acme",
      role: "ops",
      invitedBy: "ann@example.test",
      expiresHours: 72,
    }),
  });
  const mail = await smtp.waitForMessage((m) => m.subject === "Invitation to Acme on VPS Sentry");
  assert.deepEqual(mail.to, ["carol@example.test"]);
  assert.deepEqual(linksIn(mail.text), [LINK]);
  assert.match(mail.text, /ann@example\.test invited you to join Acme on VPS Sentry as ops\./);
});

Deno.test("[mail] templates escape every interpolated value in HTML", () => {
  const evil = `<script>alert("x")</script>&'`;
  const link = `https://sentry.example.com/invite?token=a"><img src=x onerror=alert(1)>&b=1`;
  const mails = [
    magicLinkMail({ link, expiresMinutes: 15 }),
    passwordResetMail({ link, expiresMinutes: 30 }),
    invitationMail({ link, orgName: evil, role: evil, invitedBy: evil, expiresHours: 1 }),
  ];
  for (const mail of mails) {
    assert.doesNotMatch(mail.html, /<script|<img|"><|onerror=alert\(1\)>/);
    assert.ok(mail.html.includes(escapeHtml(link)));
    assert.ok(mail.text.split("\n").includes(link), "text keeps the raw link on its own line");
  }
  assert.ok(mails[2].html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"));
  assert.match(mails[2].text, /expires in 1 hour\./);
  assert.equal(
    invitationMail({ link, orgName: "A\r\nBcc: x@y", role: "ops", invitedBy: "a", expiresHours: 2 })
      .subject,
    "Invitation to A Bcc: x@y on VPS Sentry",
  );
  assert.equal(escapeHtml(`&<>"'`), "&amp;&lt;&gt;&quot;&#39;");
});

Deno.test("[mail] linksIn finds each URL without trailing punctuation", () => {
  assert.deepEqual(
    linksIn("Open https://a.example/x?y=1, then (http://b.example/z). Done: https://c.example."),
    ["https://a.example/x?y=1", "http://b.example/z", "https://c.example"],
  );
  assert.deepEqual(linksIn("no links"), []);
});
