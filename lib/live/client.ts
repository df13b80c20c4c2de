/**
 * The browser side of live updates: one `EventSource` per stream URL, shared by every island of
 * the page that subscribes to it, with a connection state islands can show. Browser-safe (no
 * Deno APIs); bundled into the islands that import it.
 *
 * The first connection resumes from the cursor the page was rendered with (`?lastEventId=`),
 * so nothing that happened between the render and the connection is missed; later reconnects
 * are the browser's own, with `Last-Event-ID`. When the server refuses the stream (429: too
 * many tabs, 401: signed out) the browser gives up; this client retries a few times, slowly.
 *
 * @module
 */

/** The kinds of event the server sends (`lib/live/changes.ts`), plus `reset`. */
export const LIVE_EVENT_TYPES = ["host.state", "breach", "run", "incident", "signal"] as const;

/** The `data:` of an event. */
export interface LiveData {
  type: string;
  hostId: string | null;
  /** The changed thing (host, breach, run, incident or snapshot id). */
  id: string;
  at: string;
  [field: string]: unknown;
}

/** What a subscriber hears. */
export interface LiveListener {
  /** A change (any of {@link LIVE_EVENT_TYPES}). */
  event?(data: LiveData): void;
  /** Some events were lost: reload what is shown. */
  reset?(): void;
  /** The stream (re)connected. */
  open?(): void;
  /** The connection state changed. */
  status?(status: LiveStatus): void;
}

/** `live`: connected; `connecting`: (re)connecting; `paused`: the server refused for now. */
export type LiveStatus = "connecting" | "live" | "paused";

interface Connection {
  url: string;
  source: EventSource | null;
  listeners: Set<LiveListener>;
  lastId: string | null;
  status: LiveStatus;
  retries: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const connections = new Map<string, Connection>();
/** Slow retries after the server refused a stream. */
const RETRY_MS = 30_000;
const MAX_RETRIES = 5;

/**
 * True when this browser has `EventSource` (callers fall back to polling otherwise).
 *
 * @example
 * ```ts
 * if (!liveSupported()) startPolling();
 * ```
 */
export function liveSupported(): boolean {
  return typeof EventSource === "function";
}

/**
 * The stream URL of the organization (`host` null) or of one host, resuming after `cursor`.
 *
 * @example
 * ```ts
 * liveUrl("h_01J…", "42"); // "/api/live?host=h_01J…&lastEventId=42"
 * ```
 */
export function liveUrl(host: string | null, cursor: string | null): string {
  const q = new URLSearchParams();
  if (host) q.set("host", host);
  if (cursor) q.set("lastEventId", cursor);
  const query = q.toString();
  return `/api/live${query ? `?${query}` : ""}`;
}

function setStatus(conn: Connection, status: LiveStatus): void {
  if (conn.status === status) return;
  conn.status = status;
  for (const l of conn.listeners) l.status?.(status);
}

function connect(conn: Connection): void {
  const url = new URL(conn.url, location.href);
  if (conn.lastId) url.searchParams.set("lastEventId", conn.lastId);
  const source = new EventSource(url.pathname + url.search);
  conn.source = source;
  setStatus(conn, "connecting");
  source.onopen = () => {
    conn.retries = 0;
    setStatus(conn, "live");
    for (const l of conn.listeners) l.open?.();
  };
  source.onerror = () => {
    if (source.readyState !== EventSource.CLOSED) return setStatus(conn, "connecting");
    // Refused (429, 401, …): the browser will not retry by itself.
    source.close();
    conn.source = null;
    setStatus(conn, "paused");
    if (conn.retries++ < MAX_RETRIES) conn.timer = setTimeout(() => connect(conn), RETRY_MS);
  };
  const onEvent = (e: MessageEvent<string>) => {
    if (e.lastEventId) conn.lastId = e.lastEventId;
    let data: LiveData;
    try {
      data = JSON.parse(e.data);
    } catch {
      return;
    }
    for (const l of conn.listeners) {
      if (e.type === "reset") l.reset?.();
      else l.event?.(data);
    }
  };
  for (const type of [...LIVE_EVENT_TYPES, "reset"]) source.addEventListener(type, onEvent);
}

function close(conn: Connection): void {
  clearTimeout(conn.timer);
  conn.source?.close();
  conn.source = null;
  connections.delete(conn.url);
}

/**
 * Subscribes to a stream (see {@link liveUrl}); returns the unsubscribe function. Subscribers of
 * the same URL share one connection, closed with the last of them (and when the page goes).
 *
 * @example
 * ```ts
 * const stop = subscribeLive(liveUrl(null, cursor), { event: (d) => refresh(d.hostId) });
 * ```
 */
export function subscribeLive(url: string, listener: LiveListener): () => void {
  const base = url.replace(/[?&]lastEventId=(\d+)/, "");
  let conn = connections.get(base);
  if (!conn) {
    const cursor = /[?&]lastEventId=(\d+)/.exec(url)?.[1] ?? null;
    conn = {
      url: base,
      source: null,
      listeners: new Set(),
      lastId: cursor,
      status: "connecting",
      retries: 0,
      timer: undefined,
    };
    connections.set(base, conn);
    connect(conn);
  }
  conn.listeners.add(listener);
  listener.status?.(conn.status);
  const current = conn;
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size === 0) close(current);
  };
}

// Leaving the page ends its streams at once, rather than when the browser gets to it.
if (typeof addEventListener === "function") {
  addEventListener("pagehide", () => {
    for (const conn of [...connections.values()]) close(conn);
  });
}
