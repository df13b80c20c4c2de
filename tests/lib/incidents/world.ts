/**
 * A world for incident tests: `operatorWorld` plus JSON API calls as any operator, hosts that
 * push fixtures, a real webhook receiver registered as a notification endpoint, and what the
 * notification pipeline queued (deliveries) with a way to send them now.
 */
import { equal } from "node:assert/strict";
import { processDelivery } from "@/lib/notify/pipeline.ts";
import type { Incident } from "@/lib/incidents/model.ts";
import { readIncident } from "@/lib/incidents/model.ts";
import { type Operator, type OperatorWorld, operatorWorld } from "../../support/operator_world.ts";
import {
  type CreatedHost,
  createHostViaApi,
  fixtureJson,
  pushStatus,
} from "../../support/hosts_api.ts";

/** The world plus helpers. */
export interface IncidentWorld extends OperatorWorld {
  /** Calls a JSON API as `who`; returns status and parsed body. */
  api(
    who: Operator,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<
    {
      status: number;
      body: Record<string, unknown> & {
        error?: { code: string; message: string; details?: { field?: string } };
      };
    }
  >;
  /** Creates a host as org A's admin. */
  host(slug: string, extra?: Record<string, unknown>): Promise<CreatedHost>;
  /** Pushes `status-ioc-outbound.json` for the host at `ts`. */
  pushIoc(host: CreatedHost, ts: string): Promise<void>;
  /** Opens an incident by hand as ops (asserts 201). */
  open(body?: Record<string, unknown>): Promise<Incident>;
  /** The incident as stored now. */
  incident(id: string): Promise<Incident>;
  /** Deliveries of org A for an event type (oldest first). */
  deliveries(
    eventType: string,
  ): Promise<
    { id: string; endpoint_id: string | null; recipient: string | null; status: string }[]
  >;
  /** Runs the first attempt of a delivery (the `notify.deliver` consumer). */
  send(deliveryId: string): Promise<string>;
}

/**
 * Builds the world.
 *
 * @example
 * ```ts
 * await using w = await incidentWorld();
 * const incident = await w.open({ title: "DB down", severity: "critical" });
 * ```
 */
export async function incidentWorld(
  opts: { env?: Record<string, string> } = {},
): Promise<IncidentWorld> {
  const w = await operatorWorld(opts);
  const api: IncidentWorld["api"] = async (who, method, path, body) => {
    const res = await w.app.request(path, {
      method,
      headers: w.headers(who, { "content-type": "application/json" }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  };
  return Object.assign(w, {
    api,
    host: (slug: string, extra: Record<string, unknown> = {}) => createHostViaApi(w, slug, extra),
    pushIoc: async (host: CreatedHost, ts: string) => {
      await pushStatus(w, host, await fixtureJson("status-ioc-outbound.json"), ts);
    },
    open: async (body: Record<string, unknown> = {}) => {
      const res = await api(w.a.ops, "POST", "/api/incidents", {
        title: "Database unreachable",
        severity: "critical",
        ...body,
      });
      equal(res.status, 201, JSON.stringify(res.body));
      return res.body.incident as Incident;
    },
    incident: async (id: string) => (await readIncident(w.services.ledger, id))!,
    deliveries: async (eventType: string) =>
      await w.services.ledger.db.selectFrom("notify_deliveries")
        .select(["id", "endpoint_id", "recipient", "status"])
        .where("org_id", "=", w.orgA.id).where("event_type", "=", eventType)
        .orderBy("id").execute(),
    send: (deliveryId: string) => processDelivery(w.services, deliveryId, 1),
  });
}
