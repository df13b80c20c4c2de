/**
 * Synchronous test sends: `POST /api/notify/test` sends a test notification to one endpoint (or
 * every enabled one) and reports each outcome; `POST /api/ops/test-email` sends a test e-mail.
 * Test deliveries go through the same renderers, signing and transport as real ones and land in
 * the delivery log (one attempt, no retry); both are audited.
 *
 * @module
 */

import { z } from "zod";
import type { AuthState } from "../auth/state.ts";
import { actingOperator, auditOperatorChange, type ClientInfo } from "../auth/request_audit.ts";
import { HttpError } from "../fresh/errors.ts";
import { validate } from "../http/input.ts";
import { takeToken } from "../ingest/rate_limit.ts";
import type { Services } from "../services.ts";
import { contentOf, finishAttempt, getDelivery, newDeliveryId } from "./deliveries.ts";
import { listEndpoints, noSuchEndpoint, openEndpointTarget } from "./endpoint_store.ts";
import { emailMessage } from "./render.ts";
import { type AttemptOutcome, sendOnce, type SendOptions } from "./send.ts";
import type { EndpointKind } from "./types.ts";
import { counted } from "../text/plural.ts";

/** One endpoint's test outcome. */
export interface TestOutcome {
  endpointId: string;
  name: string;
  kind: EndpointKind;
  deliveryId: string;
  status: "sent" | "failed";
  code: number | null;
  latencyMs: number;
  error: string | null;
}

/** Test e-mails per operator per hour (they may go to any address). */
export const TEST_EMAIL_LIMIT_PER_HOUR = 10;

const TestInput = z.strictObject({ endpointId: z.string().min(1).max(64).optional() });
const TestEmailInput = z.strictObject({
  to: z.string().trim().toLowerCase().max(254).pipe(
    z.email("must be an e-mail address like ops@example.com"),
  ).optional(),
});

/** Sends one test; null when the endpoint is gone (deleted meanwhile, or another org's). */
async function testOne(
  services: Services,
  orgId: string,
  endpointId: string,
  options: SendOptions,
): Promise<TestOutcome | null> {
  const endpoint = await openEndpointTarget(services, orgId, endpointId);
  if (!endpoint) return null;
  const now = services.clock.now();
  const id = newDeliveryId(now);
  await services.ledger.db.insertInto("notify_deliveries").values({
    id,
    org_id: orgId,
    endpoint_id: endpoint.id,
    kind: endpoint.kind,
    recipient: null,
    event_type: "test",
    severity: "info",
    title: "Test notification from VPS Sentry",
    dedupe_key: null,
    payload: JSON.stringify({
      summary: `A test of the endpoint "${endpoint.name}". If you can read this, it works.`,
      url: new URL("/notifications", services.config.appUrl).href,
    }),
    status: "sending",
    attempts: 1,
    claimed_at: now,
    created_at: now,
    updated_at: now,
  }).execute();
  const delivery = (await getDelivery(services.ledger, id))!;
  const outcome: AttemptOutcome = await sendOnce(
    services,
    endpoint,
    contentOf(delivery, now),
    options,
  );
  const status = outcome.ok ? "sent" : "failed";
  await finishAttempt(services.ledger, delivery, 1, now, outcome, {
    status,
    nextAttemptAt: null,
    reason: outcome.ok ? null : "test send (not retried)",
  }, services.clock.now());
  return {
    endpointId: endpoint.id,
    name: endpoint.name,
    kind: endpoint.kind,
    deliveryId: id,
    status,
    code: outcome.code,
    latencyMs: outcome.latencyMs,
    error: outcome.error,
  };
}

/**
 * Sends a test to `{endpointId}` (disabled ones too) or, without it, to every enabled endpoint
 * of the acting operator's organization (concurrently), and reports each outcome in list order.
 *
 * @example
 * ```ts
 * const results = await testEndpoints(services, auth, { endpointId }, client);
 * results[0].status; // "sent"
 * ```
 */
export async function testEndpoints(
  services: Services,
  auth: AuthState,
  input: unknown,
  client: ClientInfo,
  options: SendOptions = {},
): Promise<TestOutcome[]> {
  const { org } = actingOperator(auth);
  const { endpointId } = validate(TestInput, input);
  // One endpoint is read once, by the send itself (scoped to the org: another org's id is a 404).
  const ids = endpointId
    ? [endpointId]
    : (await listEndpoints(services.ledger, org.id)).filter((e) => e.enabled).map((e) => e.id);
  // In parallel, so "test all" takes one timeout at most, not one per endpoint.
  const outcomes = await Promise.all(ids.map((id) => testOne(services, org.id, id, options)));
  if (endpointId && outcomes[0] === null) throw noSuchEndpoint();
  // "Test all": an endpoint deleted since the list is left out.
  const results = outcomes.filter((r) => r !== null);
  await auditOperatorChange(services, client, auth, {
    action: "notify.endpoint.test",
    summary: endpointId
      ? `test notification to "${results[0].name}": ${results[0].status}`
      : `test notification to ${counted(results.length, "endpoint")}: ` +
        `${results.filter((r) => r.status === "sent").length} sent`,
    target: endpointId ? { type: "notify_endpoint", id: endpointId } : { type: "org", id: org.id },
    details: {
      results: results.map((r) => ({
        endpointId: r.endpointId,
        status: r.status,
        code: r.code,
        latencyMs: r.latencyMs,
        error: r.error,
      })),
    },
  });
  return results;
}

/**
 * Sends a test e-mail to `to` (default: the caller's own address) through the configured SMTP
 * server. 503 when e-mail is not configured, 502 when the server refused it, 429 after
 * {@link TEST_EMAIL_LIMIT_PER_HOUR} in an hour.
 *
 * @example
 * ```ts
 * const sent = await sendTestEmail(services, auth, {}, client); // to the caller
 * ```
 */
export async function sendTestEmail(
  services: Services,
  auth: AuthState,
  input: unknown,
  client: ClientInfo,
): Promise<{ to: string; messageId: string; latencyMs: number }> {
  const { user } = actingOperator(auth);
  const to = validate(TestEmailInput, input).to ?? user.email;
  const token = await takeToken(services.kv, {
    bucket: `notify-test-email:${user.id}`,
    limit: TEST_EMAIL_LIMIT_PER_HOUR,
    windowMs: 3_600_000,
    now: services.clock.now(),
  });
  if (!token.ok) {
    throw new HttpError(
      429,
      `At most ${TEST_EMAIL_LIMIT_PER_HOUR} test e-mails an hour; retry in ${token.retryAfterS} s.`,
      { code: "rate_limited", headers: { "retry-after": String(token.retryAfterS) } },
    );
  }
  const now = services.clock.now();
  const started = performance.now();
  const audit = (outcome: string) =>
    auditOperatorChange(services, client, auth, {
      action: "notify.test_email",
      summary: `test e-mail to ${to}: ${outcome}`,
      target: { type: "user", id: user.id },
      details: { to, outcome },
    });
  try {
    const { messageId } = await services.mailer.send({
      to,
      ...emailMessage({
        deliveryId: `test-email-${now.getTime()}`,
        orgId: auth.org?.id ?? "",
        eventType: "test",
        severity: "info",
        title: "Test e-mail from VPS Sentry",
        summary: `Sent by ${user.email} to check the e-mail settings. If you can read this, ` +
          "notifications by e-mail work.",
        url: new URL("/notifications", services.config.appUrl).href,
        at: now,
      }),
    });
    await audit("sent");
    return { to, messageId, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    await audit(error instanceof HttpError ? error.code ?? "failed" : "failed");
    throw error;
  }
}
