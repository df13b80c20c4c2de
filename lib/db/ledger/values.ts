/**
 * Small conversions shared by ledger repositories: dialect-dependent column values to one
 * domain shape, and bounded page sizes.
 *
 * @module
 */

import { HttpError } from "../../fresh/errors.ts";

/**
 * A timestamp column as a `Date`: Postgres returns `timestamptz` as a `Date`, SQLite ISO text.
 *
 * @example
 * ```ts
 * toDate("2026-11-25T10:00:00.000Z").getTime(); // 1795600800000
 * ```
 */
export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(value);
}

/**
 * A nullable timestamp column as a `Date` or null.
 *
 * @example
 * ```ts
 * toDateOrNull(row.accepted_at); // null while pending
 * ```
 */
export function toDateOrNull(value: Date | string | null): Date | null {
  return value === null ? null : toDate(value);
}

/**
 * Checks a page size: an integer 1..`max`, `fallback` when undefined. Throws a 400
 * `invalid_input` naming the `limit` field otherwise (the code every bad field gets), so a route
 * can pass user input straight through.
 *
 * @example
 * ```ts
 * pageLimit(undefined, 200, 50); // 50
 * pageLimit(500, 200, 50);       // throws HttpError 400 "limit: expected an integer 1-200, got 500"
 * ```
 */
export function pageLimit(limit: number | undefined, max: number, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new HttpError(400, `limit: expected an integer 1-${max}, got ${limit}`, {
      code: "invalid_input",
      details: { field: "limit" },
    });
  }
  return limit;
}
