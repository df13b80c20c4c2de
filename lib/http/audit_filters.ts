/** Audit-log filters from a query string (`?actor=&action=&targetType=&targetId=&from=&to=&limit=&before=`). */
import { HttpError } from "../fresh/mod.ts";
import { MAX_PAGE } from "./paging.ts";
import type { AuditQuery } from "../audit/query.ts";
import { dayEndIfDateOnly } from "../ui/list_query.ts";

/** The audit query a URL asks for; `limit` always set. */
export type AuditFilters = AuditQuery & { limit: number };

/** A 400 `invalid_input` naming the bad parameter (the code every bad field gets). */
const bad = (field: string, expected: string) =>
  new HttpError(400, `${field}: expected ${expected}`, {
    code: "invalid_input",
    details: { field },
  });

function date(url: URL, field: string): Date | undefined {
  const raw = url.searchParams.get(field);
  if (raw === null || raw === "") return undefined;
  const d = new Date(raw);
  if (Number.isNaN(d.getTime())) {
    throw bad(field, "an ISO date such as 2026-11-25 or 2026-11-25T10:00:00Z");
  }
  return d;
}

/**
 * The exclusive end of `?to=`: a date alone covers that whole UTC day (the next midnight), as the
 * timeline's `untilTime` does for its inclusive end; a time is taken as given.
 *
 * @example
 * ```ts
 * auditUntil(new URL("http://x/audit?to=2026-11-26")); // 2026-11-27T00:00:00.000Z
 * auditUntil(new URL("http://x/audit?to=2026-11-26T10:00Z")); // 2026-11-26T10:00:00.000Z
 * ```
 */
export function auditUntil(url: URL, field = "to"): Date | undefined {
  return dayEndIfDateOnly(url, field, date(url, field));
}

function text(url: URL, field: string, pattern: RegExp, expected: string): string | undefined {
  const raw = url.searchParams.get(field);
  if (raw === null || raw === "") return undefined;
  if (raw.length > 200 || !pattern.test(raw)) throw bad(field, expected);
  return raw;
}

/**
 * Parses and validates audit filters.
 *
 * @example
 * ```ts
 * auditFiltersFrom(new URL("http://x/api/audit?action=auth.&limit=20"))
 * // { action: "auth.", limit: 20 }
 * ```
 */
export function auditFiltersFrom(url: URL, defaultLimit = 50): AuditFilters {
  const limitRaw = url.searchParams.get("limit");
  const limit = limitRaw === null || limitRaw === "" ? defaultLimit : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw bad("limit", `an integer 1-${MAX_PAGE}`);
  }
  const beforeRaw = url.searchParams.get("before");
  const before = beforeRaw === null || beforeRaw === "" ? undefined : Number(beforeRaw);
  if (before !== undefined && (!Number.isInteger(before) || before < 1)) {
    throw bad("before", "a positive integer cursor");
  }
  const from = date(url, "from"), to = auditUntil(url, "to");
  if (from && to && from > to) throw bad("from", "a date before `to`");
  return {
    actorId: text(url, "actor", /^[A-Za-z0-9_:.@-]+$/, "an actor id"),
    action: text(
      url,
      "action",
      /^[a-z0-9_.]+$/,
      "an action such as auth.sign_in or a prefix such as auth.",
    ),
    targetType: text(url, "targetType", /^[a-z_]+$/, "a target type such as user"),
    targetId: text(url, "targetId", /^[A-Za-z0-9_:.@ -]+$/, "a target id"),
    from,
    to,
    limit,
    before,
  };
}
