/**
 * Query strings of the timeline and breach ledger endpoints, validated: every bad value answers
 * 400 naming its parameter.
 *
 * @module
 */

import { HttpError } from "../fresh/errors.ts";
import { MAX_PAGE } from "../http/paging.ts";
import { BREACH_STATES, type BreachState } from "../breaches/model.ts";
import { SEVERITIES, type Severity } from "../signals/types.ts";
import type { TimelineOptions } from "./timeline.ts";

function bad(field: string, message: string): HttpError {
  return new HttpError(400, `${field}: ${message}`, {
    code: "invalid_input",
    details: { field },
  });
}

function oneOf<T extends string>(url: URL, field: string, values: readonly T[]): T | undefined {
  const v = url.searchParams.get(field);
  if (v === null || v === "") return undefined;
  if (!(values as readonly string[]).includes(v)) {
    throw bad(field, `expected one of ${values.join(", ")}`);
  }
  return v as T;
}

function time(url: URL, field: string): Date | undefined {
  const v = url.searchParams.get(field);
  if (v === null || v === "") return undefined;
  const d = new Date(v);
  if (v.length > 40 || Number.isNaN(d.getTime())) throw bad(field, "expected an ISO 8601 time");
  return d;
}

function limitOf(url: URL): number {
  const raw = url.searchParams.get("limit");
  const limit = raw === null ? 50 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
    throw bad("limit", `expected an integer 1-${MAX_PAGE}`);
  }
  return limit;
}

function text(url: URL, field: string, max: number, pattern?: RegExp): string | undefined {
  const v = url.searchParams.get(field);
  if (v === null || v === "") return undefined;
  if (v.length > max || (pattern && !pattern.test(v))) throw bad(field, "not a valid value");
  return v;
}

/**
 * `?severity=&code=&from=&to=&q=&limit=&before=` of a timeline endpoint.
 *
 * @example
 * ```ts
 * const page = await listTimeline(ledger, org.id, { ...timelineQuery(ctx.url), hostId });
 * ```
 */
export function timelineQuery(url: URL): TimelineOptions {
  const from = time(url, "from");
  const to = time(url, "to");
  if (from && to && from > to) throw bad("from", "must not be after to");
  return {
    severity: oneOf<Severity>(url, "severity", SEVERITIES),
    code: text(url, "code", 100),
    from,
    to,
    q: text(url, "q", 200),
    limit: limitOf(url),
    before: text(url, "before", 100),
  };
}

/**
 * `?state=&severity=&q=&limit=&after=` of a breach ledger endpoint.
 *
 * @example
 * ```ts
 * const breaches = await listBreaches(ledger, org.id, breachQuery(ctx.url));
 * ```
 */
export function breachQuery(url: URL): {
  state?: BreachState;
  severity?: Severity;
  q?: string;
  limit: number;
  after?: string;
} {
  return {
    state: oneOf<BreachState>(url, "state", BREACH_STATES),
    severity: oneOf<Severity>(url, "severity", SEVERITIES),
    q: text(url, "q", 200),
    limit: limitOf(url),
    after: text(url, "after", 64, /^[0-9A-Z]{26}$/),
  };
}
