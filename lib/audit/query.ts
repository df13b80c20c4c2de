/**
 * Reading an organization's audit trail: filtered, cursor-paged queries (newest first) and
 * streamed exports as JSON lines or CSV. Every query reads exactly one chain.
 *
 * @module
 */

import { sql } from "kysely";
import type { LedgerDb } from "../orgs/orgs.ts";
import { pageLimit } from "../db/ledger/values.ts";
import { HttpError } from "../fresh/errors.ts";
import { type AuditEntry, type AuditEntryRow, toAuditEntry } from "./entry.ts";

/** Filters of {@link queryAudit} and {@link exportAudit}; all optional, combined with AND. */
export interface AuditFilters {
  actorId?: string;
  /** An exact action (`org.member.add`), or a prefix ending in "." (`org.member.`). */
  action?: string;
  targetType?: string;
  targetId?: string;
  /** Entries at or after this time. */
  from?: Date;
  /** Entries before this time (exclusive). */
  to?: Date;
}

/** A page request: filters, page size and cursor. */
export interface AuditQuery extends AuditFilters {
  /** 1-{@link MAX_AUDIT_PAGE}; default 50. */
  limit?: number;
  /** The `nextCursor` of the previous page: only entries with a smaller seq. */
  before?: number;
}

/** One page of entries, newest first. */
export interface AuditPage {
  entries: AuditEntry[];
  /** Pass as `before` for the next (older) page; null on the last page. */
  nextCursor: number | null;
}

/** Longest page of {@link queryAudit}. */
export const MAX_AUDIT_PAGE = 200;
/** Rows an export reads per query. */
const EXPORT_PAGE = 500;

const ACTION_FILTER = /^[a-z0-9_.]{1,100}$/;

function badFilter(field: string, message: string): HttpError {
  return new HttpError(400, `${field}: ${message}`, {
    code: "invalid_filter",
    details: { field },
  });
}

function checkFilters(filters: AuditFilters): void {
  if (filters.action !== undefined && !ACTION_FILTER.test(filters.action)) {
    throw badFilter(
      "action",
      `expected an action like "org.member.add" or a prefix ending in "." like "org.", got ${
        JSON.stringify(filters.action.slice(0, 100))
      }`,
    );
  }
  for (const field of ["from", "to"] as const) {
    const value = filters[field];
    if (value !== undefined && Number.isNaN(value.getTime())) {
      throw badFilter(field, "expected an ISO 8601 time such as 2026-11-25T10:00:00Z");
    }
  }
  for (const field of ["actorId", "targetType", "targetId"] as const) {
    const value = filters[field];
    if (value !== undefined && value.length > 200) {
      throw badFilter(field, "expected at most 200 characters");
    }
  }
}

/** One page of matching rows of `chain`, seq descending, below `before`. */
async function selectPage(
  ledger: LedgerDb,
  chain: string,
  filters: AuditFilters,
  limit: number,
  before: number | undefined,
): Promise<AuditEntryRow[]> {
  const { actorId, action, targetType, targetId, from, to } = filters;
  return await ledger.db.selectFrom("audit_entries").selectAll()
    .where("chain", "=", chain)
    .$if(before !== undefined, (q) => q.where("seq", "<", before ?? 0))
    .$if(actorId !== undefined, (q) => q.where("actor_id", "=", actorId ?? ""))
    .$if(action !== undefined && !action.endsWith("."), (q) => q.where("action", "=", action ?? ""))
    .$if(action !== undefined && action.endsWith("."), (q) =>
      // `_` is a LIKE wildcard and may appear in actions; escape it.
      q.where(sql<boolean>`action like ${`${action?.replaceAll("_", "\\_")}%`} escape '\\'`))
    .$if(targetType !== undefined, (q) => q.where("target_type", "=", targetType ?? ""))
    .$if(targetId !== undefined, (q) => q.where("target_id", "=", targetId ?? ""))
    .$if(from !== undefined, (q) => q.where("ts", ">=", from ?? new Date(0)))
    .$if(to !== undefined, (q) => q.where("ts", "<", to ?? new Date(0)))
    .orderBy("seq", "desc")
    .limit(limit)
    .execute();
}

/**
 * Entries of organization `orgId` matching `query`, newest first, one page at a time. Only
 * that organization's chain is read. 400 `invalid_filter` / `invalid_input` naming the field.
 *
 * @example
 * ```ts
 * const page = await queryAudit(ledger, org.id, { action: "auth.", limit: 50 });
 * const older = page.nextCursor === null
 *   ? null
 *   : await queryAudit(ledger, org.id, { action: "auth.", limit: 50, before: page.nextCursor });
 * ```
 */
export async function queryAudit(
  ledger: LedgerDb,
  orgId: string,
  query: AuditQuery = {},
): Promise<AuditPage> {
  const limit = pageLimit(query.limit, MAX_AUDIT_PAGE, 50);
  checkFilters(query);
  if (query.before !== undefined && (!Number.isSafeInteger(query.before) || query.before < 1)) {
    throw badFilter("before", `expected a positive integer cursor, got ${query.before}`);
  }
  // One row more than asked says whether another page exists.
  const rows = await selectPage(ledger, orgId, query, limit + 1, query.before);
  const entries = rows.slice(0, limit).map(toAuditEntry);
  return {
    entries,
    nextCursor: rows.length > limit ? entries[entries.length - 1].seq : null,
  };
}

/** Columns of the CSV export, in order. */
export const AUDIT_CSV_COLUMNS = [
  "seq",
  "id",
  "ts",
  "actor_type",
  "actor_id",
  "actor_label",
  "action",
  "target_type",
  "target_id",
  "request_id",
  "ip",
  "user_agent",
  "summary",
  "details",
  "prev_hash",
  "hash",
] as const;

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled.
 * A text starting with `=`, `+`, `-`, `@`, tab or carriage return gets a leading `'`, so a
 * spreadsheet does not run it as a formula.
 *
 * @example
 * ```ts
 * csvCell('say "hi", then');  // '"say ""hi"", then"'
 * csvCell("=HYPERLINK(…)");    // "'=HYPERLINK(…)"
 * ```
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csvRow(entry: AuditEntry): string {
  const cells: (string | number | null)[] = [
    entry.seq,
    entry.id,
    entry.ts.toISOString(),
    entry.actor.type,
    entry.actor.id,
    entry.actor.label ?? null,
    entry.action,
    entry.target?.type ?? null,
    entry.target?.id ?? null,
    entry.requestId,
    entry.ip,
    entry.userAgent,
    entry.summary,
    entry.details === null ? null : JSON.stringify(entry.details),
    entry.prevHash,
    entry.hash,
  ];
  return cells.map(csvCell).join(",") + "\r\n";
}

/**
 * Streams every entry of `orgId` matching `filters`, newest first, as JSON lines (one entry
 * object per line) or CSV (header row, then one row per entry). Reads the ledger one page at a
 * time (`pageSize` rows, default 500) as the consumer pulls, so an export of any size uses
 * little memory.
 *
 * @example
 * ```ts
 * const body = exportAudit(ledger, org.id, { from }, "csv");
 * return new Response(body, { headers: { "content-type": "text/csv; charset=utf-8" } });
 * ```
 */
export function exportAudit(
  ledger: LedgerDb,
  orgId: string,
  filters: AuditFilters,
  format: "jsonl" | "csv",
  options: { pageSize?: number } = {},
): ReadableStream<Uint8Array> {
  checkFilters(filters);
  const pageSize = options.pageSize ?? EXPORT_PAGE;
  const encoder = new TextEncoder();
  let before: number | undefined;
  let started = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let text = "";
      if (!started && format === "csv") text += AUDIT_CSV_COLUMNS.join(",") + "\r\n";
      started = true;
      const rows = await selectPage(ledger, orgId, filters, pageSize, before);
      for (const row of rows) {
        const entry = toAuditEntry(row);
        text += format === "csv" ? csvRow(entry) : JSON.stringify(entry) + "\n";
      }
      if (text !== "") controller.enqueue(encoder.encode(text));
      if (rows.length < pageSize) controller.close();
      else before = Number(rows[rows.length - 1].seq);
    },
  }, { highWaterMark: 0 });
}
