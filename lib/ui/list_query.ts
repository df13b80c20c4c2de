/**
 * Query-string parameters of the list pages and their endpoints (incidents, timeline, breaches),
 * one reader per kind of value. A blank parameter counts as absent (filter forms send every field);
 * a bad value throws a 400 `invalid_input` naming its parameter, so a page can put the error on
 * that filter's field and an endpoint answers with the usual JSON error.
 *
 * @module
 */

import { HttpError } from "../fresh/errors.ts";
import { MAX_PAGE } from "../http/paging.ts";

/** Page size when the query names none. */
export const DEFAULT_LIMIT = 50;

/**
 * The 400 for one bad query parameter.
 *
 * @example
 * ```ts
 * throw badQueryParam("overdue", "expected 1, 0, true or false");
 * // HttpError 400 "overdue: expected 1, 0, true or false", details { field: "overdue" }
 * ```
 */
export function badQueryParam(field: string, message: string): HttpError {
  return new HttpError(400, `${field}: ${message}`, {
    code: "invalid_input",
    details: { field },
  });
}

/** The raw value, or undefined when missing or blank. */
function present(url: URL, field: string): string | undefined {
  const value = url.searchParams.get(field);
  return value === null || value === "" ? undefined : value;
}

/**
 * One of a fixed list of values (a state, a severity).
 *
 * @example
 * ```ts
 * queryChoice(new URL("http://x/?state=open"), "state", ["open", "closed"]); // "open"
 * ```
 */
export function queryChoice<T extends string>(
  url: URL,
  field: string,
  choices: readonly T[],
): T | undefined {
  const value = present(url, field);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value)) {
    throw badQueryParam(field, `expected one of ${choices.join(", ")}`);
  }
  return value as T;
}

/**
 * A record id (host, member, incident): 1-64 letters, digits, `_` or `-`.
 *
 * @example
 * ```ts
 * queryId(new URL("http://x/?host=h_01J"), "host"); // "h_01J"
 * ```
 */
export function queryId(url: URL, field: string): string | undefined {
  const value = present(url, field);
  if (value !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(value)) {
    throw badQueryParam(field, "not a valid id");
  }
  return value;
}

/**
 * Free text (a search, a code, a cursor) of at most `max` characters, matching `pattern` if given.
 *
 * @example
 * ```ts
 * queryText(new URL("http://x/?after=01J0000000000000000000000A"), "after", 64, /^[0-9A-Z]{26}$/);
 * ```
 */
export function queryText(
  url: URL,
  field: string,
  max: number,
  pattern?: RegExp,
): string | undefined {
  const value = present(url, field);
  if (value !== undefined && (value.length > max || (pattern && !pattern.test(value)))) {
    throw badQueryParam(field, "not a valid value");
  }
  return value;
}

/** A calendar date alone (`2026-11-25`), without a time of day. */
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

/**
 * The end of a range given as `?field=`: for a date alone, the next midnight (UTC), so the day
 * is covered whole; otherwise `time` as given. `time` is the field already parsed.
 *
 * @example
 * ```ts
 * const url = new URL("http://x/?to=2026-11-25");
 * dayEndIfDateOnly(url, "to", queryTime(url, "to")); // 2026-11-26T00:00:00.000Z
 * ```
 */
export function dayEndIfDateOnly(
  url: URL,
  field: string,
  time: Date | undefined,
): Date | undefined {
  if (time === undefined || !DATE_ONLY.test(url.searchParams.get(field) ?? "")) return time;
  return new Date(time.getTime() + DAY_MS);
}

/**
 * An ISO 8601 time (at most 40 characters, so nothing huge reaches the date parser).
 *
 * @example
 * ```ts
 * queryTime(new URL("http://x/?from=2026-11-25"), "from"); // 2026-11-25T00:00:00.000Z
 * ```
 */
export function queryTime(url: URL, field: string): Date | undefined {
  const value = present(url, field);
  if (value === undefined) return undefined;
  const time = new Date(value);
  if (value.length > 40 || Number.isNaN(time.getTime())) {
    throw badQueryParam(field, "expected an ISO 8601 time");
  }
  return time;
}

/**
 * `?limit=`: an integer 1-{@link MAX_PAGE}, {@link DEFAULT_LIMIT} when missing. Unlike the other
 * readers a blank `limit=` is an error unless `blankIsDefault` (the incident list has always
 * taken it as the default; the timeline and breach endpoints refuse it).
 *
 * @example
 * ```ts
 * queryLimit(new URL("http://x/?limit=20")); // 20
 * queryLimit(new URL("http://x/?limit="), { blankIsDefault: true }); // 50
 * ```
 */
export function queryLimit(url: URL, options: { blankIsDefault?: boolean } = {}): number {
  const raw = url.searchParams.get("limit");
  const absent = raw === null || (raw === "" && options.blankIsDefault === true);
  const limit = absent ? DEFAULT_LIMIT : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw badQueryParam("limit", `expected an integer 1-${MAX_PAGE}`);
  }
  return limit;
}
