/**
 * Hosts through the API, as route and page tests need them: an admin of org A creates a host
 * (the answer carries its one-time token) and pushes fixture payloads with that token.
 */
import { equal } from "node:assert/strict";
import type { OperatorWorld } from "./operator_world.ts";

const FIXTURES = new URL("../../../shared/fixtures/agent/", import.meta.url);

export interface CreatedHost {
  host: { id: string; slug: string };
  onboarding: {
    token: string;
    ingestUrl: string;
    pushCommand: string;
    /** The host runner's one-time enrollment (agent-protocol §4.6). */
    runner: { token: string; expiresAt: string; baseUrl: string; command: string };
  };
}

/** The ingest answer, with the members tests read. */
export interface IngestAnswer {
  persisted: boolean;
  deduped: boolean;
  breaches: {
    opened: { id: string; code: string }[];
    reopened: { id: string }[];
    fixed: { id: string }[];
  };
  [key: string]: unknown;
}

/**
 * Creates a host as org A's admin (asserts 201).
 *
 * @example
 * ```ts
 * const web = await createHostViaApi(w, "web-1", { group: "web" });
 * ```
 */
export async function createHostViaApi(
  w: OperatorWorld,
  slug: string,
  extra: Record<string, unknown> = {},
): Promise<CreatedHost> {
  const res = await w.app.request("/api/hosts", {
    method: "POST",
    headers: w.headers(w.a.admin, { "content-type": "application/json" }),
    body: JSON.stringify({ name: slug, slug, ...extra }),
  });
  equal(res.status, 201, await res.clone().text());
  return await res.json();
}

/** A fixture of `shared/fixtures/agent/` as an object. */
export async function fixtureJson(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(new URL(name, FIXTURES)));
}

/**
 * Pushes `payload` (its `ts` replaced when given) with the host's token; asserts 200.
 *
 * @example
 * ```ts
 * const answer = await pushStatus(w, web, await fixtureJson("status-drift.json"), "2026-11-25T09:00:00Z");
 * ```
 */
export async function pushStatus(
  w: OperatorWorld,
  created: { host: { id: string }; onboarding: { token: string } },
  payload: Record<string, unknown>,
  ts?: string,
): Promise<IngestAnswer> {
  const res = await w.app.request(`/api/hosts/${created.host.id}/status`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${created.onboarding.token}`,
      "content-type": "application/json",
    },
    body: JSON.stringify(ts === undefined ? payload : { ...payload, ts }),
  });
  equal(res.status, 200, await res.clone().text());
  return await res.json();
}
