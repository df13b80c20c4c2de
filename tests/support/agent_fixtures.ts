/**
 * The agent conformance fixtures (`../shared/fixtures/agent/`, beside the repository in CI too)
 * and the ingest results the fixtures README says they give.
 */
import type { IngestCounts } from "@/lib/ingest/types.ts";

export const AGENT_FIXTURE_DIR = new URL("../../../shared/fixtures/agent/", import.meta.url);

/** Raw bytes of a fixture, exactly as an agent would send them. */
export function fixtureBytes(name: string): Uint8Array {
  return Deno.readFileSync(new URL(name, AGENT_FIXTURE_DIR));
}

/** Every `*.json` file in the fixture directory, sorted. */
export function fixtureNames(): string[] {
  return [...Deno.readDirSync(AGENT_FIXTURE_DIR)]
    .filter((e) => e.isFile && e.name.endsWith(".json"))
    .map((e) => e.name)
    .sort();
}

const DEFAULT_RULES = ["udp:68", "tcp:22", "tcp:80", "tcp:443", "tcp:3100-3199"];

export interface StatusFixture {
  /** The payload's own `host`, so tests can register a matching host. */
  host: string;
  /** The payload's `ts`, normalized. */
  ts: string;
  counts: IngestCounts;
}

/** The fixtures README table (status payloads; `signing-vectors.json` is not one). */
export const STATUS_FIXTURES: Record<string, StatusFixture> = {
  "status-minimal.json": {
    host: "ubuntu-4gb-hel1-11",
    ts: "2026-02-07T01:45:07.430Z",
    counts: {
      alertsCount: 2,
      publicPortsTotalCount: 2,
      publicPortsCount: 1,
      unexpectedPublicPortsCount: 1,
      expectedPublicPorts: ["udp:68"],
    },
  },
  "status-rich.json": {
    host: "test",
    ts: "2026-02-07T00:00:00.000Z",
    counts: {
      alertsCount: 1,
      publicPortsTotalCount: 1,
      publicPortsCount: 1,
      unexpectedPublicPortsCount: null,
      expectedPublicPorts: null,
    },
  },
  "status-real-debian.json": {
    host: "vm",
    ts: "2026-11-25T16:56:15.675Z",
    counts: {
      alertsCount: 1,
      publicPortsTotalCount: 1,
      publicPortsCount: 1,
      unexpectedPublicPortsCount: 1,
      expectedPublicPorts: DEFAULT_RULES,
    },
  },
  "envelope-real.json": {
    host: "vm",
    ts: "2026-11-25T16:56:15.675Z",
    counts: {
      alertsCount: 1,
      publicPortsTotalCount: 1,
      publicPortsCount: 1,
      unexpectedPublicPortsCount: 1,
      expectedPublicPorts: DEFAULT_RULES,
    },
  },
  "status-ioc-outbound.json": {
    host: "shop-prod-1",
    ts: "2026-11-24T03:17:42.905Z",
    counts: {
      alertsCount: 1,
      publicPortsTotalCount: 1,
      publicPortsCount: 0,
      unexpectedPublicPortsCount: 0,
      expectedPublicPorts: DEFAULT_RULES,
    },
  },
  "status-drift.json": {
    host: "ops-bookworm-2",
    ts: "2026-11-24T09:40:03.551Z",
    counts: {
      alertsCount: 6,
      publicPortsTotalCount: 4,
      publicPortsCount: 2,
      unexpectedPublicPortsCount: 2,
      expectedPublicPorts: [
        "udp:68",
        "tcp:22",
        "tcp:80",
        "tcp:443",
        "tcp:26656",
        "tcp:3032",
        "tcp:37891",
        "tcp:3100-3199",
        "tcp:3400-3499",
      ],
    },
  },
};

/** Fixtures that are valid JSON but not status payloads. */
export const NON_STATUS_FIXTURES = ["signing-vectors.json"];
