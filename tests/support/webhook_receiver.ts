/**
 * A real HTTP receiver for notification tests (`Deno.serve` on 127.0.0.1, port 0): it records
 * every request and answers from a script — a status, or `"hang"` (never answer until the
 * client gives up or the receiver closes). Plus an independent Standard Webhooks verifier
 * (node:crypto HMAC, not the app's Web Crypto code) to check what the app signed.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** How the receiver answers one request. */
export type Behaviour = number | "hang";

/** One received request. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Headers;
  body: string;
  json<T = Record<string, unknown>>(): T;
}

/** A running receiver. */
export interface WebhookReceiver extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`; append any path. */
  origin: string;
  /** Every request so far, oldest first. */
  requests: ReceivedRequest[];
  /** Answers the next requests in this order, then the default (200). */
  script(...behaviours: Behaviour[]): void;
  /** Requests still hanging (not answered). */
  hanging(): number;
  /** Resolves when at least `n` requests arrived; rejects after `timeoutMs` (default 5,000). */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/**
 * Starts a receiver; close it with `await using` or `close()`.
 *
 * @example
 * ```ts
 * await using hook = await startWebhookReceiver();
 * hook.script(500, 200);
 * // … the app posts to `${hook.origin}/hook` twice …
 * hook.requests.length; // 2
 * ```
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const plan: Behaviour[] = [];
  const releases = new Set<() => void>();
  const waiters = new Set<() => void>();
  const listening = Promise.withResolvers<void>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => listening.resolve() },
    async (req) => {
      const body = await req.text();
      const url = new URL(req.url);
      requests.push({
        method: req.method,
        path: url.pathname + url.search,
        headers: req.headers,
        body,
        json: <T>() => JSON.parse(body) as T,
      });
      for (const w of [...waiters]) w();
      const behaviour = plan.shift() ?? 200;
      if (behaviour === "hang") {
        await new Promise<void>((resolve) => {
          const release = () => {
            releases.delete(release);
            resolve();
          };
          releases.add(release);
          req.signal.addEventListener("abort", release, { once: true });
        });
        return new Response("released", { status: 503 });
      }
      return new Response(behaviour >= 400 ? "receiver says no" : "ok", { status: behaviour });
    },
  );
  await listening.promise;
  let closed: Promise<void> | undefined;
  const close = () =>
    closed ??= (async () => {
      for (const release of [...releases]) release();
      await server.shutdown();
    })();
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    requests,
    script: (...behaviours) => void plan.push(...behaviours),
    hanging: () => releases.size,
    waitFor(n, timeoutMs = 5_000) {
      if (requests.length >= n) return Promise.resolve(requests);
      return new Promise((resolve, reject) => {
        const check = () => {
          if (requests.length < n) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(requests);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(
              `Expected ${n} webhook requests within ${timeoutMs} ms; got ${requests.length}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * Verifies a Standard Webhooks request on its own terms (spec: HMAC-SHA256 keyed with the
 * base64-decoded part of `whsec_…`, over `id.timestamp.body`, header `v1,<base64>`, possibly
 * several space-separated). Returns why it fails, or null when it verifies.
 *
 * @example
 * ```ts
 * equal(verifyStandardWebhook(secret, request.headers, request.body), null);
 * ```
 */
export function verifyStandardWebhook(
  secret: string,
  headers: Headers,
  body: string,
): string | null {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestamp || !signatures) return "missing webhook-id/-timestamp/-signature";
  if (!/^\d+$/.test(timestamp)) return "webhook-timestamp is not integer seconds";
  if (!secret.startsWith("whsec_")) return "secret does not start with whsec_";
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  for (const candidate of signatures.split(" ")) {
    const [version, value] = candidate.split(",", 2);
    if (version !== "v1" || !value) continue;
    const given = Buffer.from(value, "base64");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return null;
  }
  return "no v1 signature matches";
}
