/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/, "Signature scheme"): the secret
 * is `whsec_` + base64 of 32 random bytes; each message carries `webhook-id`,
 * `webhook-timestamp` (integer seconds) and `webhook-signature: v1,<base64>`, where the
 * signature is HMAC-SHA256, keyed with the secret's decoded bytes, over `id.timestamp.body`.
 * The id stays the same across retries of one delivery, so receivers can dedupe on it.
 *
 * During a secret rotation's overlap a message is signed with each secret, newest first, as
 * space-separated entries of one `webhook-signature` header (the spec's way to rotate): a
 * receiver holding either secret finds a signature it verifies.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Prefix of every endpoint secret. */
export const WEBHOOK_SECRET_PREFIX = "whsec_";

/** Bytes of key material in a new secret (the spec allows 24-64). */
const SECRET_BYTES = 32;

/**
 * A new endpoint secret, `whsec_<base64>`.
 *
 * @example
 * ```ts
 * const secret = newWebhookSecret(); // "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw…"
 * ```
 */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + crypto.getRandomValues(new Uint8Array(SECRET_BYTES)).toBase64();
}

/** The HMAC key bytes of a `whsec_` secret; throws on any other format. */
function secretKeyBytes(secret: string): Uint8Array<ArrayBuffer> {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) {
    throw new TypeError("A webhook secret starts with whsec_");
  }
  return Uint8Array.fromBase64(secret.slice(WEBHOOK_SECRET_PREFIX.length));
}

/**
 * The `v1,<base64>` signature of one message.
 *
 * @example
 * ```ts
 * const signature = await signWebhook(secret, "msg_1", 1795600800, '{"type":"report"}');
 * // "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4="
 * ```
 */
export async function signWebhook(
  secret: string,
  id: string,
  timestampS: number,
  body: string,
): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    secretKeyBytes(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${id}.${timestampS}.${body}`));
  return `v1,${new Uint8Array(mac).toBase64()}`;
}

/**
 * The three Standard Webhooks headers (plus the JSON content type) for one message, signed with
 * `secrets` in the order given (the current secret first, then one still in its overlap).
 *
 * @example
 * ```ts
 * const headers = await webhookHeaders([secret, previousSecret], delivery.id, clock.now(), body);
 * // "webhook-signature": "v1,<with secret> v1,<with previousSecret>"
 * await fetch(url, { method: "POST", headers, body });
 * ```
 */
export async function webhookHeaders(
  secrets: string | readonly string[],
  id: string,
  at: Date,
  body: string,
): Promise<Record<string, string>> {
  const timestampS = Math.floor(at.getTime() / 1000);
  const keys = typeof secrets === "string" ? [secrets] : secrets;
  if (keys.length === 0) throw new TypeError("A webhook is signed with at least one secret");
  const signatures = await Promise.all(keys.map((k) => signWebhook(k, id, timestampS, body)));
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestampS),
    "webhook-signature": signatures.join(" "),
  };
}
