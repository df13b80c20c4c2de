import { HttpError } from "../fresh/mod.ts";

/** Largest page any list endpoint returns. */
export const MAX_PAGE = 200;

/**
 * `?limit=&after=` of a cursor-paged list, validated (400 naming the field).
 *
 * @example
 * ```ts
 * const { limit, after } = pageQuery(ctx.url); // limit 50 by default
 * ```
 */
export function pageQuery(url: URL, defaultLimit = 50): { limit: number; after?: string } {
  const rawLimit = url.searchParams.get("limit");
  const limit = rawLimit === null ? defaultLimit : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw new HttpError(400, `limit: expected an integer 1-${MAX_PAGE}`, {
      details: { field: "limit" },
    });
  }
  const after = url.searchParams.get("after") ?? undefined;
  if (after !== undefined && (after.length === 0 || after.length > 200)) {
    throw new HttpError(400, "after: not a valid cursor", { details: { field: "after" } });
  }
  return { limit, after };
}
