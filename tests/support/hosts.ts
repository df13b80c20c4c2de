/**
 * Builders for host, key and snapshot tests: hosts in seeded organizations, hand-made
 * `ParsedSnapshot`s and `Signal`s (no dependency on the parser or the normalizer), and store
 * services on any ledger with in-memory KV.
 */
import { createHash } from "node:crypto";
import type { Ledger } from "@/lib/db/ledger/mod.ts";
import { createHost, type Host } from "@/lib/hosts/registry.ts";
import type { StoreServices } from "@/lib/ingest/store.ts";
import type { ParsedSnapshot } from "@/lib/ingest/types.ts";
import { createLogger } from "@/lib/log.ts";
import type { Org } from "@/lib/orgs/orgs.ts";
import type { Signal } from "@/lib/signals/types.ts";
import { seedOrg } from "./operators.ts";

/** The time most tests start at. */
export const T0 = new Date("2026-11-25T10:00:00.000Z");

/** `T0` plus `seconds`. */
export function at(seconds: number): Date {
  return new Date(T0.getTime() + seconds * 1000);
}

/** A host named `slug` in `org`. */
export async function seedHost(
  ledger: Ledger,
  org: Org,
  slug: string,
  extra: Record<string, unknown> = {},
): Promise<Host> {
  return await createHost(ledger, org.id, { name: slug, slug, ...extra }, { now: T0 });
}

/**
 * Two organizations for isolation checks: `acme` with hosts `web-1` and `db-1`, and `beta` with
 * a `web-1` of its own (`foreign`, which every query of `acme` must leave out).
 *
 * @example
 * ```ts
 * const { org, web, db, foreign } = await seedTwoOrgFleet(ledger);
 * ```
 */
export async function seedTwoOrgFleet(
  ledger: Ledger,
): Promise<{ org: Org; other: Org; web: Host; db: Host; foreign: Host }> {
  const org = await seedOrg(ledger, "acme");
  const other = await seedOrg(ledger, "beta");
  const web = await seedHost(ledger, org, "web-1");
  const db = await seedHost(ledger, org, "db-1");
  const foreign = await seedHost(ledger, other, "web-1");
  return { org, other, web, db, foreign };
}

/**
 * A parsed push as `parseStatusPush` would produce it, with the payload hash computed from the
 * base object's JSON (so two calls with equal `base` hash equally).
 */
export function parsedSnapshot(
  input: {
    ts: string;
    receivedAt?: string;
    base?: Record<string, unknown>;
    warnings?: string[];
    alertsCount?: number;
    agentVersion?: string | null;
  },
): ParsedSnapshot {
  const base = input.base ?? { host: "web-1", version: "1.0.0", ts: input.ts, alerts: [] };
  const raw = JSON.stringify(base);
  return {
    base,
    last: null,
    diff: null,
    okFlag: true,
    ts: input.ts,
    receivedAt: input.receivedAt ?? input.ts,
    warnings: input.warnings ?? [],
    counts: {
      alertsCount: input.alertsCount ?? 0,
      publicPortsTotalCount: 2,
      publicPortsCount: 1,
      unexpectedPublicPortsCount: 1,
      expectedPublicPorts: ["udp:68"],
    },
    payloadHash: createHash("sha256").update(raw).digest("hex"),
    payloadBytes: new TextEncoder().encode(raw).length,
    reportedHost: typeof base.host === "string" ? base.host : null,
    agentVersion: input.agentVersion === undefined ? "1.0.0" : input.agentVersion,
  };
}

/** A signal with sensible defaults. */
export function signal(overrides: Partial<Signal> = {}): Signal {
  const code = overrides.code ?? "public_ports_changed";
  return {
    code,
    severity: "medium",
    title: "Public listening ports changed",
    detail: "Added public listeners:\n+ tcp|0.0.0.0|6379|redis-server",
    ts: T0.toISOString(),
    source: "alert",
    fingerprint: `${code}|tcp:6379`,
    ...overrides,
  };
}

/** Store services on `ledger` with a fresh in-memory KV; dispose to close the KV. */
export async function storeServices(
  ledger: Ledger,
): Promise<StoreServices & AsyncDisposable & { logLines: string[] }> {
  const kv = await Deno.openKv(":memory:");
  const logLines: string[] = [];
  return {
    kv,
    ledger,
    log: createLogger("debug", (line) => logLines.push(line)),
    logLines,
    [Symbol.asyncDispose]() {
      kv.close();
      return Promise.resolve();
    },
  };
}
