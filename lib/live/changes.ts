/**
 * The change feed behind live updates (issue 7 item 1): writers (ingest, breach actions,
 * remediation runs, incidents) note what changed; the SSE streams (`stream.ts`) read it.
 *
 * Per organization, KV holds a log of events numbered 1, 2, 3, … with no gaps:
 * - `liveHeadKey(org)` `{ seq, at }`: the newest event id; organization streams `kv.watch` it.
 * - `liveLogKey(org, seq)`: the event, kept for the last {@link LOG_LIMIT} events and at most
 *   {@link LOG_TTL_MS}.
 * - `liveHostKey(org, host)` `{ seq }` and `liveHostLogKey(org, host, seq)`: the newest event of
 *   one host (what host streams watch) and the host's events (what they read).
 *
 * Numbering is a compare-and-set on the head, so ids follow commit order even with several
 * app instances on one KV, and a stream that skipped nothing can prove it (the next id is its
 * last id + 1). Writes are grouped: the events noted while one batch commits go out together in
 * one atomic operation per organization, and this process remembers the head's versionstamp,
 * so a batch is usually one KV commit. Noting a change never fails its caller: errors are
 * logged and the change is lost (streams then see a gap and tell clients to reload).
 *
 * @module
 */

import {
  liveHeadKey,
  liveHostKey,
  liveHostLogKey,
  liveHostLogPrefix,
  liveLogKey,
  liveLogPrefix,
} from "../db/kv.ts";
import type { Services } from "../services.ts";

/** The kinds of change a stream carries (the SSE `event:` name). */
export const CHANGE_TYPES = ["host.state", "breach", "run", "incident", "signal"] as const;
export type ChangeType = typeof CHANGE_TYPES[number];

/** Summary fields of an event: small scalars, enough to decide whether to re-fetch. */
export type ChangeFields = Record<string, string | number | boolean | null>;

/** What a writer notes. */
export interface ChangeInput {
  type: ChangeType;
  orgId: string;
  /** The host concerned, if any (host streams carry only these). */
  hostId?: string | null;
  /** The changed thing: host, breach, run or incident id, or the snapshot for `signal`. */
  id: string;
  fields?: ChangeFields;
}

/** One stored event; `seq` is its SSE id. */
export interface ChangeEntry {
  seq: number;
  type: ChangeType;
  hostId: string | null;
  id: string;
  /** When it was noted, ISO 8601. */
  at: string;
  fields: ChangeFields;
}

/** Events kept per organization. */
export const LOG_LIMIT = 1000;
/** How long an event is kept at most. */
export const LOG_TTL_MS = 60 * 60_000;
/** How long a host's "newest event" key outlives its last event. */
const HOST_HEAD_TTL_MS = 24 * 60 * 60_000;
/** Events per atomic operation (each is up to 4 mutations; KV allows 1000). */
const MAX_BATCH = 100;
/** Compare-and-set attempts per batch before it is given up (and logged). */
const RETRIES = 5;
/** Organizations whose head versionstamp is remembered; past this the memory starts over. */
const MAX_REMEMBERED = 10_000;

type NoteServices = Pick<Services, "kv" | "clock"> & Partial<Pick<Services, "log">>;

interface Pending {
  input: ChangeInput;
  at: string;
  log?: Services["log"];
  done: () => void;
}

interface Head {
  seq: number;
  versionstamp: string | null;
}

interface Writer {
  heads: Map<string, Head>;
  queue: Pending[];
  running: boolean;
}

const writers = new WeakMap<Deno.Kv, Writer>();

function writerOf(kv: Deno.Kv): Writer {
  let writer = writers.get(kv);
  if (!writer) writers.set(kv, writer = { heads: new Map(), queue: [], running: false });
  return writer;
}

/**
 * Notes changes in their organizations' logs. Resolves once they are committed (or, on a KV
 * failure, logged as lost); never rejects.
 *
 * @example
 * ```ts
 * await noteChanges(services, [
 *   { type: "host.state", orgId: host.orgId, hostId: host.id, id: host.id, fields: { score: 72 } },
 * ]);
 * ```
 */
export function noteChanges(
  services: NoteServices,
  changes: readonly ChangeInput[],
): Promise<void> {
  if (changes.length === 0) return Promise.resolve();
  const writer = writerOf(services.kv);
  const at = services.clock.now().toISOString();
  const written = Promise.all(
    changes.map((input) =>
      new Promise<void>((done) => writer.queue.push({ input, at, log: services.log, done }))
    ),
  );
  if (!writer.running) {
    writer.running = true;
    // Next loop turn: changes noted by requests finishing together share one commit.
    setTimeout(() => void flush(services.kv, writer), 0);
  }
  return written.then(() => {});
}

/**
 * Notes one change; see {@link noteChanges}.
 *
 * @example
 * ```ts
 * await noteChange(services, { type: "run", orgId, hostId, id: run.id, fields: { action } });
 * ```
 */
export function noteChange(services: NoteServices, change: ChangeInput): Promise<void> {
  return noteChanges(services, [change]);
}

async function flush(kv: Deno.Kv, writer: Writer): Promise<void> {
  try {
    while (writer.queue.length > 0) {
      const batch = writer.queue.splice(0);
      const byOrg = new Map<string, Pending[]>();
      for (const p of batch) {
        const list = byOrg.get(p.input.orgId);
        if (list) list.push(p);
        else byOrg.set(p.input.orgId, [p]);
      }
      await Promise.all([...byOrg].map(async ([orgId, pending]) => {
        for (let i = 0; i < pending.length; i += MAX_BATCH) {
          const chunk = pending.slice(i, i + MAX_BATCH);
          try {
            await commitChunk(kv, writer, orgId, chunk);
          } catch (error) {
            writer.heads.delete(orgId);
            chunk[0].log?.error("live change not recorded", { orgId, events: chunk.length, error });
          } finally {
            for (const p of chunk) p.done();
          }
        }
      }));
    }
  } finally {
    writer.running = false;
  }
}

async function commitChunk(
  kv: Deno.Kv,
  writer: Writer,
  orgId: string,
  chunk: Pending[],
): Promise<void> {
  const headKey = liveHeadKey(orgId);
  for (let attempt = 0; attempt <= RETRIES; attempt++) {
    let head = writer.heads.get(orgId);
    if (!head) {
      const current = await kv.get<{ seq: number }>(headKey);
      head = { seq: current.value?.seq ?? 0, versionstamp: current.versionstamp };
    }
    const op = kv.atomic().check({ key: headKey, versionstamp: head.versionstamp });
    const hostHeads = new Map<string, number>();
    let seq = head.seq;
    for (const { input, at } of chunk) {
      seq++;
      const entry: ChangeEntry = {
        seq,
        type: input.type,
        hostId: input.hostId ?? null,
        id: input.id,
        at,
        fields: input.fields ?? {},
      };
      op.set(liveLogKey(orgId, seq), entry, { expireIn: LOG_TTL_MS });
      if (seq > LOG_LIMIT) op.delete(liveLogKey(orgId, seq - LOG_LIMIT));
      if (entry.hostId) {
        op.set(liveHostLogKey(orgId, entry.hostId, seq), entry, { expireIn: LOG_TTL_MS });
        hostHeads.set(entry.hostId, seq);
      }
    }
    for (const [hostId, last] of hostHeads) {
      op.set(liveHostKey(orgId, hostId), { seq: last }, { expireIn: HOST_HEAD_TTL_MS });
    }
    op.set(headKey, { seq, at: chunk[chunk.length - 1].at });
    const res = await op.commit();
    if (res.ok) {
      if (writer.heads.size >= MAX_REMEMBERED) writer.heads.clear();
      writer.heads.set(orgId, { seq, versionstamp: res.versionstamp });
      return;
    }
    // Another instance wrote the head meanwhile: read it again.
    writer.heads.delete(orgId);
  }
  throw new Error(`the change log head of ${orgId} kept changing (${RETRIES + 1} attempts)`);
}

/**
 * The organization's newest event id (0 before any): what a page passes to its stream as the
 * point to resume from, so nothing noted after the page was rendered is missed.
 *
 * @example
 * ```ts
 * const cursor = await liveCursor(services.kv, org.id); // "42"
 * ```
 */
export async function liveCursor(kv: Deno.Kv, orgId: string): Promise<string> {
  return String(await liveHead(kv, orgId));
}

/**
 * The organization's newest event id as a number (0 before any).
 *
 * @example
 * ```ts
 * const head = await liveHead(services.kv, org.id);
 * ```
 */
export async function liveHead(kv: Deno.Kv, orgId: string): Promise<number> {
  return (await kv.get<{ seq: number }>(liveHeadKey(orgId))).value?.seq ?? 0;
}

/**
 * The oldest event id still in the organization's log, or null when it is empty.
 *
 * @example
 * ```ts
 * const oldest = await oldestChange(kv, orgId); // a resume from before this must reload
 * ```
 */
export async function oldestChange(kv: Deno.Kv, orgId: string): Promise<number | null> {
  for await (const entry of kv.list<ChangeEntry>({ prefix: liveLogPrefix(orgId) }, { limit: 1 })) {
    return entry.value.seq;
  }
  return null;
}

/**
 * Events after `after`, oldest first: the organization's, or one host's when `hostId` is set.
 *
 * @example
 * ```ts
 * const next = await readChanges(kv, orgId, { after: 41, limit: 100 });
 * ```
 */
export async function readChanges(
  kv: Deno.Kv,
  orgId: string,
  options: { after: number; hostId?: string | null; limit?: number },
): Promise<ChangeEntry[]> {
  const prefix = options.hostId ? liveHostLogPrefix(orgId, options.hostId) : liveLogPrefix(orgId);
  const out: ChangeEntry[] = [];
  const iter = kv.list<ChangeEntry>(
    { start: [...prefix, options.after + 1], end: [...prefix, Number.MAX_SAFE_INTEGER] },
    { limit: options.limit ?? 200, batchSize: Math.min(options.limit ?? 200, 500) },
  );
  for await (const entry of iter) out.push(entry.value);
  return out;
}
