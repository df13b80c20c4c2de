/**
 * The live SSE streams (`GET /api/live`, issue 7 item 1): one organization's change feed, or
 * one host's, as `text/event-stream`. Each event is `id: <seq>`, `event: <type>`,
 * `data: <JSON>`; a comment line every {@link LiveSettings.heartbeatMs} keeps proxies from
 * closing an idle stream.
 *
 * A stream reads only the log of the organization it was opened for (`changes.ts`); it wakes on
 * `kv.watch` of the organization head (or the host's newest-event key) and sends the log
 * entries after the last id it sent. Resuming (`Last-Event-ID`, or `?lastEventId=`) replays the
 * events after that id; when some of them are gone (too old, or the id is from another log) it
 * sends `event: reset` instead, telling the client to reload its data, and goes on from the
 * newest event. Each session may hold {@link LiveSettings.maxStreamsPerSession} streams at
 * once (429 above); a stream ends, and frees its slot and its watch, when the client goes.
 *
 * @module
 */

import type { Session } from "../auth/sessions.ts";
import { liveHeadKey, liveHostKey, sessionKey } from "../db/kv.ts";
import { getMembership } from "../orgs/members.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Services } from "../services.ts";
import { type ChangeEntry, liveHead, oldestChange, readChanges } from "./changes.ts";

/** Tunables of the streams of one KV store. */
export interface LiveSettings {
  /** Between heartbeat comments. */
  heartbeatMs: number;
  /** Concurrent streams one session may hold. */
  maxStreamsPerSession: number;
  /** What clients wait before reconnecting (the SSE `retry:` field). */
  retryMs: number;
}

const DEFAULTS: LiveSettings = { heartbeatMs: 15_000, maxStreamsPerSession: 4, retryMs: 3_000 };
/** Log entries read per step. */
const READ_BATCH = 200;

interface Registry {
  settings: LiveSettings;
  /** Open streams per session id. */
  open: Map<string, number>;
}

const registries = new WeakMap<Deno.Kv, Registry>();

function registryOf(kv: Deno.Kv): Registry {
  let r = registries.get(kv);
  if (!r) registries.set(kv, r = { settings: { ...DEFAULTS }, open: new Map() });
  return r;
}

/**
 * Changes the stream settings for the app on `services` (tests shorten the heartbeat).
 *
 * @example
 * ```ts
 * configureLive(services, { heartbeatMs: 50, maxStreamsPerSession: 2 });
 * ```
 */
export function configureLive(
  services: Pick<Services, "kv">,
  settings: Partial<LiveSettings>,
): LiveSettings {
  const registry = registryOf(services.kv);
  registry.settings = { ...registry.settings, ...settings };
  return registry.settings;
}

/**
 * How many streams a session holds open now.
 *
 * @example
 * ```ts
 * openLiveStreams(services, session.id); // 0 once every tab has gone
 * ```
 */
export function openLiveStreams(services: Pick<Services, "kv">, sessionId: string): number {
  return registryOf(services.kv).open.get(sessionId) ?? 0;
}

/** What {@link openLiveStream} streams. */
export interface LiveStreamRequest {
  orgId: string;
  /** A host of `orgId` (checked by the caller): only its events. */
  hostId: string | null;
  /** Resume after this id (`Last-Event-ID`); null: from now on. */
  lastEventId: string | null;
  sessionId: string;
  /** Aborts when the client goes away. */
  signal?: AbortSignal;
  /**
   * Asked with every heartbeat: false ends the stream (session revoked or expired, membership
   * removed), so a stream never outlives the right to read it by more than a heartbeat.
   */
  stillAllowed?: () => Promise<boolean>;
}

/**
 * The resume id from the `Last-Event-ID` header or the `lastEventId` query parameter (what
 * EventSource fallbacks and a page's first connection send); null when neither is set.
 * 400 `invalid_input` when it is not an id this API sends.
 *
 * @example
 * ```ts
 * const last = lastEventIdOf(ctx.req.headers, ctx.url); // "42" or null
 * ```
 */
export function lastEventIdOf(headers: Headers, url: URL): string | null {
  const value = headers.get("last-event-id") ?? url.searchParams.get("lastEventId");
  if (value === null || value === "") return null;
  if (!/^\d{1,15}$/.test(value)) {
    throw new HttpError(
      400,
      "Last-Event-ID: expected the id of an event this stream sent (digits); " +
        "drop it to start from now.",
      { code: "invalid_input", details: { field: "lastEventId" } },
    );
  }
  return value;
}

const encoder = new TextEncoder();

/**
 * One SSE event as text.
 *
 * @example
 * ```ts
 * formatEvent(42, "run", { id: "run_1" }); // "id: 42\nevent: run\ndata: {\"id\":\"run_1\"}\n\n"
 * ```
 */
export function formatEvent(id: number, event: string, data: unknown): string {
  return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The `data:` of a change: its type, ids, time and summary fields. */
function eventData(entry: ChangeEntry): Record<string, unknown> {
  return { type: entry.type, hostId: entry.hostId, id: entry.id, at: entry.at, ...entry.fields };
}

/**
 * Opens a stream: takes a slot of the session (429 `too_many_streams` when none is free) and
 * answers `text/event-stream`.
 *
 * @example
 * ```ts
 * return openLiveStream(services, { orgId, hostId: null, lastEventId, sessionId, signal });
 * ```
 */
export function openLiveStream(services: Pick<Services, "kv" | "log">, req: LiveStreamRequest) {
  const registry = registryOf(services.kv);
  const { settings } = registry;
  const held = registry.open.get(req.sessionId) ?? 0;
  if (held >= settings.maxStreamsPerSession) {
    throw new HttpError(
      429,
      `This session already has ${held} live streams open (the limit is ` +
        `${settings.maxStreamsPerSession}); close other console tabs and reload.`,
      { code: "too_many_streams", headers: { "retry-after": "30" } },
    );
  }
  registry.open.set(req.sessionId, held + 1);
  const { kv } = services;
  let stop = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let stopped = false;
      let watch: ReadableStreamDefaultReader<Deno.KvEntryMaybe<{ seq: number }>[]> | null = null;
      const send = (text: string) => {
        if (!stopped) controller.enqueue(encoder.encode(text));
      };
      let checking = false;
      const heartbeat = setInterval(() => {
        send(": heartbeat\n\n");
        if (!req.stillAllowed || checking) return;
        checking = true;
        req.stillAllowed().then((allowed) => allowed || stop(), () => {})
          .finally(() => checking = false);
      }, settings.heartbeatMs);
      stop = () => {
        if (stopped) return;
        stopped = true;
        clearInterval(heartbeat);
        req.signal?.removeEventListener("abort", stop);
        const left = (registry.open.get(req.sessionId) ?? 1) - 1;
        if (left > 0) registry.open.set(req.sessionId, left);
        else registry.open.delete(req.sessionId);
        watch?.cancel().catch(() => {});
        try {
          controller.close();
        } catch { /* already closed or cancelled */ }
      };
      if (req.signal?.aborted) return stop();
      req.signal?.addEventListener("abort", stop, { once: true });
      send(`retry: ${settings.retryMs}\n: live ${req.hostId ? "host" : "organization"}\n\n`);
      const run = async () => {
        let cursor = await startingPoint(kv, req, (id) => send(resetEvent(id)));
        const key = req.hostId ? liveHostKey(req.orgId, req.hostId) : liveHeadKey(req.orgId);
        watch = kv.watch<[{ seq: number }]>([key]).getReader();
        if (stopped) return void watch.cancel().catch(() => {});
        while (!stopped) {
          const next = await watch.read();
          if (next.done || stopped) break;
          const newest = next.value[0].value?.seq ?? 0;
          cursor = await pump(kv, req, cursor, newest, send);
        }
      };
      run().catch((error) => {
        if (!stopped) services.log.warn("live stream ended", { orgId: req.orgId, error });
      }).finally(stop);
    },
    cancel() {
      stop();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store, no-transform",
      "x-accel-buffering": "no",
    },
  });
}

/**
 * The usual {@link LiveStreamRequest.stillAllowed}: the session still exists and has not expired,
 * and its user is still a member of the organization.
 *
 * @example
 * ```ts
 * openLiveStream(services, { …, stillAllowed: stillMember(services, auth.session.id, org.id, user.id) });
 * ```
 */
export function stillMember(
  services: Pick<Services, "kv" | "ledger" | "clock">,
  sessionId: string,
  orgId: string,
  userId: string,
): () => Promise<boolean> {
  return async () => {
    const session = (await services.kv.get<Session>(sessionKey(sessionId))).value;
    if (!session || Date.parse(session.expiresAt) <= services.clock.now().getTime()) return false;
    return (await getMembership(services.ledger, orgId, userId)) !== null;
  };
}

/** `event: reset`, moving the client's last id to `id`. */
function resetEvent(id: number): string {
  return formatEvent(id, "reset", {
    type: "reset",
    message: "Some updates are no longer available; reload the data.",
  });
}

/**
 * Where a stream starts: the newest id when not resuming; the resume id when every event after
 * it is still in the log; otherwise the newest id, after a `reset`.
 */
async function startingPoint(
  kv: Deno.Kv,
  req: LiveStreamRequest,
  reset: (id: number) => void,
): Promise<number> {
  const head = await liveHead(kv, req.orgId);
  if (req.lastEventId === null) return head;
  const last = Number(req.lastEventId);
  if (last === head) return last;
  const oldest = last < head ? await oldestChange(kv, req.orgId) : null;
  if (last > head || oldest === null || last + 1 < oldest) {
    reset(head);
    return head;
  }
  return last;
}

/**
 * Sends the events after `cursor` and returns the new cursor. `newest` is what the watch saw
 * (the organization's or the host's newest id): when events up to it are missing from the log,
 * the stream fell behind what the log keeps and sends a `reset`.
 */
async function pump(
  kv: Deno.Kv,
  req: LiveStreamRequest,
  cursor: number,
  newest: number,
  send: (text: string) => void,
): Promise<number> {
  while (true) {
    const entries = await readChanges(kv, req.orgId, {
      after: cursor,
      hostId: req.hostId,
      limit: READ_BATCH,
    });
    const gap = entries.length === 0
      ? newest > cursor
      : !req.hostId && entries[0].seq !== cursor + 1;
    if (gap) {
      const head = Math.max(newest, await liveHead(kv, req.orgId));
      send(resetEvent(head));
      return head;
    }
    for (const entry of entries) {
      send(formatEvent(entry.seq, entry.type, eventData(entry)));
      cursor = entry.seq;
    }
    if (entries.length < READ_BATCH) return cursor;
  }
}
