/**
 * What a host is: the domain shape of a `hosts` row, and reading rows into it.
 *
 * @module
 */

import type { Selectable } from "kysely";
import type { HostsTable } from "../db/ledger/schema.ts";
import { toDate, toDateOrNull } from "../db/ledger/values.ts";

/** How a host may post status: bearer keys, or only signed requests (agent-protocol §2.9). */
export type IngestMode = "bearer" | "signed";

/** A registered host. */
export interface Host {
  /** Opaque id (`h_` + ULID), `[A-Za-z0-9_-]{1,64}`; not the hostname. */
  id: string;
  orgId: string;
  name: string;
  /** Unique within the organization. */
  slug: string;
  group: string | null;
  tags: string[];
  /** Free-form fleet-targeting labels (not key scopes). */
  scopes: string[];
  /** −100..100; higher rolls out first. */
  rolloutPriority: number;
  paused: boolean;
  disabledAt: Date | null;
  ingestMode: IngestMode;
  agentVersion: string | null;
  /** Receive time of the newest accepted status POST (the heartbeat). */
  lastSeenAt: Date | null;
  /** Collection time of the newest stored snapshot. */
  lastSnapshotAt: Date | null;
  /** The host runner's latest job poll (agent-protocol Part 5); not a heartbeat. */
  lastPollAt: Date | null;
  /** The host's own expected heartbeat interval `E` (minutes); null: the deployment default. */
  heartbeatExpectedMinutes: number | null;
  createdAt: Date;
}

/** What a host id looks like (agent-protocol §0). */
export const HOST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** A row of `hosts` as read. */
export type HostRow = Selectable<HostsTable>;

/**
 * A JSON text array of strings; anything else reads as empty.
 *
 * @example
 * ```ts
 * parseStringArray('["prod","eu"]'); // ["prod", "eu"]
 * parseStringArray("oops");          // []
 * ```
 */
export function parseStringArray(text: string | null): string[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
  } catch {
    return [];
  }
}

/**
 * A row of `hosts` as a {@link Host}.
 *
 * @example
 * ```ts
 * const hosts = (await ledger.db.selectFrom("hosts").selectAll().execute()).map(toHost);
 * ```
 */
export function toHost(row: HostRow): Host {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    slug: row.slug,
    group: row.group_name,
    tags: parseStringArray(row.tags),
    scopes: parseStringArray(row.scopes),
    rolloutPriority: Number(row.rollout_priority),
    paused: Number(row.paused) === 1,
    disabledAt: toDateOrNull(row.disabled_at),
    ingestMode: row.ingest_mode === "signed" ? "signed" : "bearer",
    agentVersion: row.agent_version,
    lastSeenAt: toDateOrNull(row.last_seen_at),
    lastSnapshotAt: toDateOrNull(row.last_snapshot_at),
    lastPollAt: toDateOrNull(row.last_poll_at ?? null),
    heartbeatExpectedMinutes: row.heartbeat_expected_minutes === null ||
        row.heartbeat_expected_minutes === undefined
      ? null
      : Number(row.heartbeat_expected_minutes),
    createdAt: toDate(row.created_at),
  };
}
