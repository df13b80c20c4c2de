/**
 * A host's latest normalized state in KV (architecture "Ingest"): the snapshot with the highest
 * collection time `ts`, written after the snapshot is in the ledger, with a versionstamp check,
 * so concurrent pushes for one host settle on the newest however their writes interleave; an
 * older snapshot never replaces a newer one.
 *
 * Writes are grouped: every push used to wait for its own KV commit (a read, then a
 * compare-and-set), and at ~1 KV commit per push the KV store's commit queue (one fsync per
 * commit) became the wait every ingest request spent most of its time in. Now the process
 * remembers the versionstamp it last wrote per host, and the states of pushes that finish at
 * the same time are written by one atomic operation: one check (against the remembered
 * versionstamp) and one set per host. A host whose value changed elsewhere (another instance,
 * a deletion), or a batch that fails for any reason, falls back to the read-compare-write loop
 * for each of its writes, so the outcome of every write is the same as if it ran alone.
 *
 * @module
 */

import { hostStateKey } from "../db/kv.ts";
import type { Host } from "../hosts/host.ts";
import type { Services } from "../services.ts";
import { SEVERITIES, type Severity, type Signal } from "../signals/types.ts";
import type { IngestCounts, ParsedSnapshot } from "./types.ts";

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

/** A state with its size as JSON, in bytes. */
export interface BuiltHostState {
  state: HostState;
  bytes: number;
}

/** KV values stay below this (the limit is 64 KiB). */
export const MAX_HOST_STATE_BYTES = 60 * 1024;
/** Retries of the read-compare-write after a versionstamp conflict (many pushes for one host under load; giving up would leave an older latest state). */
const KV_RETRIES = 50;
const MAX_STATE_ITEMS = 200;
const MAX_STATE_WARNINGS = 50;
/** Writes per atomic operation (KV allows 100 checks). */
const MAX_BATCH_WRITES = 64;
/**
 * JSON bytes per atomic operation. KV allows 800 KiB of mutations, measured as serialized
 * values; half of that leaves room for the difference between JSON and V8 serialization.
 */
const MAX_BATCH_BYTES = 400 * 1024;
/** Hosts remembered per KV handle; past this, the memory starts over (it is only a hint). */
const MAX_REMEMBERED_STATES = 50_000;

const encoder = new TextEncoder();
const jsonBytes = (value: unknown) => encoder.encode(JSON.stringify(value)).length;

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
  return buildHostState(hostId, snapshotId, parsed, signals).state;
}

/** {@link hostStateOf} and its size as JSON (the writer budgets its batches with it). */
export function buildHostState(
  hostId: string,
  snapshotId: string,
  parsed: ParsedSnapshot,
  signals: readonly Signal[],
): BuiltHostState {
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
  let bytes = jsonBytes(state);
  while (bytes > MAX_HOST_STATE_BYTES) {
    // Only hostile inputs get here (hundreds of long codes): keep the most severe half.
    state.signals.items = state.signals.items.slice(0, Math.floor(state.signals.items.length / 2));
    state.signals.truncated = true;
    if (state.signals.items.length === 0) state.warnings = state.warnings.slice(0, 5);
    if (state.signals.items.length === 0 && state.counts.expectedPublicPorts) {
      state.counts.expectedPublicPorts = state.counts.expectedPublicPorts.slice(0, 10);
    }
    bytes = jsonBytes(state);
  }
  return { state, bytes };
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

/** One write waiting for the next batch. */
interface PendingWrite {
  key: Deno.KvKey;
  memoKey: string;
  built: BuiltHostState;
  resolve: (written: boolean) => void;
  reject: (error: unknown) => void;
}

/** The per-KV-handle writer: remembered versionstamps and the writes waiting for a batch. */
interface Writer {
  remembered: Map<string, WrittenState>;
  queue: PendingWrite[];
  running: boolean;
}

type KvServices = Pick<Services, "kv"> & Partial<Pick<Services, "log">>;

const writers = new WeakMap<Deno.Kv, Writer>();

function writerOf(kv: Deno.Kv): Writer {
  let writer = writers.get(kv);
  if (!writer) writers.set(kv, writer = { remembered: new Map(), queue: [], running: false });
  return writer;
}

function remember(writer: Writer, memoKey: string, state: HostState, versionstamp: string) {
  if (writer.remembered.size >= MAX_REMEMBERED_STATES) writer.remembered.clear();
  writer.remembered.set(memoKey, { versionstamp, ts: state.ts, snapshotId: state.snapshotId });
}

/**
 * Writes `built.state` as the host's latest unless a newer one is there; true when it was
 * written. Resolves once the value is committed to KV.
 *
 * @example
 * ```ts
 * const latest = await putLatestState(services, host, buildHostState(host.id, id, parsed, signals));
 * ```
 */
export function putLatestState(
  services: KvServices,
  host: Pick<Host, "id" | "orgId">,
  built: BuiltHostState,
): Promise<boolean> {
  const writer = writerOf(services.kv);
  const key = hostStateKey(host.orgId, host.id);
  const memoKey = `${host.orgId}/${host.id}`;
  const known = writer.remembered.get(memoKey);
  // Never written by this process, or not newer than what it wrote: read first.
  if (!known || !isNewer(built.state, known)) {
    return readCompareWrite(services, writer, key, memoKey, built.state);
  }
  const written = new Promise<boolean>((resolve, reject) => {
    writer.queue.push({ key, memoKey, built, resolve, reject });
  });
  if (!writer.running) {
    writer.running = true;
    // Next loop turn: the pushes whose ledger batch committed together all queue first.
    setTimeout(() => void flush(services, writer), 0);
  }
  return written;
}

/** Commits the queued writes in batches until the queue is empty. */
async function flush(services: KvServices, writer: Writer): Promise<void> {
  try {
    while (writer.queue.length > 0) {
      const batch: Array<{ write: PendingWrite; versionstamp: string }> = [];
      const later: PendingWrite[] = [];
      const keys = new Set<string>();
      let bytes = 0;
      for (const write of writer.queue) {
        const full = batch.length >= MAX_BATCH_WRITES ||
          (batch.length > 0 && bytes + write.built.bytes > MAX_BATCH_BYTES);
        // One write per host per batch: a second one waits for the first's versionstamp.
        if (full || keys.has(write.memoKey)) {
          later.push(write);
          continue;
        }
        const known = writer.remembered.get(write.memoKey);
        if (!known || !isNewer(write.built.state, known)) {
          settle(
            write,
            readCompareWrite(services, writer, write.key, write.memoKey, write.built.state),
          );
          continue;
        }
        batch.push({ write, versionstamp: known.versionstamp });
        keys.add(write.memoKey);
        bytes += write.built.bytes;
      }
      writer.queue = later;
      if (batch.length === 0) continue;
      const op = services.kv.atomic();
      for (const { write, versionstamp } of batch) {
        op.check({ key: write.key, versionstamp }).set(write.key, write.built.state);
      }
      let committed: Deno.KvCommitResult | Deno.KvCommitError | undefined;
      try {
        committed = await op.commit();
      } catch {
        // A limit of the batch as a whole; each write alone reports its own error below.
      }
      if (committed?.ok) {
        for (const { write } of batch) {
          remember(writer, write.memoKey, write.built.state, committed.versionstamp);
          write.resolve(true);
        }
        continue;
      }
      // Some check failed (written elsewhere meanwhile): each write on its own, as if alone.
      for (const { write } of batch) {
        settle(
          write,
          readCompareWrite(services, writer, write.key, write.memoKey, write.built.state),
        );
      }
    }
  } catch (error) {
    for (const write of writer.queue.splice(0)) write.reject(error);
  } finally {
    writer.running = false;
  }
}

function settle(write: PendingWrite, outcome: Promise<boolean>): void {
  outcome.then(write.resolve, write.reject);
}

/** Reads the current latest, and writes `state` with a versionstamp check if it is newer. */
async function readCompareWrite(
  services: KvServices,
  writer: Writer,
  key: Deno.KvKey,
  memoKey: string,
  state: HostState,
): Promise<boolean> {
  for (let attempt = 0; attempt <= KV_RETRIES; attempt++) {
    const current = await services.kv.get<HostState>(key);
    if (current.value !== null && !isNewer(state, current.value)) return false;
    const res = await services.kv.atomic().check(current).set(key, state).commit();
    if (res.ok) {
      remember(writer, memoKey, state, res.versionstamp);
      return true;
    }
    // Another push for this host committed in between: back off a little, re-read, compare.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.random() * 2 * Math.min(attempt + 1, 10))
    );
  }
  // The snapshot is in the ledger; only the KV view may lag until the host's next push.
  services.log?.error("host latest state not updated after repeated KV conflicts", {
    hostId: String(key[2]),
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
