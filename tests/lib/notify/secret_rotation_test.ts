/**
 * Webhook secret rotation with an overlap, checked at a real receiver with the independent
 * Standard Webhooks verifier (node:crypto): during the overlap every delivery (queued or a test
 * send) verifies with the OLD and with the NEW secret, the new signature first; from the end of
 * the overlap only the new one verifies and the old one is cleared from the row; rotating with no
 * overlap stops the old one at once; a second rotation keeps only the secret it replaced. Bad
 * input is a 400 naming the field with nothing changed. No secret ever shows up in later
 * answers, logs, the audit trail or the stored rows.
 */
import { deepEqual, equal, match, ok } from "node:assert/strict";
import { queryAudit } from "@/lib/audit/query.ts";
import { getEndpoint } from "@/lib/notify/endpoint_store.ts";
import { notify } from "@/lib/notify/notify.ts";
import {
  type ReceivedRequest,
  startWebhookReceiver,
  verifyStandardWebhook,
} from "../../support/webhook_receiver.ts";
import { type NotifyWorld, notifyWorld } from "./notify_world.ts";

type Json = Record<string, unknown>;

const HOUR = 3_600_000;

/** The `v1,…` entries of a request's `webhook-signature` header, in order. */
function signatures(request: ReceivedRequest): string[] {
  return (request.headers.get("webhook-signature") ?? "").split(" ").filter((s) => s !== "");
}

/** Whether `secret` verifies the request (null: it does), on the independent verifier. */
function verify(secret: string, request: ReceivedRequest, only?: string): string | null {
  const headers = new Headers(request.headers);
  if (only !== undefined) headers.set("webhook-signature", only);
  return verifyStandardWebhook(secret, headers, request.body);
}

/** A webhook endpoint at the receiver, its first secret, and a way to get one delivery there. */
async function webhookAt(w: NotifyWorld, origin: string) {
  const { endpoint, secret } = await w.addEndpoint({
    name: "Pager",
    kind: "webhook",
    url: `${origin}/hook`,
  });
  let n = 0;
  return {
    id: endpoint.id,
    secret: secret!,
    /** A critical event through the pipeline, delivered now. */
    async deliver() {
      n++;
      await notify(w.services, {
        orgId: w.orgA.id,
        type: "incident.opened",
        severity: "critical",
        title: `Incident ${n}`,
        summary: "scan",
      });
      equal(await w.deliverDue(), 1);
    },
    rotate: (body?: Json) =>
      w.api("POST", `/api/notify/endpoints/${endpoint.id}/rotate-secret`, w.a.admin, body),
  };
}

Deno.test("[notify] rotation with overlap: old and new verify until it ends, then only the new", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const pager = await webhookAt(w, hook.origin);
  const oldSecret = pager.secret;
  const rotatedAt = w.services.clock.now();

  const rotated = await pager.rotate(); // no body: the default overlap of 24 hours
  equal(rotated.status, 200, rotated.text);
  const newSecret = rotated.body.secret as string;
  match(newSecret, /^whsec_/);
  ok(newSecret !== oldSecret);
  const until = new Date(rotatedAt.getTime() + 24 * HOUR).toISOString();
  equal((rotated.body.endpoint as Json).previousSecretUntil, until);
  ok(!rotated.text.includes(oldSecret) && !rotated.text.includes(oldSecret.slice(6)));

  // During the overlap: a queued delivery and a test send carry both signatures, new first.
  await pager.deliver();
  const test = await w.api("POST", "/api/notify/test", w.a.admin, { endpointId: pager.id });
  equal(test.status, 200, test.text);
  const during = await w.api("GET", `/api/notify/endpoints/${pager.id}`, w.a.ops);
  equal((during.body.endpoint as Json).previousSecretUntil, until);
  w.services.clock.advance(24 * HOUR - 1_000); // (sessions expire meanwhile: no API calls)
  await pager.deliver(); // the last second of the overlap
  equal(hook.requests.length, 3);
  for (const request of hook.requests) {
    const [first, second] = signatures(request);
    equal(signatures(request).length, 2);
    equal(verify(newSecret, request), null, "the NEW secret verifies");
    equal(verify(oldSecret, request), null, "the OLD secret verifies");
    equal(verify(newSecret, request, first), null, "newest first");
    equal(verify(oldSecret, request, second), null);
  }

  // From the end of the overlap: only the new secret signs, and the old one leaves the row.
  w.services.clock.advance(1_000);
  await pager.deliver();
  const after = hook.requests[3];
  equal(signatures(after).length, 1);
  equal(verify(newSecret, after), null);
  equal(verify(oldSecret, after), "no v1 signature matches", "the OLD secret no longer verifies");
  const row = await w.services.ledger.db.selectFrom("notify_endpoints")
    .select(["previous_secret_sealed", "previous_secret_until"]).where("id", "=", pager.id)
    .executeTakeFirstOrThrow();
  deepEqual({ ...row }, { previous_secret_sealed: null, previous_secret_until: null });
  equal((await getEndpoint(w.services.ledger, w.orgA.id, pager.id))!.previousSecretUntil, null);

  // Audited as a rotation with its overlap; no secret in the details.
  const audit = await queryAudit(w.services.ledger, w.orgA.id, {
    action: "notify.endpoint.rotate_secret",
  });
  equal(audit.entries.length, 1);
  deepEqual(audit.entries[0].details, {
    name: "Pager",
    graceSeconds: 86_400,
    previousSecretUntil: until,
  });
});

Deno.test("[notify] rotation without overlap stops the old secret at once; a second rotation keeps only the one it replaced", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const pager = await webhookAt(w, hook.origin);
  const texts: string[] = [];
  const rotate = async (body?: Json) => {
    const res = await pager.rotate(body);
    equal(res.status, 200, res.text);
    texts.push(res.text);
    return res.body.secret as string;
  };

  const s2 = await rotate({ graceSeconds: 0 });
  await pager.deliver();
  equal(signatures(hook.requests[0]).length, 1);
  equal(verify(s2, hook.requests[0]), null);
  equal(verify(pager.secret, hook.requests[0]), "no v1 signature matches", "old fails at once");

  // Rotating twice within an overlap: the newest and the one it replaced sign, not the oldest.
  const s3 = await rotate({ graceSeconds: 3600 });
  const s4 = await rotate({});
  await pager.deliver();
  const request = hook.requests[1];
  equal(signatures(request).length, 2);
  equal(verify(s4, request, signatures(request)[0]), null);
  equal(verify(s3, request), null);
  equal(verify(s2, request), "no v1 signature matches");

  // An overlap cut short by a rotation without one.
  const s5 = await rotate({ graceSeconds: 0 });
  await pager.deliver();
  equal(signatures(hook.requests[2]).length, 1);
  equal(verify(s5, hook.requests[2]), null);
  equal(verify(s4, hook.requests[2]), "no v1 signature matches");

  // Each secret was in its own rotate answer only: never in logs, audit entries or the rows.
  const secrets = [pager.secret, s2, s3, s4, s5];
  const audit = await queryAudit(w.services.ledger, w.orgA.id, { action: "notify.", limit: 50 });
  const listed = await w.api("GET", "/api/notify/endpoints", w.a.admin);
  const haystacks = {
    logs: JSON.stringify(w.services.logLines),
    audit: JSON.stringify(audit.entries),
    list: listed.text,
    stored: JSON.stringify(
      await w.services.ledger.db.selectFrom("notify_endpoints").selectAll().execute(),
    ),
  };
  for (const [where, text] of Object.entries(haystacks)) {
    for (const secret of secrets) {
      ok(!text.includes(secret.slice(6)), `${where} must not contain ${secret.slice(0, 12)}…`);
    }
  }
  secrets.slice(1).forEach((secret, i) => {
    deepEqual(texts.map((t) => t.includes(secret)), texts.map((_, j) => j === i), "once");
  });
  equal(
    audit.entries.filter((e) => e.action === "notify.endpoint.rotate_secret").length,
    4,
  );
});

Deno.test("[notify] rotate: bad input answers 400 naming the field; nothing changes", async () => {
  await using hook = await startWebhookReceiver();
  await using w = await notifyWorld();
  const pager = await webhookAt(w, hook.origin);
  const cases: [unknown, string, RegExp][] = [
    [{ graceSeconds: -1 }, "graceSeconds", /0-604800/],
    [{ graceSeconds: 604_801 }, "graceSeconds", /0-604800/],
    [{ graceSeconds: 1.5 }, "graceSeconds", /whole seconds/],
    [{ graceSeconds: "24h" }, "graceSeconds", /whole seconds/],
    [{ graceSeconds: 60, overlap: true }, "(body)", /overlap|Unrecognized/],
  ];
  for (const [body, field, message] of cases) {
    const res = await pager.rotate(body as Json);
    equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
    const error = res.body.error as { message: string; details: { field: string } };
    equal(error.details.field, field, JSON.stringify(body));
    match(error.message, message, JSON.stringify(body));
  }
  const notJson = await w.app.request(`/api/notify/endpoints/${pager.id}/rotate-secret`, {
    method: "POST",
    headers: w.headers(w.a.admin, { "content-type": "application/json" }),
    body: "{graceSeconds: 0",
  });
  equal(notJson.status, 400);
  equal((await notJson.json()).error.details.field, "(body)");

  // Nothing changed: the first secret alone still signs; no rotation was audited.
  await pager.deliver();
  equal(signatures(hook.requests[0]).length, 1);
  equal(verify(pager.secret, hook.requests[0]), null);
  equal(
    (await queryAudit(w.services.ledger, w.orgA.id, { action: "notify.endpoint.rotate_secret" }))
      .entries.length,
    0,
  );
});
