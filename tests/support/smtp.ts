/**
 * A real SMTP server for tests (npm `smtp-server`), on 127.0.0.1 at a free port, without TLS,
 * accepting any credentials or none. Each message is parsed with npm `mailparser` and kept in
 * `messages`, so a test can send through the app's real mailer and read what arrived.
 */
import type { AddressObject, ParsedMail } from "mailparser";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** One received message, flattened for assertions; `parsed` has everything else. */
export interface ReceivedMail {
  /** Addresses of the `To` header. */
  to: string[];
  /** Envelope recipients (`RCPT TO`). */
  envelopeTo: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  parsed: ParsedMail;
}

/** A running test SMTP server. */
export interface TestSmtpServer extends AsyncDisposable {
  /** `smtp://127.0.0.1:<port>`: put it in `SMTP_URL`. */
  url: string;
  /** Every message received so far, oldest first. */
  messages: ReceivedMail[];
  /**
   * The first message (already received or still to come) matching `predicate`; rejects after
   * `timeoutMs` (default 5,000) listing the subjects that did arrive.
   */
  waitForMessage(
    predicate?: (mail: ReceivedMail) => boolean,
    options?: { timeoutMs?: number },
  ): Promise<ReceivedMail>;
  close(): Promise<void>;
}

function addresses(field: AddressObject | AddressObject[] | undefined): string[] {
  const objects = field === undefined ? [] : Array.isArray(field) ? field : [field];
  return objects.flatMap((o) => o.value.map((a) => a.address ?? "").filter((a) => a !== ""));
}

function flatten(parsed: ParsedMail, envelopeTo: string[]): ReceivedMail {
  return {
    to: addresses(parsed.to),
    envelopeTo,
    from: addresses(parsed.from)[0] ?? "",
    subject: parsed.subject ?? "",
    text: parsed.text ?? "",
    html: typeof parsed.html === "string" ? parsed.html : "",
    parsed,
  };
}

/**
 * Starts the server; close it with `await using` or `close()`.
 *
 * @example
 * ```ts
 * await using smtp = await startSmtpServer();
 * const mailer = createMailer({ smtpUrl: smtp.url, smtpFrom: "Sentry <s@example.test>" });
 * await mailer.send({ to: "ann@example.test", subject: "Hi", text: "x", html: "<p>x</p>" });
 * const mail = await smtp.waitForMessage((m) => m.to.includes("ann@example.test"));
 * ```
 */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<(mail: ReceivedMail) => void>();
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? "test" });
    },
    onData(stream, session, callback) {
      const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
      simpleParser(stream).then((parsed) => {
        const mail = flatten(parsed, envelopeTo);
        messages.push(mail);
        for (const waiter of [...waiters]) waiter(mail);
        callback();
      }, (error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.server.address();
  if (address === null || typeof address === "string") {
    throw new Error("Test SMTP server did not bind a TCP port");
  }
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
    });

  return {
    url: `smtp://127.0.0.1:${address.port}`,
    messages,
    waitForMessage(predicate = () => true, options = {}) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      const timeoutMs = options.timeoutMs ?? 5_000;
      return new Promise<ReceivedMail>((resolve, reject) => {
        const waiter = (mail: ReceivedMail) => {
          if (!predicate(mail)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const subjects = messages.map((m) => JSON.stringify(m.subject)).join(", ") || "none";
          reject(
            new Error(`No matching e-mail within ${timeoutMs} ms; received: ${subjects}`),
          );
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Every http(s) URL in a text (e.g. a mail body), in order.
 *
 * @example
 * ```ts
 * const [link] = linksIn(mail.text); // "http://localhost:8000/sign-in/link?token=…"
 * ```
 */
export function linksIn(text: string): string[] {
  return [...text.matchAll(/https?:\/\/[^\s<>"'`)\]]+/g)].map((m) =>
    m[0].replace(/[.,;:!?]+$/, "")
  );
}
