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
import { groupWrite } from "../db/ledger/group_commit.ts";
import { type Placeholder, prepared, preparedInsert } from "../db/ledger/prepared.ts";
import type { LedgerTx } from "../db/ledger/transaction.ts";
import { toDate } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Host } from "../hosts/host.ts";
import type { Services } from "../services.ts";
import type { Signal } from "../signals/types.ts";
import { buildHostState, type HostState, putLatestState } from "./latest_state.ts";
import { SNAPSHOT_METRIC_COLUMNS, snapshotMetrics } from "../charts/snapshot_metrics.ts";
import { noteHourly } from "../charts/fleet_hourly.ts";
import { SNAPSHOT_SUMMARY_COLUMNS } from "./snapshots.ts";
import type { ParsedSnapshot } from "./types.ts";

export {
  buildHostState,
  type BuiltHostState,
  deleteHostState,
  type HostState,
  hostStateOf,
  latestHostState,
  latestHostStates,
  MAX_HOST_STATE_BYTES,
} from "./latest_state.ts";
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

/** A stored signal row, as {@link storeSnapshot} hands it to `afterInsert`. */
export type StoredSignalRow = ReturnType<typeof signalRow>;

/**
 * What runs in a new snapshot's transaction (see {@link storeSnapshot}); `state` is the host
 * state built for KV from this snapshot, handed on so nothing builds it a second time.
 */
export type AfterSnapshotInsert = (
  tx: LedgerTx,
  snapshotId: string,
  signals: readonly StoredSignalRow[],
  state: HostState,
) => Promise<unknown>;

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
  ...SNAPSHOT_SUMMARY_COLUMNS,
  "base",
  "last",
  "diff",
  "seq",
  ...SNAPSHOT_METRIC_COLUMNS,
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
     * Gets the signal rows as stored (ids, cleaned text) and the host state built for KV.
     */
    afterInsert?: AfterSnapshotInsert;
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
    // The charts' per-snapshot summary (vitals, posture at ingest): docs/charts.md.
    ...snapshotMetrics(parsed.base, signals),
  };
  const signalRows = signals.map((s) => signalRow(s, { host, snapshotId, fallbackTs: ts, now }));
  // Built once, also before the lock: the transaction's hook and the KV write both use it.
  const built = buildHostState(host.id, snapshotId, parsed, signals);

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
    const extra = await input.afterInsert?.(tx, snapshotId, signalRows, built.state);
    // Last: organization-wide counter rows, which every push of the org updates. On Postgres a
    // row lock is held until commit, so taking these late keeps concurrent pushes overlapping.
    await noteHourly(tx, host.orgId, { receivedAt: now, signals: signalRows });
    return { deduped: false as const, snapshotId, extra };
  });

  if (written.deduped) {
    return { snapshotId: written.snapshotId, persisted: false, deduped: true, latest: false };
  }
  const latest = await putLatestState(services, host, built);
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
