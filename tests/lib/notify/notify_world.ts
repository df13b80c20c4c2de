/**
 * The operator world plus what notification tests need: endpoints created through the real
 * API, a queue dispatcher over the real notification handlers (with `runOnce`), and a driver
 * that delivers whatever is due on the test clock.
 */
import { equal } from "node:assert/strict";
import { createQueueDispatcher, type QueueHandlers } from "@/jobs/queue.ts";
import { notifyQueueHandlers } from "@/jobs/notify.ts";
import { dueDeliveryMessages } from "@/lib/notify/pipeline.ts";
import { type Operator, type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";

/** What the create API answered. */
export interface CreatedEndpoint {
  endpoint: { id: string; name: string; kind: string; [key: string]: unknown };
  secret?: string;
}

/** The world with notification helpers. */
export interface NotifyWorld extends OperatorWorld {
  /** JSON API call as `who`; returns status and parsed body. */
  api(
    method: string,
    path: string,
    who: Operator,
    body?: unknown,
  ): Promise<{ status: number; body: Record<string, unknown>; text: string }>;
  /** Creates an endpoint in org A as its admin (201 asserted). */
  addEndpoint(input: Record<string, unknown>, who?: Operator): Promise<CreatedEndpoint>;
  /** The real dispatcher (validation + runOnce) over the notification handlers. */
  dispatch(message: unknown): Promise<void>;
  /** Dispatches every attempt due now on the test clock; returns how many. */
  deliverDue(): Promise<number>;
}

/**
 * A notify world; `env` adds to the test config (the HTTP timeout defaults to 300 ms here).
 *
 * @example
 * ```ts
 * await using w = await notifyWorld();
 * const { endpoint, secret } = await w.addEndpoint({ name: "Hook", kind: "webhook", url });
 * ```
 */
export async function notifyWorld(
  opts: { env?: Record<string, string> } = {},
): Promise<NotifyWorld> {
  const w = await operatorWorld({ env: { NOTIFY_HTTP_TIMEOUT_MS: "300", ...opts.env } });
  const { services } = w;
  const handlers = notifyQueueHandlers(services);
  // Only notification messages are expected here; anything else fails the test loudly.
  const all = new Proxy(handlers, {
    get: (target, key) =>
      key in target
        ? target[key as keyof typeof target]
        : () => Promise.reject(new Error(`unexpected queue message ${String(key)}`)),
  }) as unknown as QueueHandlers;
  const dispatch = createQueueDispatcher(all, services);
  const api: NotifyWorld["api"] = async (method, path, who, body) => {
    const res = await w.app.request(path, {
      method,
      headers: w.headers(who, body === undefined ? {} : { "content-type": "application/json" }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {}, text };
  };
  return Object.assign(w, {
    api,
    async addEndpoint(input: Record<string, unknown>, who = w.a.admin) {
      const res = await api("POST", "/api/notify/endpoints", who, input);
      equal(res.status, 201, res.text);
      return res.body as unknown as CreatedEndpoint;
    },
    dispatch,
    async deliverDue() {
      const due = await dueDeliveryMessages(services);
      for (const m of due) await dispatch(m);
      return due.length;
    },
  });
}
