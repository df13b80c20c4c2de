/**
 * Reading the stored snapshot history of a host, and retention: raw snapshots are pruned after
 * an organization's `snapshot_retention_days` (default 30); their signals are kept.
 *
 * @module
 */

import type { Selectable } from "kysely";
import type { Ledger } from "../db/ledger/mod.ts";
import type { SnapshotsTable } from "../db/ledger/schema.ts";
import { pageLimit, toDate } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";

/** A stored snapshot without its payload. */
export interface SnapshotSummary {
  id: string;
  orgId: string;
  hostId: string;
  /** Collection time. */
  ts: Date;
  receivedAt: Date;
  payloadHash: string;
  payloadBytes: number;
  ok: boolean;
  warnings: string[];
  alertsCount: number;
  publicPortsCount: number;
}

/** A stored snapshot with its payload (`status.json`, and `last`/`diff` of an envelope). */
export interface Snapshot extends SnapshotSummary {
  base: Record<string, unknown>;
  last: Record<string, unknown> | null;
  diff: Record<string, unknown> | null;
}

/** Where {@link listSnapshots} continues: the last snapshot of the previous page. */
export interface SnapshotCursor {
  receivedAt: Date;
  id: string;
}

/** Longest page of {@link listSnapshots}. */
export const MAX_SNAPSHOTS_PAGE = 200;
/** Days raw snapshots are kept when the organization has not said otherwise. */
export const DEFAULT_SNAPSHOT_RETENTION_DAYS = 30;
const PRUNE_BATCH = 500;

/** The columns of a {@link SnapshotSummary}: what listings read back of every snapshot row. */
export const SNAPSHOT_SUMMARY_COLUMNS = [
  "id",
  "org_id",
  "host_id",
  "ts",
  "received_at",
  "payload_hash",
  "payload_bytes",
  "ok",
  "warnings",
  "alerts_count",
  "public_ports_count",
] as const;

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function toSummary(row: Pick<Selectable<SnapshotsTable>, typeof SNAPSHOT_SUMMARY_COLUMNS[number]>) {
  const warnings = parseJson<unknown>(row.warnings, []);
  return {
    id: row.id,
    orgId: row.org_id,
    hostId: row.host_id,
    ts: toDate(row.ts),
    receivedAt: toDate(row.received_at),
    payloadHash: row.payload_hash,
    payloadBytes: Number(row.payload_bytes),
    ok: Number(row.ok) === 1,
    warnings: Array.isArray(warnings) ? warnings.filter((w) => typeof w === "string") : [],
    alertsCount: Number(row.alerts_count),
    publicPortsCount: Number(row.public_ports_count),
  } satisfies SnapshotSummary;
}

function toSnapshot(row: Selectable<SnapshotsTable>): Snapshot {
  return {
    ...toSummary(row),
    base: parseJson<Record<string, unknown>>(row.base, {}),
    last: parseJson<Record<string, unknown> | null>(row.last, null),
    diff: parseJson<Record<string, unknown> | null>(row.diff, null),
  };
}

/**
 * A host's snapshots, newest received first. Pass the last one as `before` for the next page.
 * Payloads (`base`, `last`, `diff`) only with `includePayload: true`: they can be 1 MB each.
 * A host of another organization has no snapshots here.
 *
 * @example
 * ```ts
 * const page = await listSnapshots(ledger, org.id, hostId, { limit: 20 });
 * const next = await listSnapshots(ledger, org.id, hostId, { limit: 20, before: page.at(-1) });
 * ```
 */
export function listSnapshots(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  hostId: string,
  options?: { limit?: number; before?: SnapshotCursor; includePayload?: false },
): Promise<SnapshotSummary[]>;
export function listSnapshots(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  hostId: string,
  options: { limit?: number; before?: SnapshotCursor; includePayload: true },
): Promise<Snapshot[]>;
export async function listSnapshots(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  hostId: string,
  options: { limit?: number; before?: SnapshotCursor; includePayload?: boolean } = {},
): Promise<SnapshotSummary[] | Snapshot[]> {
  const limit = pageLimit(options.limit, MAX_SNAPSHOTS_PAGE, 50);
  let query = ledger.db.selectFrom("snapshots")
    .where("org_id", "=", orgId).where("host_id", "=", hostId);
  const { before } = options;
  if (before !== undefined) {
    query = query.where((eb) =>
      eb.or([
        eb("received_at", "<", before.receivedAt),
        eb.and([eb("received_at", "=", before.receivedAt), eb("id", "<", before.id)]),
      ])
    );
  }
  query = query.orderBy("received_at", "desc").orderBy("id", "desc").limit(limit);
  if (options.includePayload) return (await query.selectAll().execute()).map(toSnapshot);
  return (await query.select([...SNAPSHOT_SUMMARY_COLUMNS]).execute()).map(toSummary);
}

/**
 * One snapshot with its payload, or null (also for one of another organization).
 *
 * @example
 * ```ts
 * const snapshot = await getSnapshot(ledger, org.id, snapshotId);
 * ```
 */
export async function getSnapshot(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  snapshotId: string,
): Promise<Snapshot | null> {
  const row = await ledger.db.selectFrom("snapshots").selectAll()
    .where("id", "=", snapshotId).where("org_id", "=", orgId).executeTakeFirst();
  return row ? toSnapshot(row) : null;
}

/**
 * Deletes the organization's raw snapshots received before `before`, in batches, except each
 * host's newest one (so a long-silent host still shows its last state). Signals stay.
 * Returns how many were deleted; running it again deletes nothing more.
 *
 * @example
 * ```ts
 * const cutoff = new Date(now.getTime() - 30 * 86_400_000);
 * const pruned = await pruneSnapshots(ledger, { orgId: org.id, before: cutoff });
 * ```
 */
export async function pruneSnapshots(
  ledger: Pick<Ledger, "db">,
  input: { orgId: string; before: Date },
): Promise<number> {
  let pruned = 0;
  while (true) {
    const rows = await ledger.db.selectFrom("snapshots as s").select("s.id")
      .where("s.org_id", "=", input.orgId).where("s.received_at", "<", input.before)
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom("snapshots as n").select("n.id")
            .whereRef("n.host_id", "=", "s.host_id")
            .where((eb) =>
              eb.or([
                eb("n.received_at", ">", eb.ref("s.received_at")),
                eb.and([
                  eb("n.received_at", "=", eb.ref("s.received_at")),
                  eb("n.id", ">", eb.ref("s.id")),
                ]),
              ])
            ),
        )
      )
      .orderBy("s.received_at").limit(PRUNE_BATCH).execute();
    if (rows.length === 0) break;
    const result = await ledger.db.deleteFrom("snapshots")
      .where("id", "in", rows.map((r) => r.id)).executeTakeFirst();
    pruned += Number(result.numDeletedRows);
    if (rows.length < PRUNE_BATCH) break;
  }
  return pruned;
}

/**
 * Sets how many days the organization keeps raw snapshots (null: the default, 30). 404 when the
 * organization does not exist.
 *
 * @example
 * ```ts
 * await setOrgSnapshotRetention(ledger, org.id, 90);
 * ```
 */
export async function setOrgSnapshotRetention(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  days: number | null,
): Promise<void> {
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > 3650)) {
    throw new HttpError(
      400,
      `snapshotRetentionDays: expected an integer 1-3650 or null, got ${days}`,
      { code: "invalid_retention", details: { field: "snapshotRetentionDays" } },
    );
  }
  const result = await ledger.db.updateTable("orgs").set({ snapshot_retention_days: days })
    .where("id", "=", orgId).executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new HttpError(404, "No such organization.");
}
