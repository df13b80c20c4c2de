/**
 * The timeline (issue 4 item 7, product §1.6): a host's or the whole fleet's signals, newest
 * first, with repeats collapsed.
 *
 * **Dedupe.** Signals are identical when they share the host and `code|title|detail`. Walking
 * one host's identical signals in time order, two consecutive ones belong to the same row when
 * they are at most `windowMs` apart (30 min by default); the chain breaks at the first larger
 * gap. A row therefore stands for an unbroken run: a finding that every 5-minute snapshot repeats
 * for three hours is one row with `count` 36, `firstTs` and `lastTs`; the same finding gone for
 * an hour and back is two rows. The row shows its newest signal (`id`, `ts` = `lastTs`,
 * severity, evidence, snapshot). Filters (`severity`, `code`, `from`, `to`, `q`) apply before
 * the dedupe, so `count` counts matching signals only.
 *
 * Because "is this the newest of its run" only depends on identical signals within one window
 * after it, rows are decided locally in SQL (`not exists`), which makes paging exact: the order
 * is `(lastTs desc, id desc)` and the cursor is the last row's `(ts, id)`. Each row's
 * `firstTs`/`count` walks its run back once, in indexed chunks (`signals (host_id, code, ts)`).
 *
 * @module
 */

import { type RawBuilder, sql } from "kysely";
import type { Ledger } from "../db/ledger/mod.ts";
import { pageLimit, toDate } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import type { Severity } from "../signals/types.ts";

/** Default dedupe window. */
export const TIMELINE_WINDOW_MS = 30 * 60_000;
/** Longest page of {@link listTimeline}. */
export const MAX_TIMELINE_PAGE = 200;

/** Filters and paging of {@link listTimeline}. */
export interface TimelineOptions {
  hostId?: string;
  severity?: Severity;
  code?: string;
  /** Signals collected at or after this time. */
  from?: Date;
  /** Signals collected at or before this time. */
  to?: Date;
  /** Case-insensitive substring of the title, detail or code. */
  q?: string;
  /** Page size, 1-200 (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  before?: string;
  /** Dedupe window (default {@link TIMELINE_WINDOW_MS}). */
  windowMs?: number;
}

/** One timeline row: a run of identical signals, shown by its newest. */
export interface TimelineEntry {
  /** Id of the newest signal of the run. */
  id: string;
  hostId: string;
  snapshotId: string | null;
  code: string;
  severity: Severity;
  title: string;
  detail: string;
  source: string;
  fingerprint: string;
  evidence: Record<string, unknown> | null;
  mitre: string[];
  /** = `lastTs`. */
  ts: Date;
  firstTs: Date;
  lastTs: Date;
  /** Matching signals in the run. */
  count: number;
}

/** A page of the timeline. */
export interface TimelinePage {
  entries: TimelineEntry[];
  /** Pass as `before` for the next page; null on the last. */
  nextCursor: string | null;
}

type Db = Pick<Ledger, "db" | "dialect">;

/**
 * Cursor text of a row: `<ms since epoch>.<id>`.
 *
 * @example
 * ```ts
 * timelineCursor({ ts: new Date(0), id: "01J…" }); // "0.01J…"
 * ```
 */
export function timelineCursor(row: { ts: Date; id: string }): string {
  return `${row.ts.getTime()}.${row.id}`;
}

function parseCursor(text: string): { ts: Date; id: string } {
  const m = /^(\d{1,15})\.([0-9A-Za-z_-]{1,64})$/.exec(text);
  if (!m) {
    throw new HttpError(400, "before: not a valid cursor", {
      code: "invalid_input",
      details: { field: "before" },
    });
  }
  return { ts: new Date(Number(m[1])), id: m[2] };
}

/** `col + window` in the dialect's timestamp form (ISO text on SQLite). */
function plus(db: Db, col: string, ms: number): RawBuilder<unknown> {
  return db.dialect === "postgres"
    ? sql`(${sql.ref(col)} + (${ms / 1000}::double precision * interval '1 second'))`
    : sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${sql.ref(col)}, ${`${ms / 1000} seconds`})`;
}

/**
 * The filters, on the signals aliased `a`. `sameHostAs` (a signal of the same host, so of the
 * same organization) leaves out the organization: with it, SQLite picked `(org_id, ts, id)`
 * for the dedupe probe and read every signal of the fleet within the window.
 */
function filters(
  a: string,
  orgId: string,
  o: TimelineOptions,
  sameHostAs?: string,
): RawBuilder<boolean> {
  const c = (col: string) => sql.ref(`${a}.${col}`);
  const parts: RawBuilder<unknown>[] = [
    sameHostAs
      ? sql`${c("host_id")} = ${sql.ref(`${sameHostAs}.host_id`)}`
      : sql`${c("org_id")} = ${orgId}`,
  ];
  if (o.hostId !== undefined) parts.push(sql`${c("host_id")} = ${o.hostId}`);
  if (o.severity !== undefined) parts.push(sql`${c("severity")} = ${o.severity}`);
  if (o.code !== undefined) parts.push(sql`${c("code")} = ${o.code}`);
  if (o.from !== undefined) parts.push(sql`${c("ts")} >= ${o.from}`);
  if (o.to !== undefined) parts.push(sql`${c("ts")} <= ${o.to}`);
  const q = o.q?.trim().toLowerCase().slice(0, 200);
  if (q) {
    const pattern = `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const cols = ["title", "detail", "code"].map((col) =>
      sql`lower(${c(col)}) like ${pattern} escape '\\'`
    );
    parts.push(sql`(${sql.join(cols, sql` or `)})`);
  }
  return sql<boolean>`(${sql.join(parts, sql` and `)})`;
}

/** `b` is the same finding on the same host as `a`. */
function identical(a: string, b: string): RawBuilder<boolean> {
  const cols = ["host_id", "code", "title", "detail"].map((col) =>
    sql`${sql.ref(`${b}.${col}`)} = ${sql.ref(`${a}.${col}`)}`
  );
  return sql<boolean>`(${sql.join(cols, sql` and `)})`;
}

/** `(b.ts, b.id) > (a.ts, a.id)`. */
function after(a: string, b: string): RawBuilder<boolean> {
  const r = (x: string, col: string) => sql.ref(`${x}.${col}`);
  return sql<boolean>`(${r(b, "ts")} > ${r(a, "ts")} or (${r(b, "ts")} = ${r(a, "ts")} and ${
    r(b, "id")
  } > ${r(a, "id")}))`;
}

function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/**
 * A page of the organization's timeline (one host with `hostId`), deduped as described in the
 * module documentation. 400 naming `limit` or `before` for bad paging input.
 *
 * @example
 * ```ts
 * const page = await listTimeline(ledger, org.id, { hostId, severity: "high", limit: 20 });
 * const next = await listTimeline(ledger, org.id, { hostId, severity: "high", before: page.nextCursor! });
 * page.entries[0].count; // identical signals collapsed into the newest row
 * ```
 */
export async function listTimeline(
  ledger: Db,
  orgId: string,
  options: TimelineOptions = {},
): Promise<TimelinePage> {
  const limit = pageLimit(options.limit, MAX_TIMELINE_PAGE, 50);
  const w = options.windowMs ?? TIMELINE_WINDOW_MS;
  const cursor = options.before === undefined ? undefined : parseCursor(options.before);
  let query = ledger.db.selectFrom("signals as s").selectAll("s")
    .where(filters("s", orgId, options))
    // The newest of its run: no identical matching signal after it within the window.
    .where(({ not, exists, selectFrom }) =>
      not(exists(
        selectFrom("signals as n").select(sql`1`.as("one"))
          .where(identical("s", "n")).where(filters("n", orgId, options, "s"))
          // Implied by `after`, but only this form bounds the index range from below.
          .whereRef("n.ts", ">=", "s.ts")
          .where(after("s", "n"))
          .where(sql<boolean>`${sql.ref("n.ts")} <= ${plus(ledger, "s.ts", w)}`),
      ))
    );
  if (cursor) {
    query = query.where((eb) =>
      eb.or([
        eb("s.ts", "<", cursor.ts),
        eb.and([eb("s.ts", "=", cursor.ts), eb("s.id", "<", cursor.id)]),
      ])
    );
  }
  const heads = await query.orderBy("s.ts", "desc").orderBy("s.id", "desc").limit(limit + 1)
    .execute();
  const more = heads.length > limit;
  const shown = heads.slice(0, limit);
  // Each head's run is its own short read: on Postgres a round trip each, so they overlap
  // (a few at a time, leaving the pool to other requests); SQLite runs them one by one anyway.
  const runs = new Array<Awaited<ReturnType<typeof runOf>>>(shown.length);
  let next = 0;
  const worker = async () => {
    while (next < shown.length) {
      const i = next++;
      runs[i] = await runOf(ledger, orgId, options, w, shown[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(RUN_READS_AT_ONCE, shown.length) }, worker));
  const entries: TimelineEntry[] = [];
  for (const [i, head] of shown.entries()) {
    const run = runs[i];
    entries.push({
      id: head.id,
      hostId: head.host_id,
      snapshotId: head.snapshot_id,
      code: head.code,
      severity: head.severity,
      title: head.title,
      detail: head.detail,
      source: head.source,
      fingerprint: head.fingerprint,
      evidence: parseJson<Record<string, unknown> | null>(head.evidence, null),
      mitre: parseJson<string[]>(head.mitre, []),
      ts: toDate(head.ts),
      firstTs: run.firstTs ?? toDate(head.ts),
      lastTs: toDate(head.ts),
      count: run.count,
    });
  }
  return {
    entries,
    nextCursor: more && entries.length > 0 ? timelineCursor(entries[entries.length - 1]) : null,
  };
}

/** Run reads of one page in flight at once (see {@link listTimeline}). */
const RUN_READS_AT_ONCE = 6;

/** Signals read by the first query while walking a run back (most runs are short); each
 * further query reads eight times more, up to {@link RUN_CHUNK_MAX}. */
const RUN_CHUNK_FIRST = 4;
const RUN_CHUNK_MAX = 1024;

/**
 * The start (oldest signal) and size of the run whose newest signal is `head`: its identical
 * matching signals, newest first from the head (index `signals (host_id, code, ts)`), walked
 * back until the first gap longer than the window. One pass over the run, read in chunks.
 */
async function runOf(
  ledger: Db,
  orgId: string,
  options: TimelineOptions,
  w: number,
  head: {
    id: string;
    ts: Date | string;
    host_id: string;
    code: string;
    title: string;
    detail: string;
  },
): Promise<{ firstTs: Date | null; count: number }> {
  let count = 0;
  let oldest = toDate(head.ts).getTime();
  let cursor = { ts: toDate(head.ts), id: head.id, inclusive: true };
  for (let chunk = RUN_CHUNK_FIRST;; chunk = Math.min(chunk * 8, RUN_CHUNK_MAX)) {
    const c = cursor;
    const rows = await ledger.db.selectFrom("signals as m").select(["m.ts", "m.id"])
      .where("m.host_id", "=", head.host_id).where("m.code", "=", head.code)
      .where("m.title", "=", head.title).where("m.detail", "=", head.detail)
      .where(filters("m", orgId, options))
      .where("m.ts", "<=", c.ts) // the index range's upper bound
      .where((eb) =>
        eb.or([
          eb("m.ts", "<", c.ts),
          eb.and([eb("m.ts", "=", c.ts), eb("m.id", c.inclusive ? "<=" : "<", c.id)]),
        ])
      )
      .orderBy("m.ts", "desc").orderBy("m.id", "desc").limit(chunk).execute();
    for (const row of rows) {
      const ts = toDate(row.ts).getTime();
      if (count > 0 && oldest - ts > w) return { firstTs: new Date(oldest), count };
      count++;
      oldest = ts;
    }
    const last = rows.at(-1);
    if (rows.length < chunk || !last) {
      return { firstTs: count > 0 ? new Date(oldest) : null, count: Math.max(1, count) };
    }
    cursor = { ts: toDate(last.ts), id: last.id, inclusive: false };
  }
}
