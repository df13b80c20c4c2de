/**
 * `hosts`: the registry of monitored servers per organization. Every function takes the
 * organization and answers as if a host of another organization did not exist (null or 404),
 * except {@link getHostAnyOrg}, which bearer authentication uses before it knows the org.
 *
 * @module
 */

import { sql } from "kysely";
import { monotonicFactory } from "ulid";
import type { Ledger } from "../db/ledger/mod.ts";
import { prepared } from "../db/ledger/prepared.ts";
import { isUniqueViolation, type LedgerTx, writeTransaction } from "../db/ledger/transaction.ts";
import { pageLimit, toDate } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import { lockOrgRow } from "../orgs/orgs.ts";
import { type Host, HOST_ID_PATTERN, type HostRow, type IngestMode, toHost } from "./host.ts";
import { slugFromName, validateHostInput } from "./host_input.ts";
import {
  deleteHostSummary,
  hostSummaryEdited,
  insertHostSummary,
  setHostSummaryEnabled,
} from "./summary.ts";

export { type Host, HOST_ID_PATTERN, type IngestMode } from "./host.ts";
export { slugFromName, validateHostInput } from "./host_input.ts";
export type { HostInput, HostPatch } from "./host_input.ts";

/** Longest page of {@link listHosts}. */
export const MAX_HOSTS_PAGE = 200;
const nextId = monotonicFactory();

type HostUpdate = {
  name?: string;
  slug?: string;
  group_name?: string | null;
  tags?: string;
  scopes?: string;
  rollout_priority?: number;
  paused?: number;
  heartbeat_expected_minutes?: number | null;
};

function slugTaken(slug: string): HttpError {
  return new HttpError(
    409,
    `slug: "${slug}" is already used by another host in this organization; pick another`,
    { code: "slug_taken", details: { field: "slug" } },
  );
}

function hostNotFound(): HttpError {
  return new HttpError(404, "No such host in this organization.", { code: "host_not_found" });
}

/**
 * How many hosts the organization has (disabled ones included).
 *
 * @example
 * ```ts
 * const used = await countHosts(ledger, org.id);
 * ```
 */
export async function countHosts(ledger: Pick<Ledger, "db">, orgId: string): Promise<number> {
  const row = await ledger.db.selectFrom("hosts")
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where("org_id", "=", orgId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The plan-limit hook: 403 `host_limit_reached` when the organization already has `limit` hosts
 * (null: unlimited). {@link createHost} calls it inside its transaction, so concurrent creations
 * cannot overshoot.
 *
 * @example
 * ```ts
 * await assertHostLimit(ledger, org.id, plan.maxHosts);
 * ```
 */
export async function assertHostLimit(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  limit: number | null,
): Promise<void> {
  if (limit === null) return;
  const count = await countHosts(ledger, orgId);
  if (count >= limit) {
    throw new HttpError(
      403,
      `This organization has ${count} hosts, the most its plan allows (${limit}). ` +
        "Delete a host or upgrade the plan.",
      { code: "host_limit_reached", details: { limit, count } },
    );
  }
}

/**
 * Registers a host. 400 for bad input, 409 `slug_taken` (decided by the unique index, so two
 * concurrent creations cannot both win), 403 `host_limit_reached` past `options.hostLimit`.
 * New hosts post by bearer key (`ingestMode: "bearer"`); create a key with `createHostKey`.
 *
 * @example
 * ```ts
 * const host = await createHost(ledger, org.id, { name: "web 1", tags: ["prod"] });
 * ```
 */
export async function createHost(
  ledger: LedgerTx,
  orgId: string,
  input: unknown,
  options: { now?: Date; hostLimit?: number | null } = {},
): Promise<Host> {
  const valid = validateHostInput(input);
  const createdAt = options.now ?? new Date();
  const host: Host = {
    id: `h_${nextId(createdAt.getTime())}`,
    orgId,
    name: valid.name,
    slug: valid.slug ?? slugFromName(valid.name),
    group: valid.group ?? null,
    tags: valid.tags ?? [],
    scopes: valid.scopes ?? [],
    rolloutPriority: valid.rolloutPriority ?? 0,
    paused: valid.paused ?? false,
    disabledAt: null,
    ingestMode: "bearer",
    agentVersion: null,
    lastSeenAt: null,
    lastSnapshotAt: null,
    lastPollAt: null,
    heartbeatExpectedMinutes: valid.heartbeatExpectedMinutes ?? null,
    createdAt,
  };
  try {
    await writeTransaction(ledger, async (tx) => {
      if (options.hostLimit !== undefined && options.hostLimit !== null) {
        await lockOrgRow(tx, orgId); // serializes concurrent creations in one org (Postgres)
        await assertHostLimit(tx, orgId, options.hostLimit);
      }
      await tx.db.insertInto("hosts").values({
        id: host.id,
        org_id: orgId,
        name: host.name,
        slug: host.slug,
        group_name: host.group,
        tags: JSON.stringify(host.tags),
        scopes: JSON.stringify(host.scopes),
        rollout_priority: host.rolloutPriority,
        paused: host.paused ? 1 : 0,
        disabled_at: null,
        ingest_mode: "bearer",
        agent_version: null,
        last_seen_at: null,
        last_snapshot_at: null,
        heartbeat_expected_minutes: host.heartbeatExpectedMinutes,
        created_at: createdAt,
      }).execute();
      await insertHostSummary(tx, host, createdAt); // the fleet overview's row and counters
    });
  } catch (error) {
    if (isUniqueViolation(error, "slug")) throw slugTaken(host.slug);
    throw error;
  }
  return host;
}

/**
 * The host `hostId` of organization `orgId`, or null (also for a host of another organization).
 *
 * @example
 * ```ts
 * const host = await getHost(ledger, org.id, params.hostId);
 * if (!host) throw new HttpError(404);
 * ```
 */
export async function getHost(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  hostId: string,
): Promise<Host | null> {
  const row = await ledger.db.selectFrom("hosts").selectAll()
    .where("id", "=", hostId).where("org_id", "=", orgId).executeTakeFirst();
  return row ? toHost(row) : null;
}

/**
 * The host with id `hostId` in any organization, or null. Only for authenticating host
 * credentials (bearer keys, signed requests), which name the host but not its organization;
 * the caller must check the credential belongs to this host before trusting the result.
 * Operator-facing code uses {@link getHost}.
 *
 * @example
 * ```ts
 * const host = await getHostAnyOrg(ledger, hostId); // then verify the key's host_id matches
 * ```
 */
export async function getHostAnyOrg(
  ledger: Pick<Ledger, "db">,
  hostId: string,
): Promise<Host | null> {
  if (!HOST_ID_PATTERN.test(hostId)) return null;
  const row = (await hostById(ledger, { id: hostId })).rows[0];
  return row ? toHost(row) : null;
}

/** Every authenticated host request runs this: compiled once per dialect (see prepared.ts). */
const hostById = prepared<{ id: string }, HostRow>((db, p) =>
  db.selectFrom("hosts").selectAll().where("id", "=", p("id"))
);

/**
 * The host with slug `slug` in organization `orgId`, or null.
 *
 * @example
 * ```ts
 * const host = await getHostBySlug(ledger, org.id, "web-1");
 * ```
 */
export async function getHostBySlug(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  slug: string,
): Promise<Host | null> {
  const row = await ledger.db.selectFrom("hosts").selectAll()
    .where("org_id", "=", orgId).where("slug", "=", slug.trim().toLowerCase())
    .executeTakeFirst();
  return row ? toHost(row) : null;
}

/** Filters and paging of {@link listHosts}. */
export interface ListHostsOptions {
  /** Page size, 1-200 (default 50). */
  limit?: number;
  /** The slug of the last host of the previous page. */
  after?: string;
  /** Case-insensitive substring of the name or slug. */
  search?: string;
  /** Exact group name. */
  group?: string;
  /** Hosts carrying this tag. */
  tag?: string;
  /** Include disabled hosts (default false). */
  includeDisabled?: boolean;
}

/**
 * True when one of `columns` (fixed SQL expressions, never input) contains `text` literally:
 * `like … escape '\'` with `%`, `_` and `\` escaped, the same on SQLite and Postgres.
 */
function likeAny(columns: ("tags" | "lower(name)" | "lower(slug)")[], text: string) {
  const pattern = `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const parts = columns.map((c) => sql`${sql.raw(c)} like ${pattern} escape '\\'`);
  return sql<boolean>`(${sql.join(parts, sql` or `)})`;
}

/**
 * The organization's hosts, by slug. Pass the last slug as `after` for the next page.
 *
 * @example
 * ```ts
 * const page = await listHosts(ledger, org.id, { limit: 50, tag: "prod", search: "web" });
 * const next = await listHosts(ledger, org.id, { limit: 50, after: page.at(-1)?.slug });
 * ```
 */
export async function listHosts(
  ledger: Pick<Ledger, "db">,
  orgId: string,
  options: ListHostsOptions = {},
): Promise<Host[]> {
  const limit = pageLimit(options.limit, MAX_HOSTS_PAGE, 50);
  let query = ledger.db.selectFrom("hosts").selectAll().where("org_id", "=", orgId);
  if (options.after !== undefined) query = query.where("slug", ">", options.after);
  if (!options.includeDisabled) query = query.where("disabled_at", "is", null);
  if (options.group !== undefined) query = query.where("group_name", "=", options.group);
  if (options.tag !== undefined) {
    // Tags are stored as a JSON array of `[a-z0-9._-]` strings, so `"tag"` marks a whole item.
    query = query.where(likeAny(["tags"], JSON.stringify(options.tag.trim().toLowerCase())));
  }
  const search = options.search?.trim().toLowerCase().slice(0, 100);
  if (search) query = query.where(likeAny(["lower(name)", "lower(slug)"], search));
  const rows = await query.orderBy("slug").limit(limit).execute();
  return rows.map(toHost);
}

/** Reads the host inside a transaction, locking its row on Postgres; 404 when not in `orgId`. */
async function lockHost(tx: LedgerTx, orgId: string, hostId: string): Promise<HostRow> {
  let query = tx.db.selectFrom("hosts").selectAll()
    .where("id", "=", hostId).where("org_id", "=", orgId);
  if (tx.dialect === "postgres") query = query.forUpdate();
  const row = await query.executeTakeFirst();
  if (!row) throw hostNotFound();
  return row;
}

/**
 * Changes a host's name, slug, group, tags, scopes, rollout priority, paused flag or heartbeat
 * interval (only the fields given). 404 `host_not_found` for a host of another organization,
 * 409 `slug_taken`.
 *
 * @example
 * ```ts
 * const host = await updateHost(ledger, org.id, hostId, { group: "eu", paused: true });
 * ```
 */
export async function updateHost(
  ledger: LedgerTx,
  orgId: string,
  hostId: string,
  patch: unknown,
): Promise<Host> {
  const valid = validateHostInput(patch, { partial: true });
  const set: HostUpdate = {};
  if (valid.name !== undefined) set.name = valid.name;
  if (valid.slug !== undefined) set.slug = valid.slug;
  if (valid.group !== undefined) set.group_name = valid.group;
  if (valid.tags !== undefined) set.tags = JSON.stringify(valid.tags);
  if (valid.scopes !== undefined) set.scopes = JSON.stringify(valid.scopes);
  if (valid.rolloutPriority !== undefined) set.rollout_priority = valid.rolloutPriority;
  if (valid.paused !== undefined) set.paused = valid.paused ? 1 : 0;
  if (valid.heartbeatExpectedMinutes !== undefined) {
    set.heartbeat_expected_minutes = valid.heartbeatExpectedMinutes;
  }
  try {
    return await writeTransaction(ledger, async (tx) => {
      const row = await lockHost(tx, orgId, hostId);
      if (Object.keys(set).length === 0) return toHost(row);
      await tx.db.updateTable("hosts").set(set).where("id", "=", hostId).execute();
      const updated = toHost({ ...row, ...set } as HostRow);
      await hostSummaryEdited(tx, updated); // the overview's copy of name, group and tags
      return updated;
    });
  } catch (error) {
    if (valid.slug !== undefined && isUniqueViolation(error, "slug")) throw slugTaken(valid.slug);
    throw error;
  }
}

/**
 * Disables (`disabled: true`, from `now`) or re-enables a host. A disabled host keeps its keys
 * and data; its pushes are still stored with the warning `ingest_host_disabled`, and it is left
 * out of {@link listHosts} unless asked. Disabling twice keeps the first time. 404 when not found.
 *
 * @example
 * ```ts
 * await setHostDisabled(ledger, org.id, hostId, true, clock.now());
 * ```
 */
export async function setHostDisabled(
  ledger: LedgerTx,
  orgId: string,
  hostId: string,
  disabled: boolean,
  now: Date,
): Promise<Host> {
  return await writeTransaction(ledger, async (tx) => {
    const row = await lockHost(tx, orgId, hostId);
    const disabledAt = disabled ? (row.disabled_at ?? now) : null;
    await tx.db.updateTable("hosts").set({
      disabled_at: disabledAt === null ? null : toDate(disabledAt),
    })
      .where("id", "=", hostId).execute();
    await setHostSummaryEnabled(tx, hostId, disabledAt === null);
    return toHost({ ...row, disabled_at: disabledAt });
  });
}

/**
 * Sets how the host may post status. `signed` refuses bearer status POSTs with
 * `401 signed_ingest_required` (agent-protocol §2.9); only an admin sets it back to `bearer`,
 * and the caller audits that as `host.ingest_mode.change`. Returns the previous mode too.
 *
 * @example
 * ```ts
 * const { previous } = await setIngestMode(ledger, org.id, hostId, "bearer");
 * ```
 */
export async function setIngestMode(
  ledger: LedgerTx,
  orgId: string,
  hostId: string,
  mode: IngestMode,
): Promise<{ host: Host; previous: IngestMode }> {
  if (mode !== "bearer" && mode !== "signed") {
    throw new HttpError(
      400,
      `ingestMode: expected "bearer" or "signed", got ${JSON.stringify(mode)}`,
      {
        code: "invalid_input",
        details: { field: "ingestMode" },
      },
    );
  }
  return await writeTransaction(ledger, async (tx) => {
    const row = await lockHost(tx, orgId, hostId);
    if (row.ingest_mode !== mode) {
      await tx.db.updateTable("hosts").set({ ingest_mode: mode }).where("id", "=", hostId)
        .execute();
    }
    return { host: toHost({ ...row, ingest_mode: mode }), previous: toHost(row).ingestMode };
  });
}

/** What {@link deleteHost} removed. */
export interface DeletedHost {
  host: Host;
  keys: number;
  snapshots: number;
  signals: number;
}

/**
 * Deletes a host with its keys, snapshots and signals, in one transaction. 404 when it is not
 * in `orgId`. The host's latest state in KV is separate: drop it with `deleteHostState` after.
 *
 * @example
 * ```ts
 * const removed = await deleteHost(ledger, org.id, hostId);
 * await deleteHostState(kv, org.id, hostId);
 * ```
 */
export async function deleteHost(
  ledger: LedgerTx,
  orgId: string,
  hostId: string,
): Promise<DeletedHost> {
  return await writeTransaction(ledger, async (tx) => {
    const row = await lockHost(tx, orgId, hostId);
    const removed = async (table: "host_keys" | "snapshots" | "signals") => {
      const result = await tx.db.deleteFrom(table).where("host_id", "=", hostId)
        .where("org_id", "=", orgId).executeTakeFirst();
      return Number(result.numDeletedRows);
    };
    const keys = await removed("host_keys");
    const snapshots = await removed("snapshots");
    const signals = await removed("signals");
    await deleteHostSummary(tx, hostId);
    await tx.db.deleteFrom("hosts").where("id", "=", hostId).execute();
    return { host: toHost(row), keys, snapshots, signals };
  });
}
