/** Standard Webhooks signing: the spec's own vector, secrets, and an independent verifier. */
import { equal, match, notEqual, rejects } from "node:assert/strict";
import { newWebhookSecret, signWebhook, webhookHeaders } from "@/lib/notify/webhook_signature.ts";
import { verifyStandardWebhook } from "../../support/webhook_receiver.ts";

Deno.test("[notify] signatures match the Standard Webhooks test vector", async () => {
  // From the Standard Webhooks reference libraries' tests.
  equal(
    await signWebhook(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
    ),
    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
  );
});

Deno.test("[notify] new secrets are whsec_ + 32 random bytes; headers verify independently", async () => {
  const a = newWebhookSecret();
  match(a, /^whsec_[A-Za-z0-9+/]{43}=$/);
  equal(Uint8Array.fromBase64(a.slice(6)).length, 32);
  notEqual(a, newWebhookSecret());
  const body = '{"type":"report"}';
  const headers = new Headers(
    await webhookHeaders(a, "nd_1", new Date("2026-11-25T10:00:00Z"), body),
  );
  equal(headers.get("webhook-id"), "nd_1");
  equal(headers.get("webhook-timestamp"), "1795600800");
  equal(verifyStandardWebhook(a, headers, body), null);
  equal(verifyStandardWebhook(newWebhookSecret(), headers, body), "no v1 signature matches");
});

Deno.test("[notify] several secrets: one space-separated v1 entry each, in the order given", async () => {
  const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
  const body = '{"type":"incident.opened"}';
  const at = new Date("2026-11-25T10:00:00Z");
  const headers = new Headers(await webhookHeaders([current, previous], "nd_2", at, body));
  const entries = headers.get("webhook-signature")!.split(" ");
  equal(entries.length, 2);
  equal(entries[0], await signWebhook(current, "nd_2", 1795600800, body), "the current one first");
  equal(entries[1], await signWebhook(previous, "nd_2", 1795600800, body));
  equal(verifyStandardWebhook(current, headers, body), null);
  equal(verifyStandardWebhook(previous, headers, body), null);
  equal(verifyStandardWebhook(newWebhookSecret(), headers, body), "no v1 signature matches");
  const single = new Headers(await webhookHeaders([current], "nd_2", at, body));
  equal(single.get("webhook-signature"), entries[0], "one secret: one entry, as with a string");
  await rejects(webhookHeaders([], "nd_2", at, body), TypeError);
});
