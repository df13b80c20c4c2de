/**
 * `host_summaries` rows: their shape, the statements that write them (each write moves the
 * organization's counters by its difference, `fleet_counts.ts`), and how a row is computed
 * from a host's listing and posture inputs. The hooks that keep rows current are in
 * `summary.ts`.
 *
 * @module
 */

import type { Selectable } from "kysely";
import { type Placeholder, prepared } from "../db/ledger/prepared.ts";
import type { HostSummariesTable } from "../db/ledger/schema.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import type { HeartbeatOptions } from "../signals/heartbeat.ts";
import { SEVERITIES, type Severity } from "../signals/types.ts";
import type { Host } from "./host.ts";
import { applyCountDelta } from "./fleet_counts.ts";
import { type SummaryItem, summaryValues } from "./summary_posture.ts";

/** A `host_summaries` row as read. */
export type SummaryRow = Selectable<HostSummariesTable>;

export const summaryOf = prepared<{ hostId: string }, SummaryRow>((db, p) =>
  db.selectFrom("host_summaries").selectAll().where("host_id", "=", p("hostId"))
);

export type RowValues =
  & Omit<SummaryRow, "seen_at" | "snapshot_ts" | "refresh_at" | "updated_at">
  & {
    seen_at: Date;
    snapshot_ts: Date | null;
    refresh_at: Date | null;
    updated_at: Date;
  };

/** The listing columns: what the overview filters on, from the registry's host. */
const LISTING_COLUMNS = ["slug", "search", "group_name", "tags", "enabled"] as const;
/** The posture columns: a push changes them only when the score or band moves. */
const POSTURE_COLUMNS = ["score", "band"] as const;
/** The columns every push may change. */
const CHANGING_COLUMNS = [
  "heartbeat",
  "critical",
  "high",
  "medium",
  "low",
  "info",
  "snapshot_id",
  "snapshot_ts",
  "items",
  "seen_at",
  "refresh_at",
  "updated_at",
] as const;
/** Every column but the keys: what an upsert of an existing row rewrites. */
const UPDATABLE_COLUMNS = [...LISTING_COLUMNS, ...POSTURE_COLUMNS, ...CHANGING_COLUMNS] as const;

/** `{ column: p(column) }` for each of `columns`: one place lists a statement's columns. */
function placeholders<K extends keyof RowValues & string>(
  p: Placeholder<Pick<RowValues, K>>,
  columns: readonly K[],
): Pick<RowValues, K> {
  return Object.fromEntries(columns.map((c) => [c, p(c)])) as Pick<RowValues, K>;
}

const upsertSummary = prepared<RowValues, never>((db, p) =>
  db.insertInto("host_summaries").values({
    host_id: p("host_id"),
    org_id: p("org_id"),
    ...placeholders(p, UPDATABLE_COLUMNS),
  }).onConflict((oc) =>
    oc.column("host_id").doUpdateSet((eb) =>
      Object.fromEntries(UPDATABLE_COLUMNS.map((c) => [c, eb.ref(`excluded.${c}`)]))
    )
  )
);

type Changing = Pick<RowValues, "host_id" | typeof CHANGING_COLUMNS[number]>;
/** A push that leaves score and band alone touches only the indexes of `seen_at`, `refresh_at`. */
const updateChanging = prepared<Changing, never>((db, p) =>
  db.updateTable("host_summaries").set(placeholders(p, CHANGING_COLUMNS))
    .where("host_id", "=", p("host_id"))
);
const updateWithPosture = prepared<Changing & Pick<RowValues, "score" | "band">, never>((
  db,
  p,
) =>
  db.updateTable("host_summaries")
    .set(placeholders(p, [...CHANGING_COLUMNS, ...POSTURE_COLUMNS]))
    .where("host_id", "=", p("host_id"))
);

/**
 * Writes `next` and moves the counters from `old` to it. Updates set only the columns that
 * can have changed, so every push does not rewrite every index of the table.
 *
 * @example
 * ```ts
 * await writeSummary(tx, old, rowFor(base, latest, host, now, config.heartbeat));
 * ```
 */
export async function writeSummary(tx: LedgerTx, old: SummaryRow | null, next: RowValues) {
  const listingSame = old !== null && old.slug === next.slug && old.search === next.search &&
    old.group_name === next.group_name && old.tags === next.tags &&
    Number(old.enabled) === next.enabled;
  if (!listingSame) await upsertSummary(tx, next);
  else if (Number(old.score) === next.score && old.band === next.band) {
    await updateChanging(tx, next);
  } else await updateWithPosture(tx, next);
  await applyCountDelta(tx, next.org_id, old, next);
}

/**
 * The items column as read (null when unknown or unreadable).
 *
 * @example
 * ```ts
 * parseItems('[{"code":"x","severity":"high","count":1}]')?.[0].count; // 1
 * ```
 */
export function parseItems(text: string | null): SummaryItem[] | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value as SummaryItem[] : null;
  } catch {
    return null;
  }
}

/**
 * Signals per severity in a snapshot's items.
 *
 * @example
 * ```ts
 * severityCounts([{ code: "x", severity: "high", count: 2 }]).high; // 2
 * ```
 */
export function severityCounts(items: readonly SummaryItem[]): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const i of items) out[i.severity] = (out[i.severity] ?? 0) + i.count;
  return out;
}

/** What the overview filters on, from the registry's host. */
export type Listing = Pick<RowValues, "slug" | "search" | "group_name" | "tags">;

/**
 * The listing columns of a host.
 *
 * @example
 * ```ts
 * listingOf({ name: "Web 1", slug: "web-1", group: null, tags: [] }).search; // "web 1\nweb-1"
 * ```
 */
export function listingOf(host: Pick<Host, "name" | "slug" | "group" | "tags">): Listing {
  return {
    slug: host.slug,
    search: `${host.name.toLowerCase()}\n${host.slug}`,
    group_name: host.group,
    tags: JSON.stringify(host.tags),
  };
}

/**
 * The row for a host with these listing columns and posture inputs at `now`.
 *
 * @example
 * ```ts
 * const next = rowFor({ host_id, org_id, enabled: 1, ...listingOf(host) }, latest, host, now, defaults);
 * ```
 */
export function rowFor(
  base: Pick<RowValues, "host_id" | "org_id" | "enabled"> & Listing,
  latest: { items: SummaryItem[]; snapshotId: string | null; snapshotTs: Date | null },
  host: Pick<Host, "lastSeenAt" | "heartbeatExpectedMinutes">,
  now: Date,
  defaults: HeartbeatOptions,
): RowValues {
  const v = summaryValues({ ...latest, ...host }, now, defaults);
  const counts = severityCounts(latest.items);
  return {
    host_id: base.host_id,
    org_id: base.org_id,
    enabled: base.enabled,
    slug: base.slug,
    search: base.search,
    group_name: base.group_name,
    tags: base.tags,
    seen_at: host.lastSeenAt ?? new Date(0),
    score: v.score,
    band: v.band,
    heartbeat: v.heartbeat,
    critical: counts.critical,
    high: counts.high,
    medium: counts.medium,
    low: counts.low,
    info: counts.info,
    snapshot_id: latest.snapshotId,
    snapshot_ts: latest.snapshotTs,
    items: JSON.stringify(latest.items),
    refresh_at: v.refreshAt,
    updated_at: now,
  };
}
