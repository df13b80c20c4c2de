/**
 * Storing a parsed status push (agent-protocol §1.10 steps 10-11, architecture "Ingest"):
 * durably in the ledger before the caller answers 2xx, then the host's latest normalized state
 * in KV.
 *
 * Ledger: one write transaction per push that locks the host row (Postgres `for update`; SQLite
 * write transactions are exclusive), so the dedupe check ("same payload hash and `ts` as the
 * newest stored snapshot") and the insert cannot race. KV: the latest state is the snapshot with
 * the highest collection time `ts`, written with a versionstamp check and re-read on conflict,
 * so concurrent pushes for one host settle on the newest however their commits interleave; an
 * older snapshot (a late or replayed push) joins the history but never replaces the latest.
 *
 * @module
 */

import { sql } from "kysely";
import { monotonicFactory } from "ulid";
import { hostStateKey } from "../db/kv.ts";
import { groupWrite } from "../db/ledger/group_commit.ts";
import { type Placeholder, prepared, preparedInsert } from "../db/ledger/prepared.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { toDate } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Host } from "../hosts/host.ts";
import type { Services } from "../services.ts";
import { SEVERITIES, type Severity, type Signal } from "../signals/types.ts";
import type { IngestCounts, ParsedSnapshot } from "./types.ts";

export {
  getSnapshot,
  listSnapshots,
  pruneSnapshots,
  type Snapshot,
  type SnapshotCursor,
  type SnapshotSummary,
} from "./snapshots.ts";

/** What {@link storeSnapshot} needs. */
export type StoreServices = Pick<Services, "kv" | "ledger"> & Partial<Pick<Services, "log">>;

/** The latest normalized state of a host, in KV under `hostStateKey(orgId, hostId)`. */
export interface HostState {
  hostId: string;
  snapshotId: string;
  /** Collection time, ISO 8601 UTC with ms. */
  ts: string;
  receivedAt: string;
  okFlag: boolean;
  agentVersion: string | null;
  counts: IngestCounts;
  signals: {
    total: number;
    bySeverity: Record<Severity, number>;
    /** One row per code and severity, most severe first; capped (see `truncated`). */
    items: { code: string; severity: Severity; count: number }[];
    truncated: boolean;
  };
  warnings: string[];
}

/** What {@link storeSnapshot} did. */
export interface StoredSnapshot {
  /** The new snapshot, or for a dedupe the stored one it matched. */
  snapshotId: string | null;
  /** A new snapshot row was written. */
  persisted: boolean;
  /** Identical to the newest stored snapshot: nothing new stored, only `lastSeenAt` moved. */
  deduped: boolean;
  /** This call wrote the host's latest state in KV (false for a dedupe or an older `ts`). */
  latest: boolean;
  /** What `afterInsert` returned (only when a new snapshot was stored). */
  extra?: unknown;
}

/** KV values stay below this (the limit is 64 KiB). */
export const MAX_HOST_STATE_BYTES = 60 * 1024;
/** Retries of the KV latest-state write after a versionstamp conflict. */
const KV_RETRIES = 5;
const MAX_STATE_ITEMS = 200;
const MAX_STATE_WARNINGS = 50;
const SIGNAL_BATCH = 200;

const nextId = monotonicFactory();

/** Postgres text cannot hold NUL; everything else is stored as received. */
const pgSafe = (text: string) => text.replaceAll("\0", "\uFFFD");
/** A count as an `integer` column holds it (hostile payloads may claim 1e300 alerts). */
const intColumn = (n: number) =>
  Number.isFinite(n) ? Math.min(2_147_483_647, Math.max(0, Math.trunc(n))) : 0;

// The statements of every push, compiled once per dialect (see prepared.ts).
type TouchArgs = { id: string; orgId: string; now: Date; ts: Date };
const newerTs = (p: Placeholder<TouchArgs>) =>
  sql<boolean>`(last_snapshot_at is null or last_snapshot_at <= ${p("ts")})`;
const touchSet = (p: Placeholder<TouchArgs>) => ({
  last_seen_at: sql<Date>`case when last_seen_at is null or last_seen_at < ${p("now")}
    then ${p("now")} else last_seen_at end`,
  last_snapshot_at: sql<Date>`case when ${newerTs(p)} then ${p("ts")} else last_snapshot_at end`,
});
/** The host's `last_seen_at` and `last_snapshot_at`, forward only. */
const touchHost = prepared<TouchArgs, never>((db, p) =>
  db.updateTable("hosts").set(touchSet(p))
    .where("id", "=", p("id")).where("org_id", "=", p("orgId"))
);
/** The same, and `agent_version` from a snapshot newer than any stored. */
const touchHostVersion = prepared<TouchArgs & { version: string }, never>((db, p) =>
  db.updateTable("hosts").set({
    ...touchSet(p),
    agent_version: sql<string>`case when ${newerTs(p)} then ${p("version")} else agent_version end`,
  }).where("id", "=", p("id")).where("org_id", "=", p("orgId"))
);
/** The dedupe check's row: the host's newest received snapshot. */
const newestSnapshot = prepared<
  { hostId: string },
  { id: string; payload_hash: string; ts: Date | string }
>((db, p) =>
  db.selectFrom("snapshots").select(["id", "payload_hash", "ts"])
    .where("host_id", "=", p("hostId"))
    .orderBy("received_at", "desc").orderBy("id", "desc").limit(1)
);
const insertSnapshot = preparedInsert("snapshots", [
  "id",
  "org_id",
  "host_id",
  "ts",
  "received_at",
  "payload_hash",
  "payload_bytes",
  "ok",
  "warnings",
  "base",
  "last",
  "diff",
  "alerts_count",
  "public_ports_count",
  "seq",
], 1);
const insertSignals = preparedInsert("signals", [
  "id",
  "org_id",
  "host_id",
  "snapshot_id",
  "code",
  "severity",
  "title",
  "detail",
  "ts",
  "source",
  "fingerprint",
  "evidence",
  "mitre",
  "created_at",
], SIGNAL_BATCH);

/**
 * Stores one parsed push and its signals. In one ledger transaction: either (dedupe) only
 * `hosts.last_seen_at`, or the snapshot, its signals, and the host's `last_seen_at` (receive
 * time), `last_snapshot_at` (collection time) and `agent_version` (these two only from a
 * snapshot newer than any stored). Then the KV latest state, when this snapshot is the newest.
 * 404 `host_not_found` when the host was deleted meanwhile.
 *
 * @example
 * ```ts
 * const parsed = await parseStatusPush(bytes, { receivedAt: now, host });
 * const stored = await storeSnapshot(services, { host, parsed, signals, now });
 * ```
 */
export async function storeSnapshot(
  services: StoreServices,
  input: {
    host: Pick<Host, "id" | "orgId">;
    parsed: ParsedSnapshot;
    signals: readonly Signal[];
    now: Date;
    /**
     * Signed ingest (agent-protocol §2.6): the snapshot's `seq` and the compare-and-set that
     * advances the host's `lastAcceptedSeq`, run in this transaction (see `sequence.ts`); no
     * payload dedupe then, `seq` replaces it.
     */
    sequence?: { seq: number; claim: (tx: LedgerTx) => Promise<void> };
    /**
     * Runs in the same transaction once a new snapshot and its signals are inserted (not on a
     * dedupe): what must commit together with the snapshot, such as breach reconciliation.
     */
    afterInsert?: (tx: LedgerTx, snapshotId: string) => Promise<unknown>;
  },
): Promise<StoredSnapshot> {
  const { host, parsed, signals, now } = input;
  const ts = new Date(parsed.ts);
  if (Number.isNaN(ts.getTime())) throw new TypeError(`parsed.ts is not a time: ${parsed.ts}`);
  const snapshotId = nextId(now.getTime());
  // Serialized before the transaction: a 1 MB payload must not hold the write lock meanwhile.
  const snapshotRow = {
    id: snapshotId,
    org_id: host.orgId,
    host_id: host.id,
    ts,
    received_at: now,
    payload_hash: parsed.payloadHash,
    payload_bytes: intColumn(parsed.payloadBytes),
    ok: parsed.okFlag ? 1 : 0,
    warnings: JSON.stringify(parsed.warnings),
    base: JSON.stringify(parsed.base),
    last: parsed.last === null ? null : JSON.stringify(parsed.last),
    diff: parsed.diff === null ? null : JSON.stringify(parsed.diff),
    alerts_count: intColumn(parsed.counts.alertsCount),
    public_ports_count: intColumn(parsed.counts.publicPortsCount),
    seq: input.sequence?.seq ?? null,
  };
  const signalRows = signals.map((s) => signalRow(s, { host, snapshotId, fallbackTs: ts, now }));

  const version = parsed.agentVersion === null ? null : pgSafe(parsed.agentVersion.slice(0, 64));

  // Group commit: under load, concurrent pushes share one transaction (see group_commit.ts).
  const written = await groupWrite(services.ledger, async (tx) => {
    // First, so it also locks the host row (Postgres; SQLite write transactions are exclusive)
    // and proves the host still exists. Every value only moves forward. On a dedupe the same
    // payload and ts were stored already, so the ts-guarded columns cannot change either.
    const hostArgs = { id: host.id, orgId: host.orgId, now, ts };
    const updated = version === null
      ? await touchHost(tx, hostArgs)
      : await touchHostVersion(tx, { ...hostArgs, version });
    if (Number(updated.numAffectedRows ?? 0) === 0) {
      throw new HttpError(404, "The host was deleted.", { code: "host_not_found" });
    }
    if (input.sequence) await input.sequence.claim(tx);

    const newest = (await newestSnapshot(tx, { hostId: host.id })).rows[0];
    if (
      !input.sequence && newest && newest.payload_hash === parsed.payloadHash &&
      toDate(newest.ts).getTime() === ts.getTime()
    ) {
      return { deduped: true as const, snapshotId: newest.id };
    }
    await insertSnapshot(tx, [snapshotRow]);
    await insertSignals(tx, signalRows);
    const extra = await input.afterInsert?.(tx, snapshotId);
    return { deduped: false as const, snapshotId, extra };
  });

  if (written.deduped) {
    return { snapshotId: written.snapshotId, persisted: false, deduped: true, latest: false };
  }
  const state = hostStateOf(host.id, snapshotId, parsed, signals);
  const latest = await putLatestState(services, host, state);
  const stored: StoredSnapshot = { snapshotId, persisted: true, deduped: false, latest };
  if (written.extra !== undefined) stored.extra = written.extra;
  return stored;
}

function signalRow(
  signal: Signal,
  at: { host: Pick<Host, "id" | "orgId">; snapshotId: string; fallbackTs: Date; now: Date },
) {
  const ts = new Date(signal.ts);
  return {
    id: nextId(at.now.getTime()),
    org_id: at.host.orgId,
    host_id: at.host.id,
    snapshot_id: at.snapshotId,
    code: pgSafe(signal.code),
    severity: signal.severity,
    title: pgSafe(signal.title),
    detail: pgSafe(signal.detail),
    ts: Number.isNaN(ts.getTime()) ? at.fallbackTs : ts,
    source: signal.source,
    fingerprint: pgSafe(signal.fingerprint),
    evidence: signal.evidence === undefined ? null : JSON.stringify(signal.evidence),
    mitre: signal.mitre === undefined ? null : JSON.stringify(signal.mitre),
    created_at: at.now,
  };
}

/**
 * The KV value for a stored snapshot: counts, a per-code signal summary and the warnings,
 * trimmed until it fits {@link MAX_HOST_STATE_BYTES}. `receivedAt` is the parser's receive time.
 *
 * @example
 * ```ts
 * const state = hostStateOf(host.id, snapshotId, parsed, signals);
 * state.signals.bySeverity.critical; // how many critical signals the snapshot carried
 * ```
 */
export function hostStateOf(
  hostId: string,
  snapshotId: string,
  parsed: ParsedSnapshot,
  signals: readonly Signal[],
): HostState {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  const groups = new Map<string, { code: string; severity: Severity; count: number }>();
  for (const s of signals) {
    bySeverity[s.severity] = (bySeverity[s.severity] ?? 0) + 1;
    const key = `${s.severity}|${s.code}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { code: s.code.slice(0, 100), severity: s.severity, count: 1 });
  }
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  const items = [...groups.values()].sort((a, b) =>
    rank(b.severity) - rank(a.severity) || a.code.localeCompare(b.code)
  );
  const state: HostState = {
    hostId,
    snapshotId,
    ts: parsed.ts,
    receivedAt: parsed.receivedAt,
    okFlag: parsed.okFlag,
    agentVersion: parsed.agentVersion?.slice(0, 64) ?? null,
    counts: {
      ...parsed.counts,
      expectedPublicPorts: parsed.counts.expectedPublicPorts?.slice(0, 100)
        .map((p) => p.slice(0, 100)) ?? null,
    },
    signals: {
      total: signals.length,
      bySeverity,
      items: items.slice(0, MAX_STATE_ITEMS),
      truncated: items.length > MAX_STATE_ITEMS,
    },
    warnings: parsed.warnings.slice(0, MAX_STATE_WARNINGS).map((w) => w.slice(0, 200)),
  };
  while (new TextEncoder().encode(JSON.stringify(state)).length > MAX_HOST_STATE_BYTES) {
    // Only hostile inputs get here (hundreds of long codes): keep the most severe half.
    state.signals.items = state.signals.items.slice(0, Math.floor(state.signals.items.length / 2));
    state.signals.truncated = true;
    if (state.signals.items.length === 0) state.warnings = state.warnings.slice(0, 5);
    if (state.signals.items.length === 0 && state.counts.expectedPublicPorts) {
      state.counts.expectedPublicPorts = state.counts.expectedPublicPorts.slice(0, 10);
    }
  }
  return state;
}

/** True when `a` should replace `b` as the latest: a later `ts`, ties broken by snapshot id. */
function isNewer(
  a: Pick<HostState, "ts" | "snapshotId">,
  b: Pick<HostState, "ts" | "snapshotId">,
): boolean {
  const at = Date.parse(a.ts);
  const bt = Date.parse(b.ts);
  return at > bt || (at === bt && a.snapshotId > b.snapshotId);
}

/** What this process last wrote as a host's latest state: enough to write the next blind. */
interface WrittenState {
  versionstamp: string;
  ts: string;
  snapshotId: string;
}

/** Hosts remembered per KV handle; past this, the memory starts over (it is only a hint). */
const MAX_REMEMBERED_STATES = 50_000;
const writtenStates = new WeakMap<Deno.Kv, Map<string, WrittenState>>();

function rememberedStates(kv: Deno.Kv): Map<string, WrittenState> {
  let states = writtenStates.get(kv);
  if (!states) writtenStates.set(kv, states = new Map());
  return states;
}

/**
 * Writes `state` as the latest unless a newer one is there; true when it was written.
 *
 * The common case skips the read: this process remembers the versionstamp of the state it last
 * wrote for the host, and when `state` is newer than that one, a compare-and-set against the
 * remembered versionstamp either succeeds (nothing else wrote since, so ours is the newest) or
 * fails and falls back to read-compare-write. One KV round trip per push instead of two.
 */
async function putLatestState(
  services: StoreServices,
  host: Pick<Host, "id" | "orgId">,
  state: HostState,
): Promise<boolean> {
  const key = hostStateKey(host.orgId, host.id);
  const remembered = rememberedStates(services.kv);
  const memoKey = `${host.orgId}/${host.id}`;
  const remember = (versionstamp: string) => {
    if (remembered.size >= MAX_REMEMBERED_STATES) remembered.clear();
    remembered.set(memoKey, { versionstamp, ts: state.ts, snapshotId: state.snapshotId });
  };
  const known = remembered.get(memoKey);
  if (known && isNewer(state, known)) {
    const res = await services.kv.atomic().check({ key, versionstamp: known.versionstamp })
      .set(key, state).commit();
    if (res.ok) {
      remember(res.versionstamp);
      return true;
    }
  }
  for (let attempt = 0; attempt <= KV_RETRIES; attempt++) {
    const current = await services.kv.get<HostState>(key);
    if (current.value !== null && !isNewer(state, current.value)) return false;
    const res = await services.kv.atomic().check(current).set(key, state).commit();
    if (res.ok) {
      remember(res.versionstamp);
      return true;
    }
    // Another push for this host committed in between: back off a little, re-read, compare.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * (attempt + 1)));
  }
  // The snapshot is in the ledger; only the KV view may lag until the host's next push.
  services.log?.error("host latest state not updated after repeated KV conflicts", {
    hostId: host.id,
    snapshotId: state.snapshotId,
  });
  return false;
}

/**
 * The host's latest normalized state, or null before its first snapshot.
 *
 * @example
 * ```ts
 * const state = await latestHostState(kv, org.id, host.id);
 * state?.signals.bySeverity.critical;
 * ```
 */
export async function latestHostState(
  kv: Deno.Kv,
  orgId: string,
  hostId: string,
): Promise<HostState | null> {
  return (await kv.get<HostState>(hostStateKey(orgId, hostId))).value;
}

/**
 * The latest states of several hosts of one organization (missing ones are left out), for the
 * fleet overview. KV reads at most 10 keys at once, so this reads in batches.
 *
 * @example
 * ```ts
 * const states = await latestHostStates(kv, org.id, hosts.map((h) => h.id));
 * states.get(host.id)?.counts.alertsCount;
 * ```
 */
export async function latestHostStates(
  kv: Deno.Kv,
  orgId: string,
  hostIds: readonly string[],
): Promise<Map<string, HostState>> {
  const states = new Map<string, HostState>();
  for (let i = 0; i < hostIds.length; i += 10) {
    const batch = hostIds.slice(i, i + 10);
    const entries = await kv.getMany<HostState[]>(batch.map((id) => hostStateKey(orgId, id)));
    entries.forEach((e, j) => {
      if (e.value !== null) states.set(batch[j], e.value);
    });
  }
  return states;
}

/**
 * Forgets a host's latest state (after `deleteHost`).
 *
 * @example
 * ```ts
 * await deleteHostState(kv, org.id, hostId);
 * ```
 */
export async function deleteHostState(kv: Deno.Kv, orgId: string, hostId: string): Promise<void> {
  await kv.delete(hostStateKey(orgId, hostId));
}
