/**
 * The real wiring: `notify()` enqueues on Deno KV, the app's queue listener (the handlers of
 * `jobs/mod.ts`) consumes the message, and a real receiver gets the webhook; the redrive pass
 * re-sends an attempt whose message was lost.
 */
import { equal } from "node:assert/strict";
import { createQueueHandlers } from "@/jobs/mod.ts";
import { createQueueDispatcher } from "@/jobs/queue.ts";
import { NOTIFY_REDRIVE_GRACE_MS, runNotifyRedrive } from "@/jobs/notify.ts";
import { notify } from "@/lib/notify/notify.ts";
import { getDelivery } from "@/lib/notify/deliveries.ts";
import { startWebhookReceiver } from "../../support/webhook_receiver.ts";
import { notifyWorld } from "./notify_world.ts";

Deno.test("[notify] the KV queue listener delivers what notify() enqueued", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  await w.addEndpoint({ name: "Hook", kind: "webhook", url: `${hook.origin}/q` });
  const listening = w.services.kv.listenQueue(
    createQueueDispatcher(createQueueHandlers(w.services), w.services),
  );
  const { deliveries: [id] } = await notify(w.services, {
    orgId: w.orgA.id,
    type: "host.silent",
    severity: "high",
    title: "web-1 is silent",
    summary: "No push for 60 minutes",
  });
  await hook.waitFor(1);
  for (let i = 0; i < 50 && (await getDelivery(w.services.ledger, id))!.status !== "sent"; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  equal((await getDelivery(w.services.ledger, id))!.status, "sent");
  w.services.kv.close();
  await listening;
});

Deno.test("[notify] the redrive pass re-sends an attempt whose message was lost", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  await w.addEndpoint({ name: "Hook", kind: "webhook", url: `${hook.origin}/r` });
  // No listener: the enqueued message is never consumed, as if it were lost.
  const { deliveries: [id] } = await notify(w.services, {
    orgId: w.orgA.id,
    type: "remediation.failed",
    severity: "high",
    title: "block-ip failed on web-1",
    summary: "ufw exited 1",
  });
  equal((await runNotifyRedrive(w.services)).redriven, 0, "not overdue yet");
  w.services.clock.advance(NOTIFY_REDRIVE_GRACE_MS + 1_000);
  const seen: unknown[] = [];
  const listening = w.services.kv.listenQueue(async (m) => {
    seen.push(m);
    await w.dispatch(m);
  });
  equal((await runNotifyRedrive(w.services)).redriven, 1);
  await hook.waitFor(1);
  for (let i = 0; i < 50 && (await getDelivery(w.services.ledger, id))!.status !== "sent"; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  equal((await getDelivery(w.services.ledger, id))!.status, "sent");
  equal(hook.requests.length, 1, "the original message and the redrive send once");
  w.services.kv.close();
  await listening;
});
