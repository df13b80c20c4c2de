/**
 * Plan inputs built from the agent fixtures the way the app builds them: the payload parsed by
 * `parseStatusPush` and normalized by `snapshotSignals`. `mutate` edits the status first (to make
 * "fixed" or adversarial variants).
 */
import { parseStatusPush } from "@/lib/ingest/parse.ts";
import { snapshotSignals } from "@/lib/signals/normalize.ts";
import type { PlanInput } from "@/lib/remediation/types.ts";
import { fixtureBytes } from "../../support/agent_fixtures.ts";

export type Json = Record<string, unknown>;

/** A fixture's status object (deep copy; the envelope's `status` for an envelope). */
export function fixtureStatus(name: string): Json {
  const body = JSON.parse(new TextDecoder().decode(fixtureBytes(name))) as Json;
  return structuredClone((body.status ?? body) as Json);
}

/**
 * The plan input of a status object, as the app would see it after ingest.
 *
 * @example
 * ```ts
 * const input = await statusInput(fixtureStatus("status-drift.json"));
 * ```
 */
export async function statusInput(status: Json): Promise<PlanInput> {
  const host = { id: "host_test01", name: String(status.host ?? "test"), slug: "test" };
  const parsed = await parseStatusPush(new TextEncoder().encode(JSON.stringify(status)), {
    receivedAt: new Date(),
    host,
  });
  return {
    host: { id: host.id, name: host.name, orgId: "org_test01" },
    snapshot: parsed.base,
    signals: snapshotSignals(parsed),
    snapshotTs: parsed.ts,
  };
}

/** `statusInput` of a fixture, optionally edited first. */
export function fixtureInput(name: string, mutate?: (status: Json) => void): Promise<PlanInput> {
  const status = fixtureStatus(name);
  mutate?.(status);
  return statusInput(status);
}

/** Moves the listeners on `proto:port` specs from unexpected to blocked inbound (ufw deny). */
export function blockPorts(status: Json, specs: string[]): void {
  const key = (p: Json) => `${p.proto}:${p.port}`;
  const unexpected = (status.ports_public_unexpected as Json[]) ?? [];
  status.ports_public_unexpected = unexpected.filter((p) => !specs.includes(key(p)));
  status.unexpected_public_ports_count = (status.ports_public_unexpected as Json[]).length;
  status.blocked_inbound_ports = [...(status.blocked_inbound_ports as string[]), ...specs].sort();
  status.ports_public_blocked_inbound = ((status.ports_public as Json[]) ?? []).filter((p) =>
    specs.includes(key(p))
  );
}

/** Removes every listener on `proto:port` specs (the program stopped listening). */
export function dropListeners(status: Json, specs: string[]): void {
  const keep = (list: unknown) =>
    ((list as Json[]) ?? []).filter((p) => !specs.includes(`${p.proto}:${p.port}`));
  status.ports_public = keep(status.ports_public);
  status.ports_public_unexpected = keep(status.ports_public_unexpected);
  status.public_ports_count = (status.ports_public as Json[]).length;
  status.unexpected_public_ports_count = (status.ports_public_unexpected as Json[]).length;
}
