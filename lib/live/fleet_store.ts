/**
 * The fleet page's live state in the browser, shared by its islands (the table and the summary):
 * the rows and summary as signals, kept current from the organization's stream. An event about
 * a host on the page re-reads its row (`GET /api/live/hosts`, several hosts per request), and a
 * row the answer leaves out (host deleted or disabled) is dropped; a new host (created, or its
 * first snapshot) adds its row when the page shows the whole fleet from the start; the summary
 * is re-read at most every few seconds. Browser-safe.
 *
 * @module
 */

import { signal } from "@preact/signals";
import type { FleetRow } from "../ui/fleet.ts";
import { type LiveData, type LiveStatus, liveUrl, subscribeLive } from "./client.ts";

/** What the page tells the store about itself. */
export interface FleetLiveOptions {
  /** The organization's newest event id when the page was rendered. */
  cursor: string;
  /** Unfiltered first page: new hosts are added to it. */
  acceptNew: boolean;
  /** The page's sort (`name`, `posture`, `seen`). */
  sort: string;
}

/** The rows shown (null until the table island starts the store). */
export const fleetRows = signal<FleetRow[] | null>(null);
/** The summary as `GET /api/status` answers it (null: the server-rendered one). */
export const fleetSummaryData = signal<Record<string, unknown> | null>(null);
/** Connection state, for the page's "live" indicator. */
export const fleetStatus = signal<LiveStatus>("connecting");
/** A short sentence for the polite live region (new hosts, posture band changes). */
export const fleetNote = signal("");

/** Coalescing window for row re-reads: a burst of events becomes one request. */
const ROWS_DELAY_MS = 150;
/** The summary is re-read at most this often. */
const SUMMARY_EVERY_MS = 3_000;
const MAX_IDS = 50;

let started = false;
const pending = new Set<string>();
let rowsTimer: ReturnType<typeof setTimeout> | undefined;
let summaryTimer: ReturnType<typeof setTimeout> | undefined;
let summaryAt = 0;
let options: FleetLiveOptions = { cursor: "0", acceptNew: false, sort: "name" };

function compare(sort: string) {
  return (a: FleetRow, b: FleetRow): number => {
    if (sort === "posture") return b.score - a.score || a.slug.localeCompare(b.slug);
    if (sort === "seen") {
      return (b.lastSeen ?? "").localeCompare(a.lastSeen ?? "") || a.slug.localeCompare(b.slug);
    }
    return a.name.localeCompare(b.name) || a.slug.localeCompare(b.slug);
  };
}

async function readRows(): Promise<void> {
  rowsTimer = undefined;
  const ids = [...pending].slice(0, MAX_IDS);
  for (const id of ids) pending.delete(id);
  if (pending.size > 0) rowsTimer = setTimeout(readRows, ROWS_DELAY_MS);
  if (ids.length === 0) return;
  let fresh: FleetRow[];
  try {
    const res = await fetch(`/api/live/hosts?ids=${ids.map(encodeURIComponent).join(",")}`, {
      headers: { accept: "application/json" },
    });
    if (!res.ok) return;
    fresh = (await res.json()).rows;
  } catch {
    return; // a network blip: the next event or reset reads again
  }
  const current = fleetRows.value ?? [];
  const byId = new Map(fresh.map((r) => [r.id, r]));
  const asked = new Set(ids);
  const notes: string[] = [];
  const next: FleetRow[] = [];
  for (const row of current) {
    const update = byId.get(row.id);
    if (!update) {
      // Asked and not answered: deleted or disabled, gone from the fleet page too.
      if (asked.has(row.id)) notes.push(`${row.name} left the fleet`);
      else next.push(row);
      continue;
    }
    byId.delete(row.id);
    if (update.band !== row.band) notes.push(`${update.name}: posture ${update.band}`);
    next.push(update);
  }
  for (const added of byId.values()) {
    notes.push(
      added.lastSeen === null
        ? `${added.name} was added`
        : `${added.name} reported its first snapshot: posture ${added.band}`,
    );
    next.push(added);
  }
  next.sort(compare(options.sort));
  fleetRows.value = next;
  if (notes.length > 0) fleetNote.value = `${notes.join("; ")}.`;
}

async function readSummary(): Promise<void> {
  summaryTimer = undefined;
  summaryAt = Date.now();
  try {
    const res = await fetch("/api/status", { headers: { accept: "application/json" } });
    if (res.ok) fleetSummaryData.value = await res.json();
  } catch {
    // the next event tries again
  }
}

function queueSummary(): void {
  if (summaryTimer !== undefined) return;
  const wait = Math.max(0, summaryAt + SUMMARY_EVERY_MS - Date.now());
  summaryTimer = setTimeout(readSummary, wait);
}

function queueRows(ids: Iterable<string>): void {
  for (const id of ids) pending.add(id);
  if (rowsTimer === undefined && pending.size > 0) {
    rowsTimer = setTimeout(readRows, ROWS_DELAY_MS);
  }
}

function onEvent(data: LiveData): void {
  if (data.type !== "host.state" && data.type !== "breach") return;
  queueSummary();
  const hostId = data.hostId;
  if (!hostId) return;
  const shown = (fleetRows.value ?? []).some((r) => r.id === hostId);
  // New to this page: a host's first snapshot, or a host just created (no snapshot yet).
  const isNew = data.first === true || data.change === "created";
  if (shown || (options.acceptNew && isNew)) queueRows([hostId]);
}

/**
 * Starts the store once per page with the server-rendered rows, and subscribes to the
 * organization's stream; returns the unsubscribe function.
 *
 * @example
 * ```ts
 * useEffect(() => startFleetLive(props.rows, { cursor, acceptNew: true, sort: "name" }), []);
 * ```
 */
export function startFleetLive(rows: FleetRow[], opts: FleetLiveOptions): () => void {
  if (started) return () => {};
  started = true;
  options = opts;
  fleetRows.value = rows;
  const stop = subscribeLive(liveUrl(null, opts.cursor), {
    event: onEvent,
    reset() {
      queueRows((fleetRows.value ?? []).map((r) => r.id));
      queueSummary();
    },
    status(status) {
      fleetStatus.value = status;
    },
  });
  return () => {
    started = false;
    stop();
  };
}
