/**
 * Query parameters of cursor-paged lists: `?limit=` (1-{@link MAX_PAGE}) and one keyset cursor,
 * `after` (lists in ascending order) or `before` (newest first). Every refusal is a 400
 * `invalid_input` naming the parameter, in the shared error shape.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { HttpError } from "../fresh/errors.ts";

/** Largest page any list endpoint returns. */
export const MAX_PAGE = 200;
/** Longest cursor any list issues. */
const MAX_CURSOR = 200;
/** A ULID (Crockford base32, 26 characters): ids of sessions, invitations, host keys. */
export const ULID_CURSOR = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** What a cursor must pass: a RegExp, or any object with the same `test`. */
export interface CursorPattern {
  test(cursor: string): boolean;
}

/** Options of {@link pageParams}. */
export interface PageOptions {
  /** Page size without `?limit=` (default 50). */
  defaultLimit?: number;
  /** The cursor's query parameter (default `after`). */
  param?: "after" | "before";
  /** The shape of every cursor the list issues (a RegExp, or any `test`); others are refused. */
  pattern?: CursorPattern;
}

/** A validated page request. */
export interface PageParams {
  limit: number;
  /** The cursor as sent, when sent. */
  cursor?: string;
}

/**
 * The 400 `invalid_input` naming `field`.
 *
 * @example
 * ```ts
 * throw badPageInput("before", "not a valid cursor");
 * ```
 */
export function badPageInput(field: string, message: string): HttpError {
  return new HttpError(400, `${field}: ${message}`, {
    code: "invalid_input",
    details: { field },
  });
}

/**
 * `?limit=` and the cursor parameter of a cursor-paged list, validated (400 `invalid_input`
 * naming the parameter).
 *
 * @example
 * ```ts
 * const { limit, cursor } = pageParams(ctx.url, { param: "before", pattern: ULID_CURSOR });
 * ```
 */
export function pageParams(url: URL, options: PageOptions = {}): PageParams {
  const { defaultLimit = 50, param = "after", pattern } = options;
  const rawLimit = url.searchParams.get("limit");
  const limit = rawLimit === null
    ? defaultLimit
    : /^\d{1,6}$/.test(rawLimit)
    ? Number(rawLimit)
    : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw badPageInput(
      "limit",
      `expected an integer 1-${MAX_PAGE}, got ${JSON.stringify(rawLimit?.slice(0, 20))}`,
    );
  }
  const cursor = url.searchParams.get(param) ?? undefined;
  if (
    cursor !== undefined &&
    (cursor.length === 0 || cursor.length > MAX_CURSOR || (pattern && !pattern.test(cursor)))
  ) {
    throw badPageInput(param, "not a valid cursor; pass the nextCursor of the previous page");
  }
  return { limit, cursor };
}

/**
 * `?limit=&after=` of a cursor-paged list, validated (400 `invalid_input` naming the field).
 * `afterPattern` is the shape of every cursor the list issues (a slug, an e-mail address).
 *
 * @example
 * ```ts
 * const { limit, after } = pageQuery(ctx.url, 50, /^[a-z0-9-]{1,64}$/);
 * ```
 */
export function pageQuery(
  url: URL,
  defaultLimit = 50,
  afterPattern?: CursorPattern,
): { limit: number; after?: string } {
  const { limit, cursor } = pageParams(url, {
    defaultLimit,
    param: "after",
    pattern: afterPattern,
  });
  return { limit, after: cursor };
}

/**
 * One page out of `rows` read with `limit + 1`: the first `limit`, and the cursor of the last
 * of them when the extra row says another page exists (null on the last page).
 *
 * @example
 * ```ts
 * const page = pageOf(await list({ limit: limit + 1 }), limit, (key) => key.id);
 * ```
 */
export function pageOf<T>(
  rows: T[],
  limit: number,
  cursorOf: (last: T) => string,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return {
    items,
    nextCursor: rows.length > limit && items.length > 0 ? cursorOf(items[items.length - 1]) : null,
  };
}

/**
 * A text sort key (a name) as a cursor: base64url of its UTF-8, so any name travels in a URL.
 *
 * @example
 * ```ts
 * textCursor("On-call Slack"); // "T24tY2FsbCBTbGFjaw"
 * ```
 */
export function textCursor(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

/**
 * The text of a {@link textCursor}; 400 `invalid_input` naming `field` when `cursor` is not the
 * canonical encoding of a text `valid` accepts.
 *
 * @example
 * ```ts
 * const after = cursor === undefined ? undefined : parseTextCursor(cursor, "after", isName);
 * ```
 */
export function parseTextCursor(
  cursor: string,
  field: string,
  valid: (text: string) => boolean,
): string {
  if (/^[A-Za-z0-9_-]+$/.test(cursor)) {
    try {
      const text = new TextDecoder("utf-8", { fatal: true })
        .decode(Buffer.from(cursor, "base64url"));
      if (textCursor(text) === cursor && valid(text)) return text;
    } catch {
      // Not UTF-8: refused below.
    }
  }
  throw badPageInput(field, "not a valid cursor; pass the nextCursor of the previous page");
}

/**
 * The next page's cursor for a page read with `limit`, null on the last page: when the page is
 * full, `probe` reads one row past its last and says whether another page exists (a full page
 * may hold exactly the rest of the list). For lists whose reader caps at the page maximum, so
 * `limit + 1` (see {@link pageOf}) cannot be read.
 *
 * @example
 * ```ts
 * const nextCursor = await cursorIfMore(runs, limit, (r) => r.id,
 *   (before) => listRuns(ledger, orgId, { hostId, before, limit: 1 }));
 * ```
 */
export async function cursorIfMore<T>(
  rows: readonly T[],
  limit: number,
  cursorOf: (last: T) => string,
  probe: (cursor: string) => Promise<readonly unknown[]>,
): Promise<string | null> {
  if (rows.length < limit || rows.length === 0) return null;
  const cursor = cursorOf(rows[rows.length - 1]);
  return (await probe(cursor)).length > 0 ? cursor : null;
}
